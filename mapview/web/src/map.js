// The map: Leaflet with its canvas renderer (no tiles, no workers, no eval),
// a world outline for context, and the result's features styled as the
// server says (the same colours the server's PNG uses).
//
// Layers, bottom to top: the world outline (world-atlas land-110m), then
// either the data layer (GeoJSON from the result) or a tileset's vector
// tiles (tileset.js, fetched through bridge.callServerTool) in a pane of
// their own above the outline.
import L from 'leaflet';
import { feature } from 'topojson-client';
import land110m from 'world-atlas/land-110m.json';
import { drawableLand } from './land.js';
import { TilesetLayer } from './tileset.js';

const DEFAULT_COLOR = '#e73f74';
const NO_VALUE_COLOR = '#cccccc';

// valueColor returns a feature's colour from its properties under a style
// whose classes come by value (style.by_value: a tileset's, see the
// server's mapstyle.FromStats and Style.ClassOf, whose rules these are):
// numbers go to the first class whose break they do not exceed, else the
// last; text to its category or "other"; a missing value to "no value";
// a feature with no class is grey.
export function valueColor(style) {
  style = style || {};
  const fixed = style.color || DEFAULT_COLOR;
  if (!style.by_value) return () => fixed;
  const legend = style.legend || [];
  const key = style.color_by;
  const breaks = style.breaks || [];
  const categories = new Map((style.categories || []).map((c, i) => [c, i]));
  const noValue = typeof style.no_value === 'number' ? style.no_value : -1;
  const other = typeof style.other === 'number' ? style.other : -1;
  const classOf = (v) => {
    if (v === undefined || v === null) return noValue;
    if (style.kind === 'numeric') {
      if (typeof v !== 'number' || Number.isNaN(v)) return noValue;
      for (let k = 0; k < breaks.length; k++) if (v <= breaks[k]) return k;
      return breaks.length;
    }
    const i = categories.get(String(v));
    return i === undefined ? other : i;
  };
  return (props) => {
    const entry = legend[classOf(props ? props[key] : undefined)];
    return (entry && entry.color) || NO_VALUE_COLOR;
  };
}

export class MapView {
  constructor(el) {
    this.map = L.map(el, {
      preferCanvas: true,
      // Tiles appear at once: what is reported as drawn is on screen.
      fadeAnimation: false,
      worldCopyJump: false,
      zoomSnap: 1,
      attributionControl: false,
      minZoom: 0,
      maxZoom: 18,
    });
    this.renderer = L.canvas({ padding: 0.5 });
    L.control.attribution({ prefix: 'Leaflet · Natural Earth' }).addTo(this.map);
    this.world = L.geoJSON(drawableLand(feature(land110m, land110m.objects.land)), {
      renderer: this.renderer,
      interactive: false,
      style: () => this.landStyle(),
    }).addTo(this.map);
    this.data = null;
    this.legend = null;
    this.tileset = null;
    this.map.setView([20, 0], 1);
  }

  // setTheme restyles the outline for "light" or "dark".
  setTheme() {
    this.world.setStyle(() => this.landStyle());
  }

  landStyle() {
    const css = getComputedStyle(document.documentElement);
    return {
      color: css.getPropertyValue('--land-stroke').trim() || '#b9b3a9',
      weight: 0.8,
      fillColor: css.getPropertyValue('--land').trim() || '#f2efe9',
      fillOpacity: 1,
    };
  }

  // addOverlay adds a layer between the outline and the data (the place for
  // a tile layer).
  addOverlay(layer) {
    layer.addTo(this.map);
    if (this.data) this.data.bringToFront();
  }

  // show draws a FeatureCollection styled by style (see the server's
  // mapstyle package): style.classes[i] indexes style.legend for feature i.
  show(fc, style) {
    if (this.tileset) this.tileset.remove();
    this.tileset = null;
    if (this.data) this.data.remove();
    if (this.legend) this.legend.remove();
    style = style || {};
    const legend = style.legend || [];
    const classes = style.classes || [];
    const colorOf = (i) => (legend[classes[i]] && legend[classes[i]].color) || style.color || DEFAULT_COLOR;
    const labelColumn = style.label_column;
    const permanentLabels = labelColumn && fc.features.length <= 60;
    const colors = new Map(fc.features.map((f, i) => [f, colorOf(i)]));
    this.data = L.geoJSON(fc, {
      renderer: this.renderer,
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { renderer: this.renderer, radius: 5 }),
      style: (f) => {
        const color = colors.get(f) || DEFAULT_COLOR;
        const type = f.geometry && f.geometry.type;
        if (type === 'Point' || type === 'MultiPoint') {
          return { color: '#ffffff', weight: 1, fillColor: color, fillOpacity: 0.9 };
        }
        return { color, weight: 1.5, fillColor: color, fillOpacity: 0.55 };
      },
      onEachFeature: (f, layer) => {
        layer.bindPopup(() => propertiesTable(f.properties || {}), { maxWidth: 320, maxHeight: 260 });
        if (labelColumn && f.properties && f.properties[labelColumn] != null) {
          layer.bindTooltip(String(f.properties[labelColumn]), { permanent: !!permanentLabels, direction: 'top', className: 'label' });
        }
      },
    }).addTo(this.map);
    if (legend.length > 0) this.legend = legendControl(style).addTo(this.map);
    this.fit(fc);
  }

  // showTileset draws a tileset's tiles from source (a TileSource), in the
  // colours of style (one, or by value with its legend), above the
  // outline; it opens at meta.zoom or fits the tileset's bounds, and
  // returns the layer.
  showTileset(meta, style, source) {
    if (this.data) this.data.remove();
    if (this.legend) this.legend.remove();
    if (this.tileset) this.tileset.remove();
    this.data = this.legend = null;
    if (!this.map.getPane('tileset')) this.map.createPane('tileset').style.zIndex = 450;
    this.tileset = new TilesetLayer(source, meta, valueColor(style), { pane: 'tileset' });
    if (style && style.legend && style.legend.length > 0) this.legend = legendControl(style).addTo(this.map);
    if (meta.minzoom > 1) this.map.setMinZoom(meta.minzoom - 1);
    const b = meta.bounds;
    const bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
    // Set the view first, so that no tile outside it is asked for.
    if (meta.zoom !== undefined && meta.zoom !== null) {
      const c = meta.center && meta.center.length >= 2 ? L.latLng(meta.center[1], meta.center[0]) : bounds.getCenter();
      this.map.setView(c, meta.zoom, { animate: false });
    } else if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
      this.map.setView(bounds.getCenter(), Math.max(meta.maxzoom, 10), { animate: false });
    } else {
      this.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14, animate: false });
    }
    this.addOverlay(this.tileset);
    this.map.on('click', (e) => {
      const f = this.tileset && this.tileset.featureAt(this.map, e.latlng);
      if (f) L.popup({ maxWidth: 320, maxHeight: 260 }).setLatLng(e.latlng).setContent(propertiesTable(f.properties || {})).openOn(this.map);
    });
    return this.tileset;
  }

  fit(fc) {
    const b = fc.bbox && fc.bbox.length === 4 ? L.latLngBounds([fc.bbox[1], fc.bbox[0]], [fc.bbox[3], fc.bbox[2]]) : this.data.getBounds();
    if (!b.isValid()) return;
    if (b.getNorthEast().equals(b.getSouthWest())) {
      this.map.setView(b.getCenter(), 10, { animate: false });
    } else {
      // No animation: what is reported as drawn is what is on screen.
      this.map.fitBounds(b, { padding: [24, 24], maxZoom: 14, animate: false });
    }
  }

  // state describes what is on screen, for the host's log.
  state() {
    const c = this.map.getCenter();
    const s = this.map.getSize();
    return { zoom: this.map.getZoom(), center: [c.lng, c.lat], size: [s.x, s.y] };
  }

  invalidate() {
    this.map.invalidateSize();
  }
}

function propertiesTable(props) {
  const table = document.createElement('table');
  table.className = 'props';
  for (const [k, v] of Object.entries(props)) {
    const tr = table.insertRow();
    const th = document.createElement('th');
    th.textContent = k;
    tr.appendChild(th);
    const td = tr.insertCell();
    td.textContent = v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  if (!table.rows.length) table.textContent = 'No properties';
  return table;
}

function legendControl(style) {
  const control = L.control({ position: 'bottomright' });
  control.onAdd = () => {
    const div = L.DomUtil.create('div', 'legend');
    L.DomEvent.disableClickPropagation(div);
    const title = document.createElement('div');
    title.className = 'legend-title';
    title.textContent = style.color_by || '';
    div.appendChild(title);
    for (const item of style.legend) {
      const row = document.createElement('div');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = item.color;
      row.appendChild(sw);
      row.appendChild(document.createTextNode(item.label));
      div.appendChild(row);
    }
    return div;
  };
  return control;
}
