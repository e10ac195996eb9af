// uncertainty.js: a faint circle round each point feature as wide as its
// stated position uncertainty (uncertainty_m), once the map is zoomed in far
// enough for a circle of a few kilometres to be seen (MIN_ZOOM). The circles
// are Leaflet circles built from the items API, not tile symbols: a circle
// tens of kilometres wide would be cut at tile edges, and as a tile label it
// would push other symbols aside.

/* global L */
import { getJSON, itemsURL, viewParams } from './api.js';

export const MIN_ZOOM = 8;
const MAX_FEATURES = 1000;

// uncertaintyRadius returns the radius in metres, or 0 when the feature
// states none (or something that is not a positive number).
export function uncertaintyRadius(props) {
  const v = Number(props && props.uncertainty_m);
  return Number.isFinite(v) && v > 0 ? v : 0;
}

// fmtUncertainty states a radius for people: metres below 1 km, else km.
export function fmtUncertainty(m) {
  if (m < 1000) return `± ${Math.round(m)} m`;
  const km = m / 1000;
  return `± ${km < 10 ? Math.round(km * 10) / 10 : Math.round(km)} km`;
}

export class UncertaintyCircles {
  // ctx: {map, state}
  constructor(ctx) {
    this.ctx = ctx;
    this.seq = 0;
    ctx.map.createPane('uncertainty').style.zIndex = 340; // under the data tiles (350)
    this.group = L.layerGroup().addTo(ctx.map);
  }

  async update() {
    const { map, state } = this.ctx;
    const seq = ++this.seq;
    if (map.getZoom() < MIN_ZOOM) {
      this.group.clearLayers();
      this.mark(0);
      return;
    }
    // A circle can reach into view from a centre outside it: widen the box.
    const b = map.getBounds().pad(0.5);
    const bbox = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90), Math.min(b.getEast(), 180), Math.min(b.getNorth(), 90)]
      .map((v) => v.toFixed(5)).join(',');
    const cols = state.collections.filter((c) => state.visible.has(c.id));
    const pages = await Promise.all(cols.map((c) =>
      getJSON(itemsURL(c.id, viewParams(state, { bbox, limit: MAX_FEATURES }))).catch(() => null)));
    if (seq !== this.seq) return;
    this.group.clearLayers();
    let n = 0;
    for (const page of pages) {
      for (const f of (page && page.features) || []) {
        const r = uncertaintyRadius(f.properties);
        if (!r || !f.geometry || f.geometry.type !== 'Point') continue;
        const [lng, lat] = f.geometry.coordinates;
        L.circle([lat, lng], {
          radius: r, pane: 'uncertainty', interactive: false,
          color: '#1f2937', weight: 1, opacity: 0.45, dashArray: '4 4', fillColor: '#1f2937', fillOpacity: 0.05,
        }).addTo(this.group);
        n++;
      }
    }
    this.mark(n);
  }

  // mark tells tests (and anyone curious) how many circles are drawn.
  mark(n) {
    document.body.dataset.uncertaintyCircles = String(n);
  }
}
