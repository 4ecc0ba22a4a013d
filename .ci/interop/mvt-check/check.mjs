// Decodes tiles of a tileset made by the local warehouse's tiler with
// @mapbox/vector-tile + pbf (decoders we did not write) and checks them
// against the TileJSON the Maps API route served.
//
//   node check.mjs tilejson.json z-x-y.mvt ...
//
// Each tile file is named z-x-y.mvt and holds the tile as served (MVT,
// gzip-compressed or not). Exits 1 on the first failed check.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import Pbf from 'pbf';

function fail(msg) {
  console.error(`  FAIL  ${msg}`);
  process.exit(1);
}

const [tilejsonPath, ...tilePaths] = process.argv.slice(2);
if (!tilejsonPath || tilePaths.length === 0) fail('usage: node check.mjs tilejson.json z-x-y.mvt ...');

const tj = JSON.parse(readFileSync(tilejsonPath, 'utf8'));
const layerInfo = (tj.vector_layers || [])[0];
if (!layerInfo || layerInfo.id !== 'default') fail(`TileJSON vector_layers[0].id is not "default": ${JSON.stringify(tj.vector_layers)}`);
const fields = layerInfo.fields || {};
const jsType = { Number: 'number', String: 'string', Boolean: 'boolean' };
const buffer = tj.tile_buffer ?? 16;
const count = tj.tilestats?.layers?.[0]?.count;
const [west, south, east, north] = tj.bounds;

let tiles = 0;
let features = 0;
for (const path of tilePaths) {
  const m = /^(\d+)-(\d+)-(\d+)\.mvt$/.exec(basename(path));
  if (!m) fail(`${path}: not named z-x-y.mvt`);
  const [z, x, y] = m.slice(1).map(Number);
  let buf = readFileSync(path);
  if (buf.length === 0) continue; // 204: no tile there
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const vt = new VectorTile(new Pbf(buf));
  const names = Object.keys(vt.layers);
  if (names.length !== 1 || names[0] !== 'default') fail(`${z}/${x}/${y}: layers ${JSON.stringify(names)}, want ["default"]`);
  const layer = vt.layers.default;
  if (layer.extent !== 4096) fail(`${z}/${x}/${y}: extent ${layer.extent}, want 4096`);
  if (layer.length === 0) fail(`${z}/${x}/${y}: a tile without features was stored`);
  // Tile size in degrees of longitude, for the position check.
  // An aggregation cell's centre may lie beyond the points' bounds by up to a cell.
  const cell = tj.aggregation ? 360 / 2 ** (z + tj.aggregation.resolution) : 0;
  const slack = (360 / 2 ** z) * (buffer + 1) / 4096 + cell;
  for (let i = 0; i < layer.length; i++) {
    const f = layer.feature(i);
    for (const ring of f.loadGeometry()) {
      for (const p of ring) {
        if (!Number.isInteger(p.x) || !Number.isInteger(p.y) || p.x < -buffer || p.x > 4096 + buffer || p.y < -buffer || p.y > 4096 + buffer) {
          fail(`${z}/${x}/${y} feature ${i}: point (${p.x}, ${p.y}) outside the tile and its ${buffer} px buffer`);
        }
      }
    }
    if (f.type === 1) {
      const [lon, lat] = f.toGeoJSON(x, y, z).geometry.coordinates;
      if (lon < west - slack || lon > east + slack || lat < south - slack || lat > north + slack) {
        fail(`${z}/${x}/${y} feature ${i}: (${lon}, ${lat}) outside the tileset's bounds ${tj.bounds}`);
      }
    }
    for (const [k, v] of Object.entries(f.properties)) {
      if (!(k in fields)) fail(`${z}/${x}/${y} feature ${i}: property ${k} is not in vector_layers.fields`);
      if (typeof v !== jsType[fields[k]]) fail(`${z}/${x}/${y} feature ${i}: property ${k} is ${typeof v}, TileJSON says ${fields[k]}`);
    }
  }
  if (z === 0 && tj.aggregation) {
    // An aggregation tileset: the cells of 0/0/0 count every point once.
    const counter = tj.aggregation.properties.find((p) => /^\s*count\s*\(\s*\*\s*\)\s*$/i.test(p.formula));
    if (counter) {
      let sum = 0;
      for (let i = 0; i < layer.length; i++) sum += layer.feature(i).properties[counter.name];
      if (sum !== tj.aggregation.points) fail(`0/0/0 cells count ${sum} points, the tileset has ${tj.aggregation.points}`);
    }
  } else if (z === 0 && count !== undefined && layer.length !== count) {
    fail(`0/0/0 has ${layer.length} features, the tilestats count ${count}`);
  }
  tiles++;
  features += layer.length;
}
if (tiles === 0) fail('no tile decoded');
console.log(`  ok    @mapbox/vector-tile decoded ${tiles} tiles, ${features} features; layer "default", extent 4096, properties typed as the TileJSON says`);
