// view_map's MCP Apps view: waits for the host's tool result and draws the
// FeatureCollection the server put in its _meta.
import { HostBridge } from './bridge.js';
import { MapView } from './map.js';

const GEOJSON_KEY = 'carto/geojson';
const STYLE_KEY = 'carto/style';

const statusEl = document.getElementById('status');
const mapEl = document.getElementById('map');
const bridge = new HostBridge();
const view = new MapView(mapEl);

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

// reportRendered tells the host what is on screen once it is painted
// (Leaflet's canvas paints on the next animation frame), and the view's size.
function reportRendered(features) {
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      bridge.log('info', { event: 'rendered', features, status: statusEl.textContent, ...(features > 0 ? view.state() : {}) });
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

bridge.on('ui/notifications/tool-input', () => setStatus('Running the query…'));
bridge.on('ui/notifications/tool-result', onToolResult);
bridge.on('ui/notifications/tool-cancelled', (p) => setStatus('Cancelled' + (p.reason ? ': ' + p.reason : '.'), 'error'));
bridge.on('ui/notifications/host-context-changed', applyContext);
bridge.handle('ui/resource-teardown', () => ({}));
bridge.handle('ping', () => ({}));

setStatus('Waiting for the result…');
bridge
  .initialize({ name: 'carto-mcp view_map', version: '1' }, { availableDisplayModes: ['inline', 'fullscreen'] })
  .then((res) => {
    applyContext(res.hostContext);
    reportSize();
  })
  .catch((err) => setStatus('The host did not answer ui/initialize: ' + err.message, 'error'));

window.addEventListener('resize', () => view.invalidate());
