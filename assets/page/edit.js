// edit.js: editing with a token (kept in sessionStorage only): add, move,
// reshape, edit properties and delete, through the write API, with
// leaflet-geoman loaded only when editing is switched on.
/* global L */
import { h, clear, $ } from './dom.js';
import { timelineOf, sourcesOf } from './panel.js';
import { getJSON } from './api.js';

const TOKEN_KEY = 'sitmap-token';

// The collection documents say what each collection accepts: its status
// vocabulary and geometry types (empty: anything).
function collectionDoc(ctx, collection) {
  return ctx.state.byId.get(collection) || {};
}

function vocabularyOf(ctx, collection) {
  const s = collectionDoc(ctx, collection).statuses;
  return Array.isArray(s) && s.length ? s.map(String) : null;
}

// drawShape is the shape to draw for a collection: the one asked for when
// the collection takes it, else the one it takes.
function drawShape(ctx, collection, shape) {
  const types = collectionDoc(ctx, collection).geometryTypes || [];
  if (!types.length) return shape;
  const points = types.some((t) => t.endsWith('Point'));
  const polygons = types.some((t) => t.endsWith('Polygon'));
  if (shape === 'Marker' && !points && polygons) return 'Polygon';
  if (shape === 'Polygon' && !polygons && points) return 'Marker';
  return shape;
}

// confidencesOf is the confidence vocabulary from the collection's
// queryables (the server's list), or [] when it cannot be read.
async function confidencesOf(cache, collection) {
  if (!cache.has(collection)) {
    cache.set(collection, getJSON(`/collections/${encodeURIComponent(collection)}/queryables`)
      .then((s) => ((s.properties || {}).confidence || {}).enum || [])
      .catch(() => []));
  }
  return cache.get(collection);
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

function loadCSS(href) {
  if (document.querySelector(`link[href="${href}"]`)) return;
  document.head.append(h('link', { rel: 'stylesheet', href }));
}

export class Editor {
  constructor(ctx) {
    this.ctx = ctx;
    this.map = ctx.map;
    this.token = sessionStorage.getItem(TOKEN_KEY) || '';
    this.editing = null; // {collection, id|null, feature, etag, layer}
    this.geoman = null;
    this.confidences = new Map(); // collection id -> Promise of its vocabulary
    $('#edit-toggle').addEventListener('click', () => this.openTokenDialog());
  }

  init(readOnly) {
    this.readOnly = readOnly;
    this.renderToolbar();
    if (this.token && !readOnly) this.ensureGeoman();
  }

  enabled() {
    return Boolean(this.token) && !this.readOnly;
  }

  busy() {
    return Boolean(this.editing) || Boolean(this.drawing);
  }

  async ensureGeoman() {
    if (this.geoman) return this.geoman;
    loadCSS('/static/vendor/@geoman-io/leaflet-geoman-free/leaflet-geoman.css');
    this.geoman = loadScript('/static/vendor/@geoman-io/leaflet-geoman-free/leaflet-geoman.min.js').then(() => {
      // geoman hooks maps made after it loads; this map already exists.
      if (!this.map.pm) this.map.pm = new L.PM.Map(this.map);
      this.map.pm.setGlobalOptions({ snappable: false, continueDrawing: false });
      this.map.on('pm:create', (e) => this.onCreated(e));
      return true;
    });
    return this.geoman;
  }

  openTokenDialog() {
    const dlg = $('#dialog');
    const body = clear($('#dialog-body'));
    if (this.readOnly) {
      body.append(h('h2', { id: 'dialog-title' }, 'Editing'), h('p', null, 'This server is read-only: it was started without a token.'),
        h('div', { class: 'row' }, h('button', { type: 'button', onclick: () => dlg.close() }, 'Close')));
      dlg.showModal();
      return;
    }
    const input = h('input', { type: 'password', id: 'token-input', autocomplete: 'off', spellcheck: 'false', value: this.token });
    const form = h('form', { method: 'dialog', id: 'token-form' },
      h('h2', { id: 'dialog-title' }, 'Editing'),
      h('p', null, 'Enter the editor token. It is kept in this browser tab only and sent with each change.'),
      h('label', { for: 'token-input' }, 'Token'), input,
      h('div', { class: 'row' },
        h('button', { type: 'submit', id: 'token-save' }, 'Start editing'),
        this.token ? h('button', { type: 'button', id: 'token-forget', onclick: () => { this.setToken(''); dlg.close(); } }, 'Stop editing and forget token') : null,
        h('button', { type: 'button', onclick: () => dlg.close() }, 'Cancel')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.setToken(input.value.trim());
      dlg.close();
    });
    body.append(form);
    if (!dlg.open) dlg.showModal();
    input.focus();
  }

  setToken(t) {
    this.token = t;
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
    if (!t) this.cancel();
    this.renderToolbar();
    if (t) this.ensureGeoman();
    this.ctx.panel.show();
    this.ctx.announce(t ? 'Editing on' : 'Editing off');
  }

  renderToolbar() {
    const bar = $('#edit-bar');
    clear(bar);
    const btn = $('#edit-toggle');
    btn.textContent = this.enabled() ? 'Editing ✓' : 'Edit…';
    btn.setAttribute('aria-pressed', String(this.enabled()));
    if (!this.enabled()) {
      bar.hidden = true;
      return;
    }
    bar.hidden = false;
    const sel = h('select', { id: 'new-collection', 'aria-label': 'Collection for the new feature' });
    for (const c of this.ctx.state.collections) sel.append(h('option', { value: c.id }, c.title || c.id));
    bar.append(
      h('span', { class: 'muted' }, 'Add to '), sel,
      h('button', { type: 'button', id: 'add-point', onclick: () => this.startDraw(sel.value, 'Marker') }, '+ Point'),
      h('button', { type: 'button', id: 'add-polygon', onclick: () => this.startDraw(sel.value, 'Polygon') }, '+ Polygon'),
    );
  }

  actionsFor(sel) {
    if (!this.enabled() || !sel) return [];
    // An edit writes over the current version: not over a past one.
    if (this.ctx.state.asOf) return [h('p', { class: 'muted' }, 'To edit, clear “as recorded on”: edits apply to the current version.')];
    return [
      h('button', { type: 'button', id: 'edit-feature', onclick: () => this.edit(sel) }, 'Edit'),
      h('button', { type: 'button', id: 'delete-feature', class: 'danger', onclick: () => this.remove(sel) }, 'Delete'),
    ];
  }

  async startDraw(collection, shape) {
    await this.ensureGeoman();
    shape = drawShape(this.ctx, collection, shape);
    this.cancel();
    this.drawing = { collection };
    this.map.pm.enableDraw(shape, { markerStyle: { draggable: true } });
    this.ctx.announce(shape === 'Marker' ? 'Click the map to place the point.' : 'Click the corners; click the first corner to finish.');
  }

  async onCreated(e) {
    if (!this.drawing) {
      e.layer.remove();
      return;
    }
    const { collection } = this.drawing;
    this.drawing = null;
    const vocab = vocabularyOf(this.ctx, collection) || [];
    this.confidenceList = await confidencesOf(this.confidences, collection);
    const feature = { type: 'Feature', geometry: e.layer.toGeoJSON().geometry, properties: { name: '', country: '', status: vocab[0] || '', confidence: this.confidenceList.includes('reported') ? 'reported' : this.confidenceList[0] || '', sources: [{ title: '', publisher: '', date: new Date().toISOString().slice(0, 10), url: '' }] } };
    this.startEditing({ collection, id: null, feature, etag: null }, e.layer);
  }

  async edit(sel) {
    await this.ensureGeoman();
    this.confidenceList = await confidencesOf(this.confidences, sel.collection);
    this.cancel();
    const layer = L.geoJSON(sel.feature, { pointToLayer: (f, ll) => L.marker(ll, { draggable: true }), style: { color: '#2563eb', weight: 3 } }).getLayers()[0];
    layer.addTo(this.map);
    this.startEditing({ ...sel, feature: JSON.parse(JSON.stringify(sel.feature)) }, layer);
  }

  startEditing(ed, layer) {
    ed.layer = layer;
    this.editing = ed;
    if (layer.pm) {
      if (layer instanceof L.Marker) layer.pm.enable({ draggable: true });
      // vertices reshape; with draggable the whole shape moves too
      else layer.pm.enable({ allowSelfIntersection: false, draggable: true });
    }
    this.renderForm();
  }

  cancel() {
    if (this.drawing && this.map.pm) this.map.pm.disableDraw();
    this.drawing = null;
    if (this.editing) {
      const l = this.editing.layer;
      if (l) {
        if (l.pm) l.pm.disable();
        l.remove();
      }
      this.editing = null;
    }
  }

  renderForm(errors = {}) {
    const ed = this.editing;
    const p = ed.feature.properties || {};
    const body = clear($('#panel-body'));
    $('#panel').hidden = false;
    $('#panel').scrollTop = 0;
    $('#panel').dataset.shown = '';
    document.body.classList.add('panel-open');
    const field = (name, label, input, hint) => {
      const err = errors[name];
      const errId = `err-${name.replace(/\W/g, '-')}`;
      input.dataset.field = name;
      input.id = input.id || `f-${name.replace(/\W/g, '-')}`;
      if (err) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', errId);
      }
      return h('div', { class: `field${err ? ' has-error' : ''}` }, h('label', { for: input.id }, label), input,
        hint ? h('p', { class: 'hint' }, hint) : null, err ? h('p', { class: 'field-error', id: errId, role: 'alert' }, err) : null);
    };
    const text = (k, v) => h('input', { type: 'text', name: k, value: v == null ? '' : String(v) });
    const vocab = vocabularyOf(this.ctx, ed.collection);
    let statusInput;
    if (vocab) {
      statusInput = h('select', { name: 'status' });
      for (const v of vocab) statusInput.append(h('option', { value: v, selected: v === p.status }, v));
      if (p.status && !vocab.includes(p.status)) statusInput.append(h('option', { value: p.status, selected: true }, String(p.status)));
    } else statusInput = text('status', p.status);
    const conf = h('select', { name: 'confidence' });
    const confidences = this.confidenceList || [];
    for (const v of confidences) conf.append(h('option', { value: v, selected: v === p.confidence }, v));
    if (p.confidence && !confidences.includes(p.confidence)) conf.append(h('option', { value: p.confidence, selected: true }, String(p.confidence)));

    const srcBox = h('div', { class: 'sources-edit' });
    const sources = sourcesOf(p).length ? sourcesOf(p) : [{}];
    const addSourceRow = (s, i) => {
      const row = h('fieldset', { class: 'source-row' }, h('legend', null, `Source ${i + 1}`),
        ...['title', 'publisher', 'date', 'url'].map((k) => h('label', null, k, ' ', h('input', { type: k === 'url' ? 'url' : 'text', 'data-src': k, value: s[k] == null ? '' : String(s[k]) }))),
        h('button', { type: 'button', class: 'linklike', onclick: () => row.remove() }, 'Remove source'));
      srcBox.append(row);
    };
    sources.forEach(addSourceRow);
    const srcErr = Object.keys(errors).find((k) => k.startsWith('properties.sources'));

    const tl = h('textarea', { name: 'timeline', rows: '4', spellcheck: 'false' });
    tl.value = timelineOf(p).length ? JSON.stringify(timelineOf(p), null, 1) : '';
    const desc = h('textarea', { name: 'description', rows: '3' });
    desc.value = p.description == null ? '' : String(p.description);

    const form = h('form', { id: 'edit-form', novalidate: true },
      h('h2', { id: 'feature-title' }, ed.id ? `Edit ${ed.id}` : `New feature in ${ed.collection}`),
      errors._ ? h('p', { class: 'form-error', role: 'alert' }, errors._) : null,
      h('p', { class: 'muted' }, ed.layer instanceof L.Marker ? 'Drag the marker to move the point.' : 'Drag the vertices to reshape, or the shape to move it.'),
      field('properties.name', 'Name', text('name', p.name)),
      field('properties.name_local', 'Local name', text('name_local', p.name_local)),
      field('properties.country', 'Country (ISO 3166-1 alpha-2)', text('country', p.country)),
      field('properties.status', 'Default status', statusInput),
      field('properties.confidence', 'Confidence', conf),
      field('properties.valid_from', 'Valid from', text('valid_from', p.valid_from), 'YYYY-MM-DD or RFC 3339 date-time; empty for open'),
      field('properties.valid_to', 'Valid to', text('valid_to', p.valid_to)),
      field('properties.timeline', 'Timeline (JSON list of {from, to, status, note})', tl),
      field('properties.description', 'Description', desc),
      h('div', { class: `field${srcErr ? ' has-error' : ''}`, 'data-field': 'properties.sources' }, h('span', { class: 'label' }, 'Sources'), srcBox,
        h('button', { type: 'button', onclick: () => addSourceRow({}, srcBox.children.length) }, '+ Source'),
        srcErr ? h('p', { class: 'field-error', role: 'alert' }, errors[srcErr]) : null),
      errors.geometry ? h('p', { class: 'field-error', role: 'alert' }, errors.geometry) : null,
      h('div', { class: 'row' }, h('button', { type: 'submit', id: 'edit-save' }, 'Save'), h('button', { type: 'button', id: 'edit-cancel', onclick: () => this.cancelAndReopen() }, 'Cancel')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.save(form);
    });
    body.append(form);
    const firstErr = form.querySelector('[aria-invalid=true]');
    if (firstErr) firstErr.focus();
  }

  cancelAndReopen() {
    const ed = this.editing;
    this.cancel();
    if (ed && ed.id) this.ctx.panel.open(ed.collection, ed.id);
    else this.ctx.panel.close();
  }

  collect(form) {
    const ed = this.editing;
    const props = { ...(ed.feature.properties || {}) };
    delete props.updated;
    for (const k of ['name', 'name_local', 'country', 'status', 'confidence', 'valid_from', 'valid_to', 'description']) {
      const el = form.elements[k];
      const v = el.value.trim();
      if (v === '') delete props[k];
      else props[k] = k === 'country' ? v.toUpperCase() : v;
    }
    const errors = {};
    const tl = form.elements.timeline.value.trim();
    if (tl === '') delete props.timeline;
    else {
      try {
        props.timeline = JSON.parse(tl);
      } catch (err) {
        errors['properties.timeline'] = `Not valid JSON: ${err.message}`;
      }
    }
    props.sources = [...form.querySelectorAll('.source-row')].map((row) => {
      const s = {};
      for (const inp of row.querySelectorAll('[data-src]')) if (inp.value.trim()) s[inp.dataset.src] = inp.value.trim();
      return s;
    }).filter((s) => Object.keys(s).length);
    const geometry = ed.layer ? ed.layer.toGeoJSON().geometry : ed.feature.geometry;
    const feature = { type: 'Feature', geometry, properties: props };
    if (ed.id) feature.id = ed.id;
    return { feature, errors };
  }

  async save(form) {
    const ed = this.editing;
    const { feature, errors } = this.collect(form);
    if (Object.keys(errors).length) {
      ed.feature = feature;
      return this.renderForm(errors);
    }
    const base = `/collections/${encodeURIComponent(ed.collection)}/items`;
    const headers = { 'Content-Type': 'application/geo+json', Accept: 'application/json', Authorization: `Bearer ${this.token}` };
    if (ed.id && ed.etag) headers['If-Match'] = ed.etag;
    let resp;
    try {
      resp = await fetch(ed.id ? `${base}/${encodeURIComponent(ed.id)}` : base, { method: ed.id ? 'PUT' : 'POST', headers, body: JSON.stringify(feature) });
    } catch (err) {
      ed.feature = feature;
      return this.renderForm({ _: `Could not reach the server: ${err.message}` });
    }
    if (resp.ok) {
      let id = ed.id;
      if (!id) {
        const loc = resp.headers.get('Location') || '';
        id = decodeURIComponent(loc.split('/').pop() || '');
        if (!id) {
          try {
            id = String((await resp.clone().json()).id || '');
          } catch {
            /* no body */
          }
        }
      }
      this.cancel();
      this.ctx.announce('Saved.');
      this.ctx.layers.rebuild();
      if (id) this.ctx.panel.open(ed.collection, id);
      this.ctx.hooks.lastSave = { collection: ed.collection, id, status: resp.status };
      return;
    }
    let msg = `HTTP ${resp.status}`;
    let fieldName = '';
    try {
      const e = await resp.json();
      msg = e.description || e.code || msg;
      fieldName = e.field || '';
    } catch {
      /* not JSON */
    }
    if (resp.status === 401) {
      msg = 'The token was refused. Enter it again (Edit…).';
    } else if (resp.status === 412 || resp.status === 409) {
      msg = `Someone else changed this feature meanwhile (${resp.status}). Cancel and open it again to see their version.`;
    }
    ed.feature = feature;
    const errs = {};
    if (fieldName && (fieldName.startsWith('properties.') || fieldName === 'geometry')) {
      const known = ['name', 'name_local', 'country', 'status', 'confidence', 'valid_from', 'valid_to', 'timeline', 'description'];
      const top = fieldName.split(/[.[]/)[1];
      if (fieldName === 'geometry' || fieldName.startsWith('geometry')) errs.geometry = msg;
      else if (top === 'sources') errs[fieldName] = msg;
      else if (known.includes(top)) errs[`properties.${top}`] = msg;
      else errs._ = `${fieldName}: ${msg}`;
    } else errs._ = msg;
    this.renderForm(errs);
  }

  async remove(sel) {
    if (!window.confirm(`Delete “${String(sel.feature.properties?.name ?? sel.id)}”? This cannot be undone.`)) return;
    const headers = { Authorization: `Bearer ${this.token}`, Accept: 'application/json' };
    if (sel.etag) headers['If-Match'] = sel.etag;
    const resp = await fetch(`/collections/${encodeURIComponent(sel.collection)}/items/${encodeURIComponent(sel.id)}`, { method: 'DELETE', headers });
    if (resp.ok) {
      this.ctx.panel.close();
      this.ctx.layers.rebuild();
      this.ctx.announce('Deleted.');
    } else {
      let msg = `HTTP ${resp.status}`;
      try {
        msg = (await resp.json()).description || msg;
      } catch {
        /* not JSON */
      }
      this.ctx.announce(`Could not delete: ${msg}`);
      window.alert(`Could not delete: ${msg}`);
    }
  }
}
