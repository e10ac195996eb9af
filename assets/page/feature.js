// feature.js: the feature panel: one feature's details (panel.js) and its
// History tab (history.js), the highlight on the map, fly-to.
/* global L */
import { h, clear, $, announce } from './dom.js';
import { renderFeature } from './panel.js';
import { renderHistory } from './history.js';
import { featureURL } from './api.js';

export class FeaturePanel {
  // ctx: {state, map, editor, tools, hash}
  constructor(ctx) {
    this.ctx = ctx;
    this.highlight = null;
    this.seq = 0;
    $('#panel-close').addEventListener('click', () => this.close());
  }

  // open loads a feature (as recorded at the chosen record time) and shows it.
  async open(collection, id, opts = {}) {
    const { state, editor } = this.ctx;
    const seq = ++this.seq;
    let resp;
    try {
      resp = await fetch(featureURL(collection, id, { as_of: state.asOf || undefined }), { headers: { Accept: 'application/geo+json' }, cache: 'no-cache' });
    } catch (err) {
      announce(`Could not load ${id}: ${err.message}`);
      return;
    }
    if (seq !== this.seq) return;
    if (resp.status === 404) {
      if (opts.reload || (state.selected && state.selected.id === id)) this.showGone(collection, id);
      return;
    }
    if (!resp.ok) {
      announce(`Could not load ${id}: HTTP ${resp.status}`);
      return;
    }
    const feature = await resp.json();
    if (seq !== this.seq || editor.busy()) return;
    if (!state.selected || state.selected.id !== id || state.selected.collection !== collection) state.panelTab = 'details';
    state.selected = { collection, id, feature, etag: resp.headers.get('ETag') };
    this.show(opts.others || []);
    this.drawHighlight(feature);
    if (opts.fly) this.flyTo(feature);
    this.ctx.hash.write();
  }

  // reload fetches the selected feature again (a new record time, a live change).
  reload() {
    const sel = this.ctx.state.selected;
    if (sel && !this.ctx.editor.busy()) this.open(sel.collection, sel.id, { reload: true });
  }

  show(others = []) {
    const { state, editor, tools } = this.ctx;
    const sel = state.selected;
    // The panel holds the edit form while editing: leave it alone.
    if (!sel || editor.busy()) return;
    const panel = $('#panel');
    const body = clear($('#panel-body'));
    const details = h('div', { id: 'tab-panel-details', role: 'tabpanel', 'aria-labelledby': 'tab-details' });
    const historyEl = h('div', { id: 'tab-panel-history', role: 'tabpanel', 'aria-labelledby': 'tab-history' });
    const col = state.byId.get(sel.collection);
    const actions = [
      h('button', { type: 'button', onclick: () => this.flyTo(sel.feature) }, 'Zoom to'),
      h('button', { type: 'button', onclick: () => tools.ringsAround(this.centre(sel.feature)) }, 'Range rings here'),
      ...editor.actionsFor(sel),
    ];
    renderFeature(details, sel.feature, { collection: sel.collection, collectionTitle: col ? col.title : sel.collection, day: state.day, asOf: state.asOf, actions });
    if (others.length) {
      const ul = h('ul', { class: 'others' });
      for (const o of others.slice(0, 8)) {
        ul.append(h('li', null, h('button', { type: 'button', class: 'linklike', onclick: () => this.open(o.collection, o.id) }, String(o.props.name ?? o.id))));
      }
      details.append(h('section', null, h('h3', null, 'Also here'), ul));
    }
    body.append(this.tabs(details, historyEl), details, historyEl);
    this.selectTab(state.panelTab, details, historyEl);
    if (panel.dataset.shown !== `${sel.collection}/${sel.id}`) panel.scrollTop = 0;
    panel.dataset.shown = `${sel.collection}/${sel.id}`;
    panel.hidden = false;
    document.body.classList.add('panel-open');
    this.ctx.map.invalidateSize();
  }

  tabs(details, historyEl) {
    const tab = (name, label) => h('button', { type: 'button', role: 'tab', id: `tab-${name}`, 'aria-controls': `tab-panel-${name}`,
      onclick: () => this.selectTab(name, details, historyEl) }, label);
    return h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Feature' }, tab('details', 'Details'), tab('history', 'History'));
  }

  selectTab(name, details, historyEl) {
    const { state } = this.ctx;
    state.panelTab = name;
    for (const [n, el] of [['details', details], ['history', historyEl]]) {
      el.hidden = n !== name;
      const btn = document.getElementById(`tab-${n}`);
      if (btn) btn.setAttribute('aria-selected', String(n === name));
    }
    if (name === 'history' && state.selected) renderHistory(historyEl, state.selected.collection, state.selected.id);
  }

  showGone(collection, id) {
    const { state } = this.ctx;
    const body = clear($('#panel-body'));
    const msg = state.asOf ? `${collection}/${id} did not exist as recorded on ${state.asOf}.` : `${collection}/${id} was deleted.`;
    body.append(h('h2', { id: 'feature-title' }, state.asOf ? 'Not recorded then' : 'Feature removed'), h('p', null, msg));
    state.selected = null;
    if (this.highlight) this.ctx.map.removeLayer(this.highlight);
  }

  close() {
    const { state, map } = this.ctx;
    $('#panel').hidden = true;
    document.body.classList.remove('panel-open');
    state.selected = null;
    this.seq++;
    if (this.highlight) {
      map.removeLayer(this.highlight);
      this.highlight = null;
    }
    this.ctx.editor.cancel();
    this.ctx.hash.write();
    map.invalidateSize();
  }

  drawHighlight(feature) {
    const { map } = this.ctx;
    if (this.highlight) map.removeLayer(this.highlight);
    this.highlight = L.geoJSON(feature, {
      pane: 'highlight',
      interactive: false,
      style: { color: '#facc15', weight: 4, opacity: 0.95, fill: false },
      pointToLayer: (f, ll) => L.circleMarker(ll, { pane: 'highlight', radius: 16, color: '#facc15', weight: 3, fill: false, interactive: false }),
    }).addTo(map);
  }

  centre(feature) {
    return L.geoJSON(feature).getBounds().getCenter();
  }

  flyTo(feature) {
    const { map } = this.ctx;
    if (!feature.geometry) return;
    if (feature.geometry.type === 'Point') {
      const [lng, lat] = feature.geometry.coordinates;
      map.flyTo([lat, lng], Math.max(map.getZoom(), 9), { duration: 0.8 });
    } else {
      map.flyToBounds(L.geoJSON(feature).getBounds(), { maxZoom: 11, padding: [40, 40], duration: 0.8 });
    }
  }
}
