// sidebar.js: the layer list (toggle, count, filter box, legend per layer)
// and the confidence legend.
import { h, clear, $, announce } from './dom.js';
import { legendEntries, legendSwatch, confidenceSwatch, CONFIDENCE } from './style.js';
import { getJSON, itemsURL, viewParams } from './api.js';
import { FilterBox } from './filter.js';

export class Sidebar {
  // ctx: {state, layers, hash}
  constructor(ctx) {
    this.ctx = ctx;
    this.filterBoxes = new Map();
    const toggle = $('#sidebar-toggle');
    toggle.addEventListener('click', () => {
      const open = document.body.classList.toggle('sidebar-open');
      toggle.setAttribute('aria-expanded', String(open));
      ctx.map.invalidateSize();
    });
  }

  build() {
    const { state } = this.ctx;
    const ul = clear($('#layer-list'));
    for (const c of state.collections) ul.append(this.layerItem(c));
    const conf = clear($('#confidence-legend'));
    for (const level of Object.keys(CONFIDENCE)) conf.append(h('li', null, confidenceSwatch(level), h('span', null, CONFIDENCE[level].label)));
  }

  layerItem(c) {
    const { state } = this.ctx;
    const id = `layer-${c.id}`;
    const count = h('span', { class: 'count', id: `count-${c.id}`, 'aria-label': 'features' }, '…');
    const cb = h('input', { type: 'checkbox', id, checked: state.visible.has(c.id), 'data-collection': c.id });
    cb.addEventListener('change', () => {
      if (cb.checked) state.visible.add(c.id);
      else state.visible.delete(c.id);
      this.ctx.layers.redraw();
      this.ctx.hash.write();
      announce(`${c.title} ${cb.checked ? 'shown' : 'hidden'}`);
    });
    const legend = h('ul', { class: 'legend' });
    for (const [props, text] of legendEntries(c)) legend.append(h('li', null, legendSwatch(c.id, props), h('span', null, text)));
    const box = new FilterBox(c, { onApply: (cid, text) => this.setFilter(cid, text), itemsURL });
    this.filterBoxes.set(c.id, box);
    return h('li', { class: 'layer' }, h('label', { for: id, title: c.description || '' }, cb, h('span', { class: 'layer-title' }, c.title || c.id), count), box.el, legend);
  }

  // showChecks ticks the boxes of the visible layers (after a permalink).
  showChecks() {
    for (const cb of document.querySelectorAll('#layer-list input[type=checkbox]')) cb.checked = this.ctx.state.visible.has(cb.dataset.collection);
  }

  // setFilter applies a checked filter ('' clears it) to one layer.
  setFilter(c, text) {
    const { state } = this.ctx;
    if (text) state.filters.set(c, text);
    else state.filters.delete(c);
    this.ctx.layers.rebuild();
    this.refreshCounts();
    this.ctx.hash.write();
    const title = state.byId.get(c)?.title || c;
    announce(text ? `${title} filtered` : `${title} filter cleared`);
  }

  // showFilters puts a permalink's filters in their boxes, unchecked.
  showFilters() {
    for (const [c, box] of this.filterBoxes) box.set(this.ctx.state.filters.get(c) || '');
  }

  // checkFilters asks the server about a permalink's filters before any
  // tile asks for them: one it refuses stays in its box with the reason.
  async checkFilters() {
    const { state } = this.ctx;
    await Promise.all([...state.filters].map(async ([c, f]) => {
      if (!(await this.filterBoxes.get(c).check(f))) state.filters.delete(c);
    }));
  }

  async refreshCounts() {
    const { state } = this.ctx;
    const key = `${state.day}|${state.asOf}`;
    await Promise.all(state.collections.map(async (c) => {
      try {
        const fc = await getJSON(itemsURL(c.id, viewParams(state, { limit: 1, filter: state.filters.get(c.id) })));
        if (key !== `${state.day}|${state.asOf}`) return;
        const el = document.getElementById(`count-${c.id}`);
        if (el) {
          el.textContent = String(fc.numberMatched ?? fc.features.length);
          el.title = `${el.textContent} features on ${state.day}${state.asOf ? ` as recorded on ${state.asOf}` : ''}`;
        }
      } catch {
        /* counts are a nicety */
      }
    }));
  }
}
