// layers.js: the data layer. Data are drawn with protomaps-leaflet, not
// Leaflet.VectorGrid. Why: click-to-inspect must keep working on Leaflet
// 1.9.4. VectorGrid 1.3.0 (its last release, 2017) handles clicks on its
// canvas renderer by calling L.DomEvent.fakeStop, which Leaflet removed in
// 1.8, so every click on a feature throws a TypeError; its SVG renderer
// makes one DOM node per feature, which is not smooth at 200,000 features.
// protomaps-leaflet paints decoded tiles straight onto canvas, keeps them
// in a tile cache that it can hit-test for a clicked position, and places
// point symbols through a collision index, so symbols are never cut at
// tile edges.
/* global protomapsL */
import { COLLECTION_ORDER, PolygonStyle, LineStyle, PointStyle, ChangedStyle } from './style.js';
import { TileSource } from './api.js';

// featureKey is how the page names a feature of the tiles: "collection/id".
export function featureKey(collection, props, fallbackID) {
  return `${collection}/${props.id ?? fallbackID}`;
}

export class DataLayer {
  // ctx: {map, state, circles}
  constructor(ctx) {
    this.ctx = ctx;
    this.layer = null;
    // marked says whether "changed since" highlights a tile feature;
    // drawn collects the keys of those drawn with the highlight.
    this.marked = (collection, f) => ctx.state.changed.has(featureKey(collection, f.props, f.id));
    this.drawn = new Set();
  }

  // sourceOf: a filtered layer is drawn from its own tile source (the
  // collection's tiles with ?filter=), the others from the "all" tiles.
  sourceOf(c) {
    return this.ctx.state.filters.has(c) ? c : 'all';
  }

  rules() {
    const { state } = this.ctx;
    const paintRules = [];
    const labelRules = [];
    const ids = COLLECTION_ORDER.concat(state.collections.map((x) => x.id).filter((id) => !COLLECTION_ORDER.includes(id)));
    for (const c of ids) {
      const shown = () => state.visible.has(c);
      const dataSource = this.sourceOf(c);
      paintRules.push({ dataSource, dataLayer: c, symbolizer: new ChangedStyle(c, this.drawn), filter: (z, f) => shown() && Number(f.props.count || 1) === 1 && this.marked(c, f) });
      paintRules.push({ dataSource, dataLayer: c, symbolizer: new PolygonStyle(c), filter: (z, f) => shown() && f.geomType === 3 });
      paintRules.push({ dataSource, dataLayer: c, symbolizer: new LineStyle(), filter: (z, f) => shown() && f.geomType === 2 });
      labelRules.push({ dataSource, dataLayer: c, symbolizer: new PointStyle(c), filter: (z, f) => shown() && f.geomType === 1 });
    }
    return { paintRules, labelRules };
  }

  sources() {
    const { state } = this.ctx;
    const q = new URLSearchParams({ datetime: state.day });
    if (state.asOf) q.set('as_of', state.asOf);
    // Data tiles are revalidated (ETag, so mostly a 304): the tiles'
    // max-age would otherwise show a tile older than a write made before
    // this page opened, and the map is a record.
    const cache = 'no-cache';
    const sources = { all: { url: new TileSource(`/tiles/all/{z}/{x}/{y}.mvt?${q}`, cache) } };
    for (const [c, f] of state.filters) {
      const fq = new URLSearchParams(q);
      fq.set('filter', f);
      sources[c] = { url: new TileSource(`/tiles/${encodeURIComponent(c)}/{z}/{x}/{y}.mvt?${fq}`, cache) };
    }
    return sources;
  }

  // rebuild makes the layer for the chosen day, record time and filters;
  // the old layer stays until the new one has drawn, so the map does not
  // flash.
  rebuild() {
    const { map, state } = this.ctx;
    const { paintRules, labelRules } = this.rules();
    const layer = protomapsL.leafletLayer({
      sources: this.sources(), levelDiff: 0, maxDataZoom: state.maxzoom,
      paintRules, labelRules, pane: 'datatiles', attribution: '',
    });
    const old = this.layer;
    this.layer = layer;
    this.drawn.clear();
    const day = state.day;
    const dropOld = () => {
      if (old && map.hasLayer(old)) map.removeLayer(old);
    };
    layer.once('load', () => {
      dropOld();
      // Mark the page as showing this day once the current layer has drawn.
      if (layer === this.layer) document.body.dataset.tiles = `${day}#${++state.loads}`;
    });
    setTimeout(dropOld, 4000);
    layer.addTo(map);
    this.ctx.circles.update();
  }

  // redraw paints the tiles again (a layer shown or hidden, marks changed).
  redraw() {
    if (!this.layer) return;
    this.drawn.clear();
    this.layer.clearLayout();
    this.layer.rerenderTiles();
    this.ctx.circles.update();
  }

  // pick lists the visible features at a position, points first, then the
  // smallest shapes.
  pick(latlng) {
    const { state } = this.ctx;
    if (!this.layer || !this.layer._map) return [];
    const seen = new Set();
    const out = [];
    for (const [source, feats] of this.layer.queryTileFeaturesDebug(latlng.lng, latlng.lat, 14)) {
      for (const { feature, layerName } of feats) {
        if (this.sourceOf(layerName) !== source || !state.visible.has(layerName)) continue;
        const id = String(feature.props.id ?? feature.id);
        const key = `${layerName}/${id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const b = feature.bbox;
        out.push({ collection: layerName, id, props: feature.props, geomType: feature.geomType, area: (b.maxX - b.minX) * (b.maxY - b.minY) });
      }
    }
    out.sort((a, b) => a.geomType - b.geomType || a.area - b.area);
    return out;
  }
}
