// search.js: the search box: feature names through the items API (q=),
// MGRS and latitude, longitude typed in.
/* global L */
import { h, clear, $, announce } from './dom.js';
import { fmtLatLng, toMGRS, parseLocation } from './geo.js';
import { getJSON, itemsURL } from './api.js';

export class Search {
  // ctx: {state, map, panel}
  constructor(ctx) {
    this.ctx = ctx;
    this.input = $('#search');
    this.results = $('#search-results');
    this.timer = null;
    this.seq = 0;
    this.active = -1;
    this.current = [];
    this.marker = null;
    this.input.addEventListener('input', () => {
      clearTimeout(this.timer);
      // Results for the old text are stale: Enter must not pick them.
      this.current = [];
      this.active = -1;
      this.timer = setTimeout(() => this.run(), 250);
    });
    this.input.addEventListener('keydown', (e) => this.onKey(e));
    this.input.addEventListener('blur', () => setTimeout(() => {
      if (!this.results.contains(document.activeElement)) this.hide();
    }, 200));
  }

  onKey(e) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!this.current.length) return;
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : -1) + this.current.length) % this.current.length;
      this.markActive();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      clearTimeout(this.timer);
      if (this.current.length && this.active >= 0) this.choose(this.current[this.active]);
      else this.run().then(() => this.current.length && this.choose(this.current[0]));
    } else if (e.key === 'Escape') {
      this.hide();
    }
  }

  async run() {
    const { state } = this.ctx;
    const text = this.input.value.trim();
    const seq = ++this.seq;
    const list = [];
    const loc = parseLocation(text);
    if (loc) list.push({ kind: 'place', loc, label: `Go to ${loc.kind} ${fmtLatLng(loc)}`, sub: `MGRS ${toMGRS(loc)}` });
    if (text.length >= 2 && !loc) {
      const found = await Promise.all(state.collections.map((c) =>
        getJSON(itemsURL(c.id, { q: text, limit: 8, as_of: state.asOf || undefined }))
          .then((fc) => fc.features.map((f) => ({ kind: 'feature', collection: c.id, id: String(f.id), label: String(f.properties.name ?? f.id), sub: `${c.title}${f.properties.name_local ? ` · ${f.properties.name_local}` : ''}` })))
          .catch(() => [])));
      if (seq !== this.seq) return;
      list.push(...found.flat());
    }
    if (seq !== this.seq) return;
    this.show(list, text);
  }

  show(list, text) {
    this.current = list;
    this.active = list.length ? 0 : -1;
    clear(this.results);
    if (!text) return this.hide();
    if (!list.length) this.results.append(h('li', { class: 'empty', role: 'option', 'aria-disabled': 'true' }, 'Nothing found'));
    list.forEach((r, i) => {
      this.results.append(h('li', { role: 'option', id: `sr-${i}`, class: 'result', 'data-kind': r.kind, onmousedown: (e) => { e.preventDefault(); this.choose(r); } },
        h('span', { class: 'r-label' }, r.label), h('span', { class: 'r-sub' }, r.sub || '')));
    });
    this.results.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.markActive();
  }

  markActive() {
    [...this.results.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === this.active)));
    if (this.active >= 0) this.input.setAttribute('aria-activedescendant', `sr-${this.active}`);
    else this.input.removeAttribute('aria-activedescendant');
  }

  hide() {
    this.results.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }

  choose(r) {
    const { map, panel } = this.ctx;
    this.hide();
    if (r.kind === 'place') {
      if (this.marker) map.removeLayer(this.marker);
      this.marker = L.circleMarker([r.loc.lat, r.loc.lng], { radius: 9, color: '#0f172a', weight: 3, fillColor: '#facc15', fillOpacity: 1, pane: 'highlight' })
        .bindTooltip(`${fmtLatLng(r.loc)} · ${toMGRS(r.loc)}`, { permanent: true, direction: 'right' })
        .addTo(map);
      map.flyTo([r.loc.lat, r.loc.lng], Math.max(map.getZoom(), 10), { duration: 0.8 });
      announce(`Flying to ${r.loc.kind} ${fmtLatLng(r.loc)}`);
    } else {
      panel.open(r.collection, r.id, { fly: true });
      announce(`Opening ${r.label}`);
    }
  }
}
