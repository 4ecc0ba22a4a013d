// view_map's MCP Apps view: waits for the host's tool result and draws the
// FeatureCollection the server put in its _meta.
import { HostBridge } from './bridge.js';
import { MapView } from './map.js';
import { TileSource, MAX_CALLS } from './tileset.js';

const GEOJSON_KEY = 'carto/geojson';
const STYLE_KEY = 'carto/style';
const TILESET_KEY = 'carto/tileset';

const statusEl = document.getElementById('status');
const mapEl = document.getElementById('map');
const bridge = new HostBridge();
const view = new MapView(mapEl);
let hostCapabilities = {};

function setStatus(text, kind) {
  statusEl.textContent = text;
  statusEl.className = kind || '';
}

function applyContext(ctx) {
  if (!ctx) return;
  if (ctx.theme === 'dark' || ctx.theme === 'light') {
    document.documentElement.dataset.theme = ctx.theme;
    view.setTheme();
  }
  if (ctx.displayMode) {
    document.documentElement.dataset.displayMode = ctx.displayMode;
    view.invalidate();
  }
}

function reportSize() {
  const r = document.documentElement.getBoundingClientRect();
  bridge.notify('ui/notifications/size-changed', { width: Math.ceil(r.width), height: Math.ceil(r.height) });
}

function textOf(result) {
  return (result.content || [])
    .filter((c) => c && c.type === 'text')
    .map((c) => c.text)
    .join('\n');
}

// legendShown reads the legend as drawn: each line's text and swatch colour.
function legendShown() {
  return Array.from(document.querySelectorAll('.legend .swatch')).map((sw) => ({
    label: sw.parentNode.textContent,
    color: getComputedStyle(sw).backgroundColor,
  }));
}

// reportRendered tells the host what is on screen once it is painted
// (Leaflet's canvas paints on the next animation frame): the features, the
// legend, and the view's size.
function reportRendered(features, extra) {
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      const legend = legendShown();
      bridge.log('info', { event: 'rendered', features, status: statusEl.textContent, ...(features > 0 ? view.state() : {}), ...(legend.length ? { legend } : {}), ...extra });
      reportSize();
    }),
  );
}

function onToolResult(result) {
  if (result.isError) {
    setStatus(textOf(result) || 'The tool call failed.', 'error');
    reportRendered(0);
    return;
  }
  const tileset = result._meta && result._meta[TILESET_KEY];
  if (tileset && Array.isArray(tileset.bounds)) {
    showTileset(tileset, result._meta[STYLE_KEY]);
    return;
  }
  const fc = result._meta && result._meta[GEOJSON_KEY];
  if (!fc || !Array.isArray(fc.features)) {
    setStatus('This result has no map data. ' + textOf(result), 'error');
    reportRendered(0);
    return;
  }
  const n = fc.features.length;
  const summary = result.structuredContent || {};
  if (n === 0) {
    setStatus('No features to show. ' + (summary.notice || ''), 'error');
    reportRendered(0);
    return;
  }
  view.show(fc, result._meta[STYLE_KEY]);
  let text = n.toLocaleString('en-US') + (n === 1 ? ' feature' : ' features');
  if (summary.truncated) text += ' (truncated: ' + (summary.notice || 'not every row is shown') + ')';
  setStatus(text, summary.truncated ? 'warn' : '');
  reportRendered(n);
}

// showTileset loads the tileset's tiles through the host, one tool call per
// tile, and keeps the status line current: tiles in view, features, errors.
function showTileset(meta, style) {
  const source = new TileSource((z, x, y) =>
    bridge.callServerTool(meta.tool || 'get_tileset_tile', { tileset: meta.name, connection: meta.connection, z, x, y }),
  );
  const layer = view.showTileset(meta, style, source);
  const count = (n, what) => n.toLocaleString('en-US') + ' ' + what + (n === 1 ? '' : 's');
  const update = () => {
    const t = layer.tilesInView();
    const st = source.stats;
    let text = meta.name + ' · zoom ' + layer.dataZoom(view.map) + ' · ';
    if (t.loading > 0) text += 'loading tiles… ' + count(t.data + t.empty, 'tile') + ' of ' + (t.data + t.empty + t.loading);
    else text += count(t.data, 'tile') + (t.empty ? ' (and ' + t.empty + ' empty)' : '') + ', ' + count(layer.featuresInView(), 'feature');
    let kind = '';
    if (st.errors > 0) {
      text += ' · ' + count(st.errors, 'tile error') + ': ' + st.lastError;
      if (!hostCapabilities.serverTools) text += ' (this host may not let the map call server tools)';
      kind = t.data === 0 ? 'error' : 'warn';
    }
    if (st.calls >= MAX_CALLS) kind = kind || 'warn';
    setStatus(text, kind);
  };
  let pending = false;
  const soon = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      update();
    });
  };
  layer.on('tileloadstart tileload tileerror tileunload', soon);
  layer.on('load', () => {
    update();
    const t = layer.tilesInView();
    const st = source.stats;
    reportRendered(layer.featuresInView(), {
      tiles: t.data,
      emptyTiles: t.empty,
      tileErrors: st.errors,
      tileCalls: st.calls,
      tileBytes: st.bytes,
      gzipTiles: st.gzipped,
      mvtBytes: st.mvtBytes,
      inflateMs: st.inflateMs,
    });
  });
  update();
}

bridge.on('ui/notifications/tool-input', (p) =>
  setStatus(p && p.arguments && p.arguments.tileset ? 'Opening the tileset…' : 'Running the query…'),
);
bridge.on('ui/notifications/tool-result', onToolResult);
bridge.on('ui/notifications/tool-cancelled', (p) => setStatus('Cancelled' + (p.reason ? ': ' + p.reason : '.'), 'error'));
bridge.on('ui/notifications/host-context-changed', applyContext);
bridge.handle('ui/resource-teardown', () => ({}));
bridge.handle('ping', () => ({}));

setStatus('Waiting for the result…');
bridge
  .initialize({ name: 'carto-mcp view_map', version: '1' }, { availableDisplayModes: ['inline', 'fullscreen'] })
  .then((res) => {
    hostCapabilities = res.hostCapabilities || {};
    applyContext(res.hostContext);
    reportSize();
  })
  .catch((err) => setStatus('The host did not answer ui/initialize: ' + err.message, 'error'));

window.addEventListener('resize', () => view.invalidate());
