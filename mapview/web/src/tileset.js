// A tileset on the map: its vector tiles loaded one at a time through the
// host (the view has no network: the app-only tool get_tileset_tile returns
// each tile as base64 of gzip-compressed MVT, as tilesets store them),
// decompressed with the browser's DecompressionStream, decoded with
// @mapbox/vector-tile + pbf, and drawn on canvas tiles styled like the rest
// of the map.
//
// Bounded work: at most MAX_CONCURRENT tool calls at once, MAX_CALLS in the
// view's life, tiles only inside the tileset's bounds and zoom levels
// (beyond maxzoom the maxzoom tiles are drawn larger; below minzoom Leaflet
// shrinks the minzoom tiles), and a tile that scrolled out of view before
// its turn is not requested.
import L from 'leaflet';
import { VectorTile } from '@mapbox/vector-tile';
import Pbf from 'pbf';

export const MAX_CONCURRENT = 4;
export const MAX_CALLS = 1000;
const CACHE_TILES = 256;
const TILE = 256;

// TileSource fetches and decodes tiles, bounded and cached.
export class TileSource {
  // fetchTile(z, x, y) resolves to the tool's CallToolResult.
  constructor(fetchTile) {
    this.fetchTile = fetchTile;
    this.cache = new Map(); // key -> Promise<tile | null>, in use order
    this.queue = [];
    this.active = 0;
    this.wanted = new Map(); // key -> number of canvas tiles waiting for it
    // bytes: tile bytes received (after base64); gzipped: tiles that came
    // gzip-compressed; mvtBytes: the tiles decompressed; inflateMs: time
    // spent decompressing (wall clock, for measuring).
    this.stats = { calls: 0, loaded: 0, empty: 0, errors: 0, lastError: '', bytes: 0, gzipped: 0, mvtBytes: 0, inflateMs: 0 };
  }

  // get resolves to the decoded tile ({ layers: [{ name, extent, features }] })
  // or null where the tileset has none.
  get(z, x, y) {
    const key = z + '/' + x + '/' + y;
    let p = this.cache.get(key);
    if (p) {
      this.cache.delete(key);
      this.cache.set(key, p);
      return p;
    }
    p = new Promise((resolve, reject) => {
      this.queue.push({ key, z, x, y, resolve, reject });
      this.pump();
    });
    // A failed or cancelled tile is asked for again next time.
    p.catch(() => this.cache.delete(key));
    this.cache.set(key, p);
    while (this.cache.size > CACHE_TILES) this.cache.delete(this.cache.keys().next().value);
    return p;
  }

  want(key, delta) {
    const n = (this.wanted.get(key) || 0) + delta;
    if (n > 0) this.wanted.set(key, n);
    else this.wanted.delete(key);
  }

  pump() {
    while (this.active < MAX_CONCURRENT && this.queue.length > 0) {
      const job = this.queue.shift();
      if (!this.wanted.has(job.key)) {
        job.reject(new CancelledError());
        continue;
      }
      if (this.stats.calls >= MAX_CALLS) {
        this.stats.errors++;
        this.stats.lastError = 'the view made its ' + MAX_CALLS + ' tile calls: reopen the map to load more';
        job.reject(new Error(this.stats.lastError));
        continue;
      }
      this.active++;
      this.stats.calls++;
      this.load(job)
        .then(job.resolve, (err) => {
          this.stats.errors++;
          this.stats.lastError = err.message;
          job.reject(err);
        })
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }

  async load(job) {
    const result = await this.fetchTile(job.z, job.x, job.y);
    if (!result || result.isError) {
      const text = ((result && result.content) || []).map((c) => c.text || '').join(' ').trim();
      throw new Error(text || 'get_tileset_tile failed');
    }
    const sc = result.structuredContent || {};
    if (sc.empty || !sc.data) {
      this.stats.empty++;
      return null;
    }
    let bytes = base64Bytes(sc.data);
    this.stats.bytes += bytes.length;
    if (sc.encoding === 'gzip') {
      const start = performance.now();
      bytes = await gunzip(bytes);
      this.stats.inflateMs += performance.now() - start;
      this.stats.gzipped++;
    } else if (sc.encoding) {
      throw new Error('the tile came with encoding ' + sc.encoding + ', which this view cannot read');
    }
    this.stats.mvtBytes += bytes.length;
    const tile = decodeTile(bytes);
    this.stats.loaded++;
    return tile;
  }
}

export class CancelledError extends Error {
  constructor() {
    super('tile no longer in view');
  }
}

function base64Bytes(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// gunzip decompresses a tile with the browser's own DecompressionStream
// (Chromium 80+, Firefox 113+, Safari 16.4+).
async function gunzip(bytes) {
  if (typeof DecompressionStream === 'undefined') {
    throw new Error('tiles come gzip-compressed and this browser cannot decompress them (it has no DecompressionStream): open the map in a current browser or app');
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    throw new Error('a tile could not be decompressed (' + err.message + ')');
  }
}

// tileKey names a canvas tile by its coords (GridLayer's createTile
// coords and the tileunload event's).
function tileKey(coords) {
  return coords.z + '/' + coords.x + '/' + coords.y;
}

// decodeTile reads every layer's features with their geometry in tile
// units (0..extent).
export function decodeTile(bytes) {
  const vt = new VectorTile(new Pbf(bytes));
  const layers = [];
  for (const name of Object.keys(vt.layers)) {
    const l = vt.layers[name];
    const features = [];
    for (let i = 0; i < l.length; i++) {
      const f = l.feature(i);
      const geometry = f.loadGeometry();
      // A feature's copies in its neighbours' buffers start outside them:
      // it is counted in the one tile that holds its top-left corner.
      let minX = Infinity;
      let minY = Infinity;
      for (const part of geometry) {
        for (const pt of part) {
          minX = Math.min(minX, pt.x);
          minY = Math.min(minY, pt.y);
        }
      }
      const own = minX >= 0 && minY >= 0 && minX < l.extent && minY < l.extent;
      features.push({ type: f.type, properties: f.properties, geometry, own });
    }
    layers.push({ name, extent: l.extent, features });
  }
  return { layers };
}

// TilesetLayer draws a tileset on canvas tiles.
export const TilesetLayer = L.GridLayer.extend({
  // source: a TileSource; meta: the result's carto/tileset; colorOf: a
  // feature's colour from its properties (fixed before any tile loads).
  initialize(source, meta, colorOf, options) {
    L.GridLayer.prototype.initialize.call(this, {
      tileSize: TILE,
      minNativeZoom: meta.minzoom,
      noWrap: true,
      bounds: L.latLngBounds([meta.bounds[1], meta.bounds[0]], [meta.bounds[3], meta.bounds[2]]),
      updateWhenZooming: false,
      keepBuffer: 1,
      ...options,
    });
    this.source = source;
    this.meta = meta;
    this.colorOf = colorOf;
    this.drawn = new Map(); // canvas tile key -> { tile, dataKey, features }
    this.on('tileunload', (e) => this.release(tileKey(e.coords)));
  },

  // dataTile is the tile of the tileset that holds coords: itself, or its
  // ancestor at maxzoom when zoomed in further (scale > 1).
  dataTile(coords) {
    const dz = Math.max(0, coords.z - this.meta.maxzoom);
    const scale = 2 ** dz;
    return { z: coords.z - dz, x: Math.floor(coords.x / scale), y: Math.floor(coords.y / scale), scale };
  },

  createTile(coords, done) {
    const canvas = document.createElement('canvas');
    const ratio = window.devicePixelRatio || 1;
    canvas.width = canvas.height = TILE * ratio;
    const d = this.dataTile(coords);
    const key = tileKey(coords);
    const dataKey = d.z + '/' + d.x + '/' + d.y;
    this.source.want(dataKey, 1);
    this.drawn.set(key, { dataKey, features: 0, tile: undefined, coords, d });
    this.source.get(d.z, d.x, d.y).then(
      (tile) => {
        const entry = this.drawn.get(key);
        if (entry) {
          entry.tile = tile;
          entry.features = tile ? drawTile(canvas, tile, d, coords, ratio, this.colorOf) : 0;
        }
        done(null, canvas);
      },
      // A tile scrolled away before its turn is no error.
      (err) => done(err instanceof CancelledError ? null : err, canvas),
    );
    return canvas;
  },

  release(key) {
    const entry = this.drawn.get(key);
    if (!entry) return;
    this.drawn.delete(key);
    this.source.want(entry.dataKey, -1);
  },

  // featuresInView counts the features drawn in the tiles on screen.
  featuresInView() {
    let n = 0;
    for (const e of this.drawn.values()) n += e.features;
    return n;
  },

  // tilesInView counts the tileset's tiles behind the canvas tiles on
  // screen: loaded with data, empty, and still loading.
  tilesInView() {
    const seen = new Map();
    for (const e of this.drawn.values()) {
      const state = e.tile ? 'data' : e.tile === null ? 'empty' : 'loading';
      seen.set(e.dataKey, state);
    }
    const n = { data: 0, empty: 0, loading: 0 };
    for (const state of seen.values()) n[state]++;
    return n;
  },

  // dataZoom is the zoom of the tileset's tiles drawn at the map's zoom:
  // Leaflet draws the tiles of the nearest whole zoom, minzoom's below it,
  // and dataTile enlarges maxzoom's above it.
  dataZoom(map) {
    return Math.min(this.meta.maxzoom, Math.max(this.meta.minzoom, Math.round(map.getZoom())));
  },

  // featureAt finds the feature drawn under a click on map, for its popup:
  // in the canvas tile under latlng, of the zoom nearest the map's (while
  // zooming, the tiles of two zooms may be on screen).
  featureAt(map, latlng) {
    const zoom = map.getZoom();
    let entry = null;
    let p = null;
    for (const e of this.drawn.values()) {
      if (entry && Math.abs(e.coords.z - zoom) >= Math.abs(entry.coords.z - zoom)) continue;
      const q = map.project(latlng, e.coords.z);
      if (Math.floor(q.x / TILE) === e.coords.x && Math.floor(q.y / TILE) === e.coords.y) {
        entry = e;
        p = q;
      }
    }
    if (!entry || !entry.tile) return null;
    const coords = entry.coords;
    const px = p.x - coords.x * TILE;
    const py = p.y - coords.y * TILE;
    let best = null;
    for (const layer of entry.tile.layers) {
      const toPx = tileTransform(layer.extent, entry.d, coords);
      for (const f of layer.features) {
        if (hit(f, toPx, px, py)) best = f; // the last drawn is on top
      }
    }
    return best;
  },
});

// tileTransform maps tile units of the data tile d to canvas pixels of the
// displayed tile coords.
function tileTransform(extent, d, coords) {
  const k = (TILE * d.scale) / extent;
  const ox = (coords.x - d.x * d.scale) * TILE;
  const oy = (coords.y - d.y * d.scale) * TILE;
  return (pt) => [pt.x * k - ox, pt.y * k - oy];
}

const POINT_RADIUS = 5;

// drawTile draws a decoded tile as the rest of the map draws features, each
// in colorOf(its properties): areas filled at 55% with an outline, lines
// 1.5 px, points as 5 px dots with a white edge; areas first, points on
// top. It returns the number of features drawn that this tile owns (see
// decodeTile).
function drawTile(canvas, tile, d, coords, ratio, colorOf) {
  const ctx = canvas.getContext('2d');
  ctx.scale(ratio, ratio);
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  let n = 0;
  for (const type of [3, 2, 1]) {
    for (const layer of tile.layers) {
      const toPx = tileTransform(layer.extent, d, coords);
      for (const f of layer.features) {
        if (f.type !== type) continue;
        if (f.own) n++;
        const color = colorOf(f.properties);
        ctx.beginPath();
        if (type === 1) {
          for (const part of f.geometry) {
            for (const pt of part) {
              const [x, y] = toPx(pt);
              ctx.moveTo(x + POINT_RADIUS, y);
              ctx.arc(x, y, POINT_RADIUS, 0, 2 * Math.PI);
            }
          }
          ctx.globalAlpha = 0.9;
          ctx.fillStyle = color;
          ctx.fill();
          ctx.globalAlpha = 1;
          ctx.strokeStyle = '#ffffff';
          ctx.lineWidth = 1;
          ctx.stroke();
          continue;
        }
        for (const ring of f.geometry) {
          ring.forEach((pt, i) => {
            const [x, y] = toPx(pt);
            if (i === 0) ctx.moveTo(x, y);
            else ctx.lineTo(x, y);
          });
          if (type === 3) ctx.closePath();
        }
        if (type === 3) {
          ctx.globalAlpha = 0.55;
          ctx.fillStyle = color;
          ctx.fill('evenodd');
          ctx.globalAlpha = 1;
        }
        ctx.strokeStyle = color;
        ctx.lineWidth = 1.5;
        ctx.stroke();
      }
    }
  }
  return n;
}

function hit(f, toPx, px, py) {
  if (f.type === 1) {
    return f.geometry.some((part) => part.some((pt) => {
      const [x, y] = toPx(pt);
      return Math.hypot(x - px, y - py) <= POINT_RADIUS + 1;
    }));
  }
  if (f.type === 2) {
    return f.geometry.some((line) => line.some((pt, i) => {
      if (i === 0) return false;
      const [x1, y1] = toPx(line[i - 1]);
      const [x2, y2] = toPx(pt);
      return segmentDistance(px, py, x1, y1, x2, y2) <= 3;
    }));
  }
  // Polygons: even-odd over all rings, as drawn.
  let inside = false;
  for (const ring of f.geometry) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = toPx(ring[i]);
      const [xj, yj] = toPx(ring[j]);
      if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

function segmentDistance(px, py, x1, y1, x2, y2) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const len = dx * dx + dy * dy;
  const t = len === 0 ? 0 : Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / len));
  return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
}
