// hash.js: the permalink. The URL hash holds the view (map=z/lat/lon), the
// situation date, the "as recorded on" time, the "changed since" time, the
// visible layers, the filters and the selected feature.
import { rfc3339 } from './state.js';

// readHash parses a hash into what it asks for; unknown keys are ignored.
export function readHash(hash) {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const out = { filters: new Map() };
  const m = /^(\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(q.get('map') || '');
  if (m) out.view = { zoom: Number(m[1]), center: [Number(m[2]), Number(m[3])] };
  if (q.has('date')) out.day = q.get('date');
  if (q.has('asof')) out.asOf = rfc3339(q.get('asof'));
  if (q.has('since')) out.since = rfc3339(q.get('since'));
  if (q.has('layers')) out.layers = q.get('layers').split(',').filter(Boolean);
  for (const [k, v] of q) if (k.startsWith('filter.') && v) out.filters.set(k.slice('filter.'.length), v);
  if (q.has('sel')) {
    const s = q.get('sel');
    const i = s.indexOf('/');
    if (i > 0) out.sel = { collection: s.slice(0, i), id: s.slice(i + 1) };
  }
  return out;
}

// formatHash is the hash of the state and map view.
export function formatHash(state, center, zoom) {
  const q = new URLSearchParams();
  q.set('map', `${zoom}/${center.lat.toFixed(4)}/${center.lng.toFixed(4)}`);
  q.set('date', state.day);
  if (state.asOf) q.set('asof', state.asOf);
  if (state.since) q.set('since', state.since);
  q.set('layers', [...state.visible].join(','));
  if (state.selected) q.set('sel', `${state.selected.collection}/${state.selected.id}`);
  for (const [c, f] of state.filters) q.set(`filter.${c}`, f);
  return `#${q.toString().replace(/%2F/g, '/').replace(/%2C/g, ',').replace(/%3A/g, ':')}`;
}

export class Permalink {
  // ctx: {state, map, sidebar, layers, time, record, panel}
  constructor(ctx) {
    this.ctx = ctx;
    this.writing = false;
    window.addEventListener('hashchange', () => {
      if (!this.writing) this.apply(false);
    });
    ctx.map.on('moveend', () => this.write());
  }

  write() {
    const { state, map } = this.ctx;
    if (!state.ready) return;
    const hash = formatHash(state, map.getCenter(), map.getZoom());
    if (hash === location.hash) return;
    this.writing = true;
    history.replaceState(null, '', hash);
    this.writing = false;
  }

  // apply brings the state to what the hash says. On the first call (page
  // start) it only sets the state; later it redraws what changed.
  apply(first) {
    const { state, map, sidebar, layers } = this.ctx;
    const hs = readHash(location.hash);
    if (hs.view) map.setView(hs.view.center, hs.view.zoom, { animate: false });
    let rebuild = false;
    const filters = new Map([...hs.filters].filter(([c]) => state.byId.has(c)));
    if (String([...filters]) !== String([...state.filters])) {
      // A permalink's filters are shown as given; the server checks them
      // again on every tile and count request.
      state.filters = filters;
      sidebar.showFilters();
      rebuild = true;
    }
    if (hs.layers) {
      state.visible = new Set(hs.layers.filter((id) => state.byId.has(id)));
      sidebar.showChecks();
      if (!first) layers.redraw();
    }
    if (hs.day && state.days.includes(hs.day) && hs.day !== state.day) {
      state.day = hs.day;
      rebuild = true;
    }
    if ((hs.asOf || '') !== state.asOf) {
      state.asOf = hs.asOf || '';
      rebuild = true;
    }
    const sinceChanged = (hs.since || '') !== state.since;
    state.since = hs.since || '';
    this.ctx.record.show();
    this.ctx.time.show(state.day);
    if (!first) {
      if (rebuild) this.ctx.onViewTime();
      if (sinceChanged || rebuild) this.ctx.record.refresh();
    }
    if (hs.sel && (!state.selected || state.selected.id !== hs.sel.id)) this.ctx.panel.open(hs.sel.collection, hs.sel.id);
  }
}
