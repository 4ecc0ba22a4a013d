// The world outline shared by the view and (through build.mjs) the server's
// PNG: world-atlas' land polygons, made drawable on a flat map.
//
// world-atlas keeps spherical rings: a ring touching the antimeridian jumps
// between -180 and 180, and Antarctica's ring goes round the pole. Drawn
// flat, each jump would be a line across the whole map; so a ring that
// crosses is unwrapped (its far side drawn past ±180), and a ring round a
// pole is closed along the map's edge through the pole.
// land is what topojson-client's feature() returns for world-atlas' land
// object (a FeatureCollection, or one Feature); the result is one
// MultiPolygon geometry.
export function drawableLand(land) {
  const features = land.type === 'FeatureCollection' ? land.features : [land];
  const polys = [];
  for (const f of features) {
    const g = f.geometry;
    if (g.type === 'Polygon') polys.push(g.coordinates);
    else if (g.type === 'MultiPolygon') polys.push(...g.coordinates);
  }
  return { type: 'MultiPolygon', coordinates: polys.map((poly) => poly.map(fixRing)) };
}

function fixRing(ring) {
  const jumps = [];
  for (let i = 1; i < ring.length; i++) {
    if (Math.abs(ring[i][0] - ring[i - 1][0]) > 180) jumps.push(i);
  }
  if (jumps.length === 0) return ring;
  let minX = Infinity;
  let maxX = -Infinity;
  for (const [x] of ring) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
  }
  if (jumps.length === 1 && maxX - minX > 350 && !onEdge(ring[jumps[0] - 1][0])) {
    // Round a pole: go along the edge, through the pole, and back.
    const i = jumps[0];
    const a = ring[i - 1];
    const b = ring[i];
    const pole = a[1] < 0 ? -90 : 90;
    const edge = a[0] > 0 ? 180 : -180;
    return [...ring.slice(0, i), [edge, a[1]], [edge, pole], [-edge, pole], [-edge, b[1]], ...ring.slice(i)];
  }
  // Crossing the antimeridian: unwrap the longitudes so the ring stays in
  // one piece (the part past it is drawn beyond ±180).
  let offset = 0;
  let sum = 0;
  const out = ring.map(([x, y], i) => {
    if (i > 0) {
      const d = x - ring[i - 1][0];
      if (d > 180) offset -= 360;
      else if (d < -180) offset += 360;
    }
    sum += x + offset;
    return [x + offset, y];
  });
  // Then keep the bulk of the ring on the map: shift it whole by 360° if
  // its mean longitude fell off.
  const mean = sum / out.length;
  const shift = mean > 180 ? -360 : mean < -180 ? 360 : 0;
  return shift === 0 ? out : out.map(([x, y]) => [x + shift, y]);
}

function onEdge(x) {
  return Math.abs(x) === 180;
}
