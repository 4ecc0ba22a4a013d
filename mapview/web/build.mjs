// Builds ../view-map.html: the view as one self-contained HTML file (the
// script and styles inline, no <script src>, no url() fetches), with the
// licence texts of everything bundled in a comment at its top. Also writes
// ../land-110m.geojson, the same world outline for the server's PNG.
//
//   npm ci && npm run build
//
// The output is committed; CI rebuilds it and fails if it differs.
import { build, transform } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { feature } from 'topojson-client';
import { drawableLand } from './src/land.js';

const here = (p) => new URL(p, import.meta.url);
const read = (p) => readFileSync(here(p), 'utf8');

const js = await build({
  entryPoints: [here('src/main.js').pathname],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2019',
  charset: 'utf8',
  legalComments: 'none',
  loader: { '.json': 'json' },
  write: false,
});
const script = js.outputFiles[0].text
  .trim()
  .replace(/<\/script/gi, '<\\/script')
  .replace(/<!--/g, '<\\!--');

// Leaflet's CSS names marker and layer-control images; the view uses
// neither, and under the MCP Apps default CSP no URL may be fetched.
const rawCSS = read('node_modules/leaflet/dist/leaflet.css').replace(/url\([^)]*\)/g, 'none') + read('src/view.css');
const css = (await transform(rawCSS, { loader: 'css', minify: true })).code.trim().replace(/<\/style/gi, '<\\/style');

const licences = [
  ['leaflet 1.9.4', 'node_modules/leaflet/LICENSE'],
  ['@mapbox/vector-tile 2.0.5', 'node_modules/@mapbox/vector-tile/LICENSE.txt'],
  ['@mapbox/point-geometry 1.1.0', 'node_modules/@mapbox/point-geometry/LICENSE'],
  ['pbf 4.0.2', 'node_modules/pbf/LICENSE'],
  ['topojson-client 3.1.0', 'node_modules/topojson-client/LICENSE'],
  ['world-atlas 2.0.2 (data: Natural Earth, public domain, naturalearthdata.com)', 'node_modules/world-atlas/LICENSE'],
]
  .map(([name, file]) => `${name}\n\n${read(file).trim()}`)
  .join('\n\n-----\n\n');
const notice = `carto-mcp view_map. It bundles the following packages, under these licences:\n\n${licences}`;

const template = read('src/index.html');
const html = template
  .replace('<html lang="en">', `<html lang="en">\n<!--\n${notice.replace(/--/g, '- -')}\n-->`)
  .replace('/*CSS*/', () => css)
  .replace('/*JS*/', () => script);
writeFileSync(here('../view-map.html'), html);
writeFileSync(here('../THIRD_PARTY_LICENSES.txt'), notice + '\n');

// The outline for the PNG, rounded to 0.001° (about 100 m, well below a
// pixel at the scales the PNG is drawn at).
const land = JSON.parse(read('node_modules/world-atlas/land-110m.json'));
const round = (v) => Math.round(v * 1000) / 1000;
const geom = drawableLand(feature(land, land.objects.land));
const coords = geom.coordinates.map((poly) => poly.map((ring) => ring.map(([x, y]) => [round(x), round(y)])));
writeFileSync(here('../land-110m.geojson'), JSON.stringify({ type: geom.type, coordinates: coords }) + '\n');

console.log(`view-map.html: ${html.length} bytes (script ${script.length}, css ${css.length})`);
