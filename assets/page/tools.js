// tools.js: measuring (geodesic distance and bearing), range rings, export
// of the features in view or in a drawn rectangle, and "copy API link".
/* global L */
import { h, add, clear, $ } from './dom.js';
import { getJSON, itemsURL, viewParams } from './api.js';
import { distance, bearing, greatCircle, ring, fmtDistance, fmtBearing, fmtLatLng, toMGRS } from './geo.js';

export const RING_PRESETS_KM = [300, 500, 1000, 2500, 5500];

export class Tools {
  constructor(ctx) {
    this.ctx = ctx;
    this.map = ctx.map;
    this.active = null; // 'measure' | 'rings' | 'area'
    this.measureLayer = L.layerGroup().addTo(this.map);
    this.ringLayer = L.layerGroup().addTo(this.map);
    this.areaLayer = L.layerGroup().addTo(this.map);
    this.points = [];
    this.areaStart = null;
    this.buttons = { measure: $('#tool-measure'), rings: $('#tool-rings'), area: $('#tool-area') };
    for (const [name, btn] of Object.entries(this.buttons)) btn.addEventListener('click', () => this.toggle(name));
    $('#export-view').addEventListener('click', () => this.exportBounds(this.map.getBounds(), 'view'));
    $('#copy-api').addEventListener('click', () => this.copyAPILinks(this.map.getBounds()));
    this.panel = $('#tool-panel');
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.active) this.toggle(this.active);
    });
  }

  toggle(name) {
    const was = this.active;
    if (was) {
      this.buttons[was].setAttribute('aria-pressed', 'false');
      this.map.getContainer().classList.remove('tool-active');
      this.active = null;
      this.areaStart = null;
    }
    if (was === name) {
      this.renderPanel();
      this.ctx.announce(`${name} tool off`);
      return;
    }
    this.active = name;
    this.buttons[name].setAttribute('aria-pressed', 'true');
    this.map.getContainer().classList.add('tool-active');
    if (name === 'measure') {
      this.points = [];
      this.measureLayer.clearLayers();
    }
    this.renderPanel();
    const hints = { measure: 'Click points on the map to measure; Escape to finish.', rings: 'Click a point on the map to draw range rings.', area: 'Click two opposite corners of the area to export.' };
    this.ctx.announce(hints[name]);
  }

  // handleClick returns true if a tool used the click.
  handleClick(e) {
    if (!this.active) return false;
    const ll = e.latlng;
    if (this.active === 'measure') this.addMeasurePoint(ll);
    else if (this.active === 'rings') this.ringsAround(ll);
    else if (this.active === 'area') this.areaClick(ll);
    return true;
  }

  useCentre() {
    this.handleClick({ latlng: this.map.getCenter() });
  }

  // ----- measure -----
  addMeasurePoint(ll) {
    const pts = this.points;
    pts.push(L.latLng(ll.lat, ll.lng));
    L.circleMarker(ll, { radius: 5, color: '#0f172a', weight: 2, fillColor: '#ffffff', fillOpacity: 1, interactive: false }).addTo(this.measureLayer);
    if (pts.length >= 2) {
      const a = pts[pts.length - 2], b = pts[pts.length - 1];
      const line = greatCircle(a, b).map((p) => [p.lat, p.lng]);
      L.polyline(line, { color: '#0f172a', weight: 3, dashArray: '6 4', interactive: false }).addTo(this.measureLayer);
      const mid = line[Math.floor(line.length / 2)];
      L.tooltip({ permanent: true, direction: 'top', className: 'measure-label' })
        .setLatLng(mid)
        .setContent(`${fmtDistance(distance(a, b))} · ${fmtBearing(bearing(a, b))}`)
        .addTo(this.measureLayer);
    }
    this.renderPanel();
  }

  measureSummary() {
    const pts = this.points;
    const legs = [];
    let total = 0;
    for (let i = 1; i < pts.length; i++) {
      const d = distance(pts[i - 1], pts[i]);
      total += d;
      legs.push({ d, brg: bearing(pts[i - 1], pts[i]), back: bearing(pts[i], pts[i - 1]) });
    }
    return { legs, total };
  }

  // ----- range rings -----
  selectedRadiiKm() {
    const boxes = document.querySelectorAll('#ring-radii input[type=checkbox]:checked');
    const out = [...boxes].map((b) => Number(b.value));
    const custom = Number(($('#ring-custom') || {}).value);
    if (custom > 0 && custom <= 20000) out.push(custom);
    return out.length ? out : [RING_PRESETS_KM[0]];
  }

  ringsAround(centre) {
    if (!this.radii) this.radii = new Set([300, 500, 1000]);
    const radii = document.querySelector('#ring-radii') ? this.selectedRadiiKm() : [...this.radii];
    const c = L.latLng(centre.lat, centre.lng);
    const g = L.layerGroup().addTo(this.ringLayer);
    L.circleMarker(c, { radius: 4, color: '#7f1d1d', fillColor: '#7f1d1d', fillOpacity: 1, interactive: false }).addTo(g);
    for (const km of radii.sort((a, b) => a - b)) {
      const pts = ring(c, km * 1000).map((p) => [p.lat, p.lng]);
      L.polygon(pts, { color: '#7f1d1d', weight: 2, dashArray: '8 6', fill: false, interactive: false, className: 'range-ring' }).addTo(g);
      const top = pts.reduce((m, p) => (p[0] > m[0] ? p : m), pts[0]);
      L.tooltip({ permanent: true, direction: 'top', className: 'ring-label' }).setLatLng(top).setContent(`${km.toLocaleString('en')} km`).addTo(g);
    }
    this.rings = (this.rings || 0) + 1;
    this.lastRing = { centre: c, radii };
    if (this.active !== 'rings') this.renderPanel(true);
    else this.renderPanel();
    this.ctx.announce(`Range rings of ${radii.join(', ')} km drawn around ${fmtLatLng(c)}`);
  }

  // ----- export -----
  areaClick(ll) {
    if (!this.areaStart) {
      this.areaStart = ll;
      this.areaLayer.clearLayers();
      L.circleMarker(ll, { radius: 4, color: '#1d4ed8', interactive: false }).addTo(this.areaLayer);
      this.ctx.announce('Now click the opposite corner.');
      return;
    }
    const b = L.latLngBounds(this.areaStart, ll);
    this.areaStart = null;
    this.areaLayer.clearLayers();
    L.rectangle(b, { color: '#1d4ed8', weight: 2, dashArray: '4 4', fillOpacity: 0.05, interactive: false }).addTo(this.areaLayer);
    this.toggle('area');
    this.exportBounds(b, 'area');
  }

  bboxOf(bounds) {
    const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
    const r = (v) => Math.round(v * 1e5) / 1e5;
    let w = bounds.getWest(), e = bounds.getEast();
    if (e - w >= 360) {
      w = -180;
      e = 180;
    }
    return [r(clamp(w, -180, 180)), r(clamp(bounds.getSouth(), -90, 90)), r(clamp(e, -180, 180)), r(clamp(bounds.getNorth(), -90, 90))];
  }

  queryURLs(bounds) {
    const bbox = this.bboxOf(bounds).join(',');
    return this.ctx.state.collections
      .filter((c) => this.ctx.state.visible.has(c.id))
      .map((c) => ({ collection: c.id, url: itemsURL(c.id, viewParams(this.ctx.state, { bbox, filter: this.ctx.state.filters.get(c.id) })) }));
  }

  async exportBounds(bounds, what) {
    const format = $('#export-format').value;
    if (format !== 'geojson') {
      this.exportFiles(bounds, what, format);
      return;
    }
    const { state, announce } = this.ctx;
    const features = [];
    const counts = {};
    announce('Exporting…');
    for (const { collection, url } of this.queryURLs(bounds)) {
      let next = `${url}&limit=1000`;
      let n = 0;
      while (next && n < 100000) {
        const fc = await getJSON(next);
        for (const f of fc.features || []) {
          features.push(f);
          n++;
        }
        const link = (fc.links || []).find((l) => l.rel === 'next');
        next = link && (fc.features || []).length ? link.href : null;
      }
      counts[collection] = n;
    }
    const fc = {
      type: 'FeatureCollection',
      bbox: this.bboxOf(bounds),
      datetime: state.day,
      as_of: state.asOf || undefined,
      collections: counts,
      features,
    };
    const blob = new Blob([JSON.stringify(fc, null, 1)], { type: 'application/geo+json' });
    const a = h('a', { href: URL.createObjectURL(blob), download: `sitmap-${state.day}-${what}.geojson` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    this.ctx.hooks.lastExport = fc;
    announce(`Exported ${features.length} features (${what}, ${state.day}).`);
  }

  // exportFiles downloads one file per visible layer in a file format: the
  // server encodes the same query (bbox, date) with every matching feature.
  exportFiles(bounds, what, format) {
    const { state, announce } = this.ctx;
    const label = $('#export-format').selectedOptions[0].textContent;
    const bbox = this.bboxOf(bounds).join(',');
    const urls = [];
    for (const c of state.collections.filter((c) => state.visible.has(c.id))) {
      const url = itemsURL(c.id, viewParams(state, { bbox, f: format }));
      // The server names the file (Content-Disposition wins over a name here).
      const a = h('a', { href: url, download: true });
      document.body.append(a);
      a.click();
      a.remove();
      urls.push(url);
    }
    this.ctx.hooks.lastExportFiles = urls;
    announce(`Exporting ${urls.length} ${urls.length === 1 ? 'layer' : 'layers'} as ${label} (${what}, ${state.day}).`);
  }

  copyAPILinks(bounds) {
    const urls = this.queryURLs(bounds).map((q) => new URL(q.url, location.origin).href);
    const text = urls.join('\n');
    const dlg = $('#dialog');
    const body = clear($('#dialog-body'));
    const ta = h('textarea', { id: 'api-links', rows: String(Math.max(2, urls.length + 1)), readonly: true, 'aria-label': 'API links' });
    ta.value = text;
    const status = h('p', { class: 'muted', role: 'status' });
    body.append(
      h('h2', { id: 'dialog-title' }, 'API links for this view'),
      h('p', null, 'One GeoJSON query per visible layer, for QGIS ("Add vector layer" with the URL), ogr2ogr or curl.'),
      ta,
      h('div', { class: 'row' },
        h('button', { type: 'button', onclick: async () => {
          try {
            await navigator.clipboard.writeText(text);
            status.textContent = 'Copied.';
          } catch {
            ta.select();
            status.textContent = document.execCommand('copy') ? 'Copied.' : 'Select the text and copy it.';
          }
        } }, 'Copy'),
        h('button', { type: 'button', onclick: () => dlg.close() }, 'Close')),
      status,
    );
    this.ctx.hooks.lastAPILinks = urls;
    if (!dlg.open) dlg.showModal();
    ta.focus();
    ta.select();
    navigator.clipboard && navigator.clipboard.writeText(text).then(() => (status.textContent = 'Copied to the clipboard.'), () => {});
  }

  // ----- side panel for the active tool -----
  renderPanel(showRings) {
    const p = clear(this.panel);
    const hasMeasure = this.points.length > 0;
    const hasRings = this.rings > 0;
    if (!this.active && !hasMeasure && !hasRings && !showRings) {
      p.hidden = true;
      return;
    }
    p.hidden = false;
    if (this.active === 'measure' || hasMeasure) {
      const { legs, total } = this.measureSummary();
      const ol = h('ol', { class: 'legs', id: 'measure-legs' });
      legs.forEach((l, i) => ol.append(h('li', null, `Leg ${i + 1}: ${fmtDistance(l.d)}, bearing ${fmtBearing(l.brg)} (back ${fmtBearing(l.back)})`)));
      add(p,
        h('h2', null, 'Measure'),
        this.active === 'measure' ? h('p', { class: 'muted' }, 'Click points on the map (or use the map centre). Escape finishes.') : null,
        ol,
        h('p', { id: 'measure-total' }, `Total: ${fmtDistance(total)}`),
        h('div', { class: 'row' },
          this.active === 'measure' ? h('button', { type: 'button', onclick: () => this.useCentre() }, 'Add map centre') : null,
          h('button', { type: 'button', onclick: () => { this.points = []; this.measureLayer.clearLayers(); this.renderPanel(); } }, 'Clear')),
      );
    }
    if (this.active === 'rings' || hasRings || showRings) {
      if (!this.radii) this.radii = new Set([300, 500, 1000]);
      const fs = h('fieldset', { id: 'ring-radii' }, h('legend', null, 'Radii'));
      for (const km of RING_PRESETS_KM) {
        const cb = h('input', { type: 'checkbox', value: String(km), id: `ring-${km}`, checked: this.radii.has(km) });
        cb.addEventListener('change', () => (cb.checked ? this.radii.add(km) : this.radii.delete(km)));
        fs.append(h('label', { for: `ring-${km}` }, cb, ` ${km.toLocaleString('en')} km`));
      }
      fs.append(h('label', { for: 'ring-custom' }, 'Other (km) ', h('input', { type: 'number', id: 'ring-custom', min: '1', max: '20000', step: '1', inputmode: 'numeric' })));
      add(p,
        h('h2', null, 'Range rings'),
        this.active === 'rings' ? h('p', { class: 'muted' }, 'Click the map or a feature’s “Range rings here”.') : null,
        fs,
        this.lastRing ? h('p', { id: 'ring-info' }, `Last: ${this.lastRing.radii.join(', ')} km around ${fmtLatLng(this.lastRing.centre)} (${toMGRS(this.lastRing.centre)})`) : null,
        h('div', { class: 'row' },
          h('button', { type: 'button', onclick: () => this.ringsAround(this.map.getCenter()) }, 'Rings at map centre'),
          h('button', { type: 'button', onclick: () => { this.ringLayer.clearLayers(); this.rings = 0; this.lastRing = null; this.renderPanel(); } }, 'Clear rings')),
      );
    }
    if (this.active === 'area') {
      p.append(h('h2', null, 'Export area'), h('p', { class: 'muted' }, 'Click two opposite corners on the map.'));
    }
  }
}
