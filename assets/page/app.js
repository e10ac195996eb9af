// app.js: the sitmap analyst page.
//
// Data layers are drawn with protomaps-leaflet, not Leaflet.VectorGrid.
// Why: click-to-inspect must keep working on Leaflet 1.9.4. VectorGrid 1.3.0
// (its last release, 2017) handles clicks on its canvas renderer by calling
// L.DomEvent.fakeStop, which Leaflet removed in 1.8, so every click on a
// feature throws a TypeError; its SVG renderer instead makes one DOM node per
// feature, which is not smooth at 200,000 features. protomaps-leaflet paints
// decoded tiles straight onto canvas, keeps them in a tile cache that it can
// hit-test (point and line distance, point in polygon) for a clicked
// position, and places point symbols and basemap labels through a collision
// index, so symbols are never cut at tile edges. One library draws both the
// basemap and the data, from the server's MVT tiles.
/* global L, protomapsL */
import { h, clear, $, announce } from './dom.js';
import { COLLECTION_ORDER, PolygonStyle, LineStyle, PointStyle, LEGEND, legendSwatch, confidenceSwatch, CONFIDENCE } from './style.js';
import { basemapRules, SEA } from './basemap.js';
import { renderFeature } from './panel.js';
import { fmtLatLng, toMGRS, parseLocation } from './geo.js';
import { Tools } from './tools.js';
import { Editor } from './edit.js';
import { UncertaintyCircles } from './uncertainty.js';
import { FilterBox } from './filter.js';

const DAY_MS = 86400000;

export const state = {
  collections: [], // [{id,title,description,...}] in drawing order
  byId: new Map(),
  visible: new Set(),
  filters: new Map(), // collection id -> CQL2 text the server accepted
  days: [], // ['2025-09-01', ...]
  day: '',
  selected: null, // {collection, id, feature, etag}
  readOnly: true,
  maxzoom: 14,
  events: 0,
  lastEvent: null,
};

const sitmap = (window.sitmap = { state, ready: false });

// ---------- tile fetching ----------
// protomaps' ZxySource fetches with the default cache mode and parses any
// body; after a live change we revalidate tiles, and a non-2xx answer is an
// error rather than a tile. 204 (empty tile) parses as an empty tile.
let tileCacheMode = 'default';
(function patchZxySource() {
  const Z = protomapsL.ZxySource;
  const orig = Z.prototype.get;
  Z.prototype.get = function (c, tileSize) {
    const self = this;
    const realFetch = window.fetch;
    // ZxySource.get calls fetch synchronously (before any await): route that
    // one call through our wrapper, then restore the real fetch.
    const wrapped = (url, opts = {}) =>
      realFetch(url, { ...opts, cache: tileCacheMode }).then((resp) => {
        if (resp.status === 204) return new Response(new ArrayBuffer(0));
        if (!resp.ok) throw new Error(`tile ${url}: HTTP ${resp.status}`);
        return resp;
      });
    window.fetch = wrapped;
    try {
      return orig.call(self, c, tileSize);
    } finally {
      window.fetch = realFetch;
    }
  };
})();

function escapeText(s) {
  const d = document.createElement('div');
  d.textContent = s;
  return d.innerHTML;
}

// ---------- API helpers ----------
async function getJSON(url) {
  const resp = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!resp.ok) throw new Error(`${url}: HTTP ${resp.status}`);
  return resp.json();
}

export function itemsURL(collection, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return `/collections/${encodeURIComponent(collection)}/items${s ? `?${s}` : ''}`;
}

// ---------- map ----------
const map = L.map('map', { zoomControl: true, preferCanvas: false, worldCopyJump: true, minZoom: 2, maxZoom: 18 });
sitmap.map = map;
map.attributionControl.setPrefix(false);
L.control.scale({ imperial: false, maxWidth: 160, position: 'bottomleft' }).addTo(map);
map.createPane('datatiles').style.zIndex = 350;
map.createPane('highlight').style.zIndex = 420;
$('#map').style.background = SEA;

let basemap = null;
let dataLayer = null;

// An operator may configure an online raster basemap (sitmap serve
// --basemap-url); by default there is none and nothing leaves the origin.
function onlineBasemap(url) {
  if (typeof url !== 'string' || !/^https?:\/\/[^/]+\/.*\{z\}.*\{x\}.*\{y\}/.test(url)) return;
  L.tileLayer(url, { maxZoom: 19, opacity: 0.9, attribution: 'Online basemap configured by the operator' }).addTo(map);
}

function makeBasemap() {
  const { paintRules, labelRules } = basemapRules();
  basemap = protomapsL.leafletLayer({
    url: '/tiles/basemap/{z}/{x}/{y}.mvt',
    levelDiff: 0,
    maxDataZoom: state.basemapMaxzoom || state.maxzoom,
    paintRules,
    labelRules,
    backgroundColor: SEA,
    attribution: state.basemapAttribution || 'Basemap: sitmap',
  });
  basemap.addTo(map);
}

// A filtered layer is drawn from its own tile source (the collection's
// tiles with ?filter=), the others from the "all" tiles.
function sourceOf(c) {
  return state.filters.has(c) ? c : 'all';
}

function dataRules() {
  const paintRules = [];
  const labelRules = [];
  const vis = (c) => () => state.visible.has(c);
  for (const c of COLLECTION_ORDER.concat(state.collections.map((x) => x.id).filter((id) => !COLLECTION_ORDER.includes(id)))) {
    const shown = vis(c);
    const dataSource = sourceOf(c);
    paintRules.push({ dataSource, dataLayer: c, symbolizer: new PolygonStyle(c), filter: (z, f) => shown() && f.geomType === 3 });
    paintRules.push({ dataSource, dataLayer: c, symbolizer: new LineStyle(), filter: (z, f) => shown() && f.geomType === 2 });
    labelRules.push({ dataSource, dataLayer: c, symbolizer: new PointStyle(c), filter: (z, f) => shown() && f.geomType === 1 });
  }
  return { paintRules, labelRules };
}

function dataSources() {
  const dt = `datetime=${encodeURIComponent(state.day)}`;
  const sources = { all: { url: `/tiles/all/{z}/{x}/{y}.mvt?${dt}` } };
  for (const [c, f] of state.filters) {
    sources[c] = { url: `/tiles/${encodeURIComponent(c)}/{z}/{x}/{y}.mvt?${dt}&filter=${encodeURIComponent(f)}` };
  }
  return sources;
}

// makeDataLayer (re)builds the data layer for the chosen day; the old layer
// stays until the new one has drawn, so the map does not flash.
function makeDataLayer() {
  const { paintRules, labelRules } = dataRules();
  const layer = protomapsL.leafletLayer({
    sources: dataSources(),
    levelDiff: 0,
    maxDataZoom: state.maxzoom,
    paintRules,
    labelRules,
    pane: 'datatiles',
    attribution: '',
  });
  const old = dataLayer;
  dataLayer = layer;
  sitmap.dataLayer = layer;
  const day = state.day;
  const dropOld = () => {
    if (old && map.hasLayer(old)) map.removeLayer(old);
  };
  layer.once('load', () => {
    dropOld();
    // Mark the page as showing this day once the current layer has drawn.
    if (layer === dataLayer) document.body.dataset.tiles = `${day}#${++sitmap.loads}`;
  });
  setTimeout(dropOld, 4000);
  layer.addTo(map);
  circles.update();
}
sitmap.loads = 0;

// renderedProps returns the tile properties of a feature as the current data
// layer holds them (status resolved for the chosen day), or null.
sitmap.renderedProps = (collection, id) => {
  if (!dataLayer) return null;
  for (const view of dataLayer.views.values()) {
    for (const entry of view.tileCache.cache.values()) {
      const feats = entry.data.get(collection) || [];
      for (const f of feats) if (String(f.props.id ?? f.id) === id) return { ...f.props };
    }
  }
  return null;
};

function redrawData() {
  if (!dataLayer) return;
  dataLayer.clearLayout();
  dataLayer.rerenderTiles();
  circles.update();
}

// ---------- inspect ----------
map.on('click', (e) => {
  if (tools.handleClick(e)) return;
  if (editor.busy()) return;
  inspectAt(e.latlng);
});

// Keyboard users: Enter (or Space) on the focused map acts as a click at
// the map centre: it inspects the feature there, or feeds the active tool.
map.getContainer().addEventListener('keydown', (e) => {
  if ((e.key !== 'Enter' && e.key !== ' ') || e.target !== map.getContainer()) return;
  e.preventDefault();
  const latlng = map.getCenter();
  if (tools.handleClick({ latlng })) return;
  if (!editor.busy()) inspectAt(latlng);
});

export function pickAt(latlng) {
  if (!dataLayer || !dataLayer._map) return [];
  const res = [];
  for (const [source, feats] of dataLayer.queryTileFeaturesDebug(latlng.lng, latlng.lat, 14)) {
    for (const r of feats) if (sourceOf(r.layerName) === source) res.push(r);
  }
  const seen = new Set();
  const out = [];
  for (const { feature, layerName } of res) {
    if (!state.visible.has(layerName)) continue;
    const id = feature.props.id ?? feature.id;
    const key = `${layerName}/${id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const b = feature.bbox;
    out.push({ collection: layerName, id: String(id), props: feature.props, geomType: feature.geomType, area: (b.maxX - b.minX) * (b.maxY - b.minY) });
  }
  out.sort((a, b) => a.geomType - b.geomType || a.area - b.area);
  return out;
}

sitmap.pickAt = pickAt;

// Hover: a pointer cursor and the feature's name over a feature. The
// tooltip gets a text node, never an HTML string.
let hoverTimer = 0;
let hoverTip = null;
map.on('mousemove', (e) => {
  if (hoverTimer) return;
  hoverTimer = setTimeout(() => {
    hoverTimer = 0;
    const picks = tools.active || editor.busy() ? [] : pickAt(e.latlng);
    const el = map.getContainer();
    el.classList.toggle('over-feature', picks.length > 0);
    if (!picks.length) {
      if (hoverTip) map.removeLayer(hoverTip);
      hoverTip = null;
      return;
    }
    const p = picks[0].props;
    const n = Number(p.count || 1);
    const text = n > 1 ? `${n} features: click to zoom in` : String(p.name ?? picks[0].id) + (picks.length > 1 ? ` (+${picks.length - 1})` : '');
    const node = h('span', null, text);
    if (!hoverTip) hoverTip = L.tooltip({ direction: 'top', offset: [0, -12], className: 'hover-tip' });
    hoverTip.setLatLng(e.latlng).setContent(node);
    if (!map.hasLayer(hoverTip)) hoverTip.addTo(map);
  }, 60);
});
map.on('mouseout', () => {
  if (hoverTip) map.removeLayer(hoverTip);
  hoverTip = null;
});

function inspectAt(latlng) {
  const picks = pickAt(latlng);
  if (!picks.length) return;
  const first = picks[0];
  if (Number(first.props.count || 1) > 1) {
    map.setView(latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
    announce(`${first.props.count} features here: zoomed in`);
    return;
  }
  openFeature(first.collection, first.id, { fly: false, others: picks.slice(1) });
}

let highlight = null;
let openSeq = 0;

export async function openFeature(collection, id, opts = {}) {
  const seq = ++openSeq;
  let resp;
  try {
    resp = await fetch(`/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(id)}`, { headers: { Accept: 'application/geo+json' }, cache: 'no-cache' });
  } catch (err) {
    announce(`Could not load ${id}: ${err.message}`);
    return;
  }
  if (seq !== openSeq) return;
  if (resp.status === 404) {
    if (state.selected && state.selected.id === id) showGone(collection, id);
    return;
  }
  if (!resp.ok) {
    announce(`Could not load ${id}: HTTP ${resp.status}`);
    return;
  }
  const feature = await resp.json();
  if (seq !== openSeq || editor.busy()) return;
  state.selected = { collection, id, feature, etag: resp.headers.get('ETag') };
  showSelected(opts.others || []);
  drawHighlight(feature);
  if (opts.fly) flyToFeature(feature);
  writeHash();
}
sitmap.openFeature = openFeature;

function showSelected(others = []) {
  const sel = state.selected;
  // The panel holds the edit form while editing: leave it alone.
  if (editor.busy()) return;
  const panel = $('#panel');
  const body = $('#panel-body');
  const col = state.byId.get(sel.collection);
  const actions = [
    h('button', { type: 'button', onclick: () => flyToFeature(sel.feature) }, 'Zoom to'),
    h('button', { type: 'button', onclick: () => tools.ringsAround(featureCentre(sel.feature)) }, 'Range rings here'),
    ...editor.actionsFor(sel),
  ];
  renderFeature(body, sel.feature, { collection: sel.collection, collectionTitle: col ? col.title : sel.collection, day: state.day, actions });
  if (others.length) {
    const ul = h('ul', { class: 'others' });
    for (const o of others.slice(0, 8)) {
      ul.append(h('li', null, h('button', { type: 'button', class: 'linklike', onclick: () => openFeature(o.collection, o.id) }, String(o.props.name ?? o.id))));
    }
    body.append(h('section', null, h('h3', null, 'Also here'), ul));
  }
  if (panel.dataset.shown !== `${sel.collection}/${sel.id}`) panel.scrollTop = 0;
  panel.dataset.shown = `${sel.collection}/${sel.id}`;
  panel.hidden = false;
  document.body.classList.add('panel-open');
  map.invalidateSize();
}

function showGone(collection, id) {
  const body = clear($('#panel-body'));
  body.append(h('h2', { id: 'feature-title' }, 'Feature removed'), h('p', null, `${collection}/${id} was deleted.`));
  state.selected = null;
  if (highlight) map.removeLayer(highlight);
}

export function closePanel() {
  $('#panel').hidden = true;
  document.body.classList.remove('panel-open');
  state.selected = null;
  openSeq++;
  if (highlight) {
    map.removeLayer(highlight);
    highlight = null;
  }
  editor.cancel();
  writeHash();
  map.invalidateSize();
}

function drawHighlight(feature) {
  if (highlight) map.removeLayer(highlight);
  highlight = L.geoJSON(feature, {
    pane: 'highlight',
    interactive: false,
    style: { color: '#facc15', weight: 4, opacity: 0.95, fill: false },
    pointToLayer: (f, ll) => L.circleMarker(ll, { pane: 'highlight', radius: 16, color: '#facc15', weight: 3, fill: false, interactive: false }),
  }).addTo(map);
}

function featureCentre(feature) {
  const b = L.geoJSON(feature).getBounds();
  return b.getCenter();
}

function flyToFeature(feature) {
  if (!feature.geometry) return;
  if (feature.geometry.type === 'Point') {
    const [lng, lat] = feature.geometry.coordinates;
    map.flyTo([lat, lng], Math.max(map.getZoom(), 9), { duration: 0.8 });
  } else {
    map.flyToBounds(L.geoJSON(feature).getBounds(), { maxZoom: 11, padding: [40, 40], duration: 0.8 });
  }
}

// ---------- layers and legend ----------
function buildLayerList() {
  const ul = clear($('#layer-list'));
  for (const c of state.collections) {
    const id = `layer-${c.id}`;
    const count = h('span', { class: 'count', id: `count-${c.id}`, 'aria-label': 'features' }, '…');
    const cb = h('input', { type: 'checkbox', id, checked: state.visible.has(c.id), 'data-collection': c.id });
    cb.addEventListener('change', () => {
      if (cb.checked) state.visible.add(c.id);
      else state.visible.delete(c.id);
      redrawData();
      writeHash();
      announce(`${c.title} ${cb.checked ? 'shown' : 'hidden'}`);
    });
    const legend = h('ul', { class: 'legend' });
    for (const [props, text] of LEGEND[c.id] || []) legend.append(h('li', null, legendSwatch(c.id, props), h('span', null, text)));
    const box = new FilterBox(c, { onApply: setFilter, itemsURL });
    filterBoxes.set(c.id, box);
    ul.append(h('li', { class: 'layer' }, h('label', { for: id, title: c.description || '' }, cb, h('span', { class: 'layer-title' }, c.title || c.id), count), box.el, legend));
  }
  const conf = clear($('#confidence-legend'));
  for (const level of Object.keys(CONFIDENCE)) conf.append(h('li', null, confidenceSwatch(level), h('span', null, CONFIDENCE[level].label)));
}

const filterBoxes = new Map();

// setFilter applies a checked filter ('' clears it) to one layer.
function setFilter(c, text) {
  if (text) state.filters.set(c, text);
  else state.filters.delete(c);
  makeDataLayer();
  refreshCounts();
  writeHash();
  announce(text ? `${state.byId.get(c)?.title || c} filtered` : `${state.byId.get(c)?.title || c} filter cleared`);
}
sitmap.setFilter = setFilter;

async function refreshCounts() {
  const day = state.day;
  await Promise.all(
    state.collections.map(async (c) => {
      try {
        const fc = await getJSON(itemsURL(c.id, { limit: 1, datetime: day, filter: state.filters.get(c.id) }));
        if (day !== state.day) return;
        const el = document.getElementById(`count-${c.id}`);
        if (el) {
          el.textContent = String(fc.numberMatched ?? fc.features.length);
          el.title = `${el.textContent} features on ${day}`;
        }
      } catch {
        /* counts are a nicety */
      }
    }),
  );
}

// ---------- time ----------
function isoDay(t) {
  return new Date(t).toISOString().slice(0, 10);
}

function computeDays() {
  let start = Infinity, end = -Infinity;
  for (const c of state.collections) {
    const iv = c.extent && c.extent.temporal && c.extent.temporal.interval;
    if (!Array.isArray(iv)) continue;
    for (const [a, b] of iv) {
      if (a) start = Math.min(start, Date.parse(a));
      if (b) end = Math.max(end, Date.parse(b));
    }
  }
  const today = Date.parse(`${isoDay(Date.now())}T00:00:00Z`);
  if (!Number.isFinite(start)) start = today - 30 * DAY_MS;
  if (!Number.isFinite(end)) end = today + DAY_MS;
  start = Date.parse(`${isoDay(start)}T00:00:00Z`);
  const days = [];
  for (let t = start; t <= end && days.length < 3660; t += DAY_MS) days.push(isoDay(t));
  return days;
}

function defaultDay() {
  const today = isoDay(Date.now());
  if (today < state.days[0]) return state.days[0];
  if (today > state.days[state.days.length - 1]) return state.days[state.days.length - 1];
  return today;
}

const slider = $('#date-slider');
const dateLabel = $('#date-label');
let dayTimer = null;

function fmtDay(d) {
  const t = new Date(`${d}T12:00:00Z`);
  return t.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

function showDay(d) {
  dateLabel.textContent = fmtDay(d);
  dateLabel.dataset.day = d;
  slider.setAttribute('aria-valuetext', fmtDay(d));
}

export function setDay(d, immediate) {
  if (!state.days.includes(d)) return;
  slider.value = String(state.days.indexOf(d));
  showDay(d);
  clearTimeout(dayTimer);
  const apply = () => {
    if (state.day === d) return;
    state.day = d;
    makeDataLayer();
    refreshCounts();
    if (state.selected) showSelected();
    writeHash();
    announce(`Showing the situation on ${fmtDay(d)}`);
  };
  if (immediate) apply();
  else dayTimer = setTimeout(apply, 200);
}
sitmap.setDay = setDay;

slider.addEventListener('input', () => setDay(state.days[Number(slider.value)]));
$('#day-prev').addEventListener('click', () => step(-1));
$('#day-next').addEventListener('click', () => step(1));
function step(n) {
  const i = Math.max(0, Math.min(state.days.length - 1, Number(slider.value) + n));
  setDay(state.days[i]);
}

let playTimer = null;
const playBtn = $('#play');
playBtn.addEventListener('click', () => (playTimer ? stopPlay() : startPlay()));
function startPlay() {
  if (Number(slider.value) >= state.days.length - 1) setDay(state.days[0], true);
  playBtn.setAttribute('aria-pressed', 'true');
  playBtn.textContent = "❚❚ Pause";
  playTimer = setInterval(() => {
    const i = Number(slider.value) + 1;
    if (i >= state.days.length) return stopPlay();
    setDay(state.days[i], true);
  }, 1200);
}
function stopPlay() {
  clearInterval(playTimer);
  playTimer = null;
  playBtn.setAttribute('aria-pressed', 'false');
  playBtn.textContent = '▶ Play';
}

// ---------- permalink ----------
let hashWriting = false;
function writeHash() {
  if (!sitmap.ready) return;
  const c = map.getCenter(), z = map.getZoom();
  const q = new URLSearchParams();
  q.set('map', `${z}/${c.lat.toFixed(4)}/${c.lng.toFixed(4)}`);
  q.set('date', state.day);
  q.set('layers', [...state.visible].join(','));
  if (state.selected) q.set('sel', `${state.selected.collection}/${state.selected.id}`);
  for (const [c, f] of state.filters) q.set(`filter.${c}`, f);
  const hash = `#${q.toString().replace(/%2F/g, '/').replace(/%2C/g, ',')}`;
  if (hash !== location.hash) {
    hashWriting = true;
    history.replaceState(null, '', hash);
    hashWriting = false;
  }
}

function readHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  const out = {};
  const m = /^(\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(q.get('map') || '');
  if (m) out.view = { zoom: Number(m[1]), center: [Number(m[2]), Number(m[3])] };
  if (q.has('date')) out.day = q.get('date');
  if (q.has('layers')) out.layers = q.get('layers').split(',').filter(Boolean);
  out.filters = new Map();
  for (const [k, v] of q) if (k.startsWith('filter.') && v) out.filters.set(k.slice('filter.'.length), v);
  if (q.has('sel')) {
    const s = q.get('sel');
    const i = s.indexOf('/');
    if (i > 0) out.sel = { collection: s.slice(0, i), id: s.slice(i + 1) };
  }
  return out;
}

function applyHash(first) {
  const hs = readHash();
  if (hs.view) map.setView(hs.view.center, hs.view.zoom, { animate: false });
  const filters = new Map([...hs.filters].filter(([c]) => state.byId.has(c)));
  if (String([...filters]) !== String([...state.filters])) {
    // A permalink's filters are shown as given; the server checks them
    // again on every tile and count request.
    state.filters = filters;
    for (const [c, box] of filterBoxes) box.set(filters.get(c) || '');
    if (!first) {
      makeDataLayer();
      refreshCounts();
    }
  }
  if (hs.layers) {
    state.visible = new Set(hs.layers.filter((id) => state.byId.has(id)));
    for (const cb of document.querySelectorAll('#layer-list input[type=checkbox]')) cb.checked = state.visible.has(cb.dataset.collection);
    if (!first) redrawData();
  }
  if (hs.day && state.days.includes(hs.day)) {
    if (first) state.day = hs.day;
    else setDay(hs.day, true);
  }
  if (hs.sel && (!state.selected || state.selected.id !== hs.sel.id)) openFeature(hs.sel.collection, hs.sel.id);
}

window.addEventListener('hashchange', () => {
  if (!hashWriting) applyHash(false);
});
map.on('moveend', writeHash);

// ---------- cursor position ----------
const ddEl = $('#cursor-dd'), mgrsEl = $('#cursor-mgrs');
function showPos(ll, label) {
  ddEl.textContent = `${label} ${fmtLatLng(ll)}`;
  mgrsEl.textContent = `MGRS ${toMGRS(ll)}`;
}
map.on('mousemove', (e) => showPos(e.latlng, 'Cursor'));
map.on('mouseout moveend', () => showPos(map.getCenter(), 'Centre'));

// ---------- search ----------
const search = $('#search');
const results = $('#search-results');
let searchTimer = null, searchSeq = 0, activeIdx = -1, currentResults = [];

search.addEventListener('input', () => {
  clearTimeout(searchTimer);
  // Results for the old text are stale: Enter must not pick them.
  currentResults = [];
  activeIdx = -1;
  searchTimer = setTimeout(runSearch, 250);
});
search.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    if (!currentResults.length) return;
    activeIdx = (activeIdx + (e.key === 'ArrowDown' ? 1 : -1) + currentResults.length) % currentResults.length;
    markActive();
  } else if (e.key === 'Enter') {
    e.preventDefault();
    clearTimeout(searchTimer);
    if (currentResults.length && activeIdx >= 0) choose(currentResults[activeIdx]);
    else runSearch().then(() => currentResults.length && choose(currentResults[0]));
  } else if (e.key === 'Escape') {
    hideResults();
  }
});
search.addEventListener('blur', () => setTimeout(() => {
  if (!results.contains(document.activeElement)) hideResults();
}, 200));

async function runSearch() {
  const text = search.value.trim();
  const seq = ++searchSeq;
  const list = [];
  const loc = parseLocation(text);
  if (loc) list.push({ kind: 'place', loc, label: `Go to ${loc.kind} ${fmtLatLng(loc)}`, sub: `MGRS ${toMGRS(loc)}` });
  if (text.length >= 2 && !loc) {
    const found = await Promise.all(
      state.collections.map((c) =>
        getJSON(itemsURL(c.id, { q: text, limit: 8 }))
          .then((fc) => fc.features.map((f) => ({ kind: 'feature', collection: c.id, id: String(f.id), label: String(f.properties.name ?? f.id), sub: `${c.title}${f.properties.name_local ? ` · ${f.properties.name_local}` : ''}` })))
          .catch(() => []),
      ),
    );
    if (seq !== searchSeq) return;
    list.push(...found.flat());
  }
  if (seq !== searchSeq) return;
  showResults(list, text);
}

function showResults(list, text) {
  currentResults = list;
  activeIdx = list.length ? 0 : -1;
  clear(results);
  if (!text) return hideResults();
  if (!list.length) results.append(h('li', { class: 'empty', role: 'option', 'aria-disabled': 'true' }, 'Nothing found'));
  list.forEach((r, i) => {
    results.append(h('li', { role: 'option', id: `sr-${i}`, class: 'result', 'data-kind': r.kind, onmousedown: (e) => { e.preventDefault(); choose(r); } },
      h('span', { class: 'r-label' }, r.label), h('span', { class: 'r-sub' }, r.sub || '')));
  });
  results.hidden = false;
  search.setAttribute('aria-expanded', 'true');
  markActive();
}

function markActive() {
  [...results.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === activeIdx)));
  if (activeIdx >= 0) search.setAttribute('aria-activedescendant', `sr-${activeIdx}`);
  else search.removeAttribute('aria-activedescendant');
}

function hideResults() {
  results.hidden = true;
  search.setAttribute('aria-expanded', 'false');
  search.removeAttribute('aria-activedescendant');
}

let placeMarker = null;
function choose(r) {
  hideResults();
  if (r.kind === 'place') {
    if (placeMarker) map.removeLayer(placeMarker);
    placeMarker = L.circleMarker([r.loc.lat, r.loc.lng], { radius: 9, color: '#0f172a', weight: 3, fillColor: '#facc15', fillOpacity: 1, pane: 'highlight' })
      .bindTooltip(`${fmtLatLng(r.loc)} · ${toMGRS(r.loc)}`, { permanent: true, direction: 'right' })
      .addTo(map);
    map.flyTo([r.loc.lat, r.loc.lng], Math.max(map.getZoom(), 10), { duration: 0.8 });
    announce(`Flying to ${r.loc.kind} ${fmtLatLng(r.loc)}`);
  } else {
    openFeature(r.collection, r.id, { fly: true });
    announce(`Opening ${r.label}`);
  }
}

// ---------- live updates ----------
let liveTimer = null;
const touched = new Set();
function startLive() {
  const liveEl = $('#live-state');
  let es;
  try {
    es = new EventSource('/events');
  } catch {
    return;
  }
  es.onopen = () => {
    liveEl.textContent = '● live';
    liveEl.className = 'live on';
  };
  es.onerror = () => {
    liveEl.textContent = '○ reconnecting';
    liveEl.className = 'live off';
  };
  es.onmessage = (msg) => {
    let ev;
    try {
      ev = JSON.parse(msg.data);
    } catch {
      return;
    }
    state.events++;
    state.lastEvent = ev;
    touched.add(`${ev.collection}/${ev.id}`);
    clearTimeout(liveTimer);
    liveTimer = setTimeout(applyLive, 150);
  };
  // The server could not resume where this page left off (it restarted on
  // another store, say): redraw everything from what it holds now.
  es.addEventListener('reset', () => {
    clearTimeout(liveTimer);
    liveTimer = setTimeout(applyLive, 150);
  });
  sitmap.events = es;
}

function applyLive() {
  tileCacheMode = 'no-cache';
  makeDataLayer();
  refreshCounts();
  const sel = state.selected;
  if (sel && touched.has(`${sel.collection}/${sel.id}`) && !editor.busy()) openFeature(sel.collection, sel.id);
  touched.clear();
  announce('Map updated with new data');
}

// ---------- sidebar toggle (narrow screens) ----------
const sbToggle = $('#sidebar-toggle');
sbToggle.addEventListener('click', () => {
  const open = document.body.classList.toggle('sidebar-open');
  sbToggle.setAttribute('aria-expanded', String(open));
  map.invalidateSize();
});
$('#panel-close').addEventListener('click', closePanel);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !$('#panel').hidden && !$('#dialog').open && !tools.active && !editor.busy() && document.activeElement !== search) closePanel();
});

// ---------- tools and editor ----------
const ctx = { map, state, itemsURL, getJSON, openFeature, closePanel, announce, redraw: () => makeDataLayer(), showSelected: () => state.selected && showSelected() };
const tools = new Tools(ctx);
const editor = new Editor(ctx);
sitmap.tools = tools;
sitmap.editor = editor;
const circles = new UncertaintyCircles(ctx);
sitmap.circles = circles;
map.on('moveend', () => circles.update());

// ---------- start ----------
async function start() {
  // The basemap's TileJSON can be slow on a cold server (it loads the
  // basemap on first use): it must not hold up the page.
  const basemapInfo = getJSON('/tiles/basemap.json').catch(() => null);
  const [landing, cols, tj] = await Promise.all([
    getJSON('/?f=json').catch(() => ({})),
    getJSON('/collections'),
    getJSON('/tiles/all.json').catch(() => null),
  ]);
  state.readOnly = landing.readOnly !== false;
  const list = cols.collections || [];
  list.sort((a, b) => (COLLECTION_ORDER.indexOf(a.id) + 99 * !COLLECTION_ORDER.includes(a.id)) - (COLLECTION_ORDER.indexOf(b.id) + 99 * !COLLECTION_ORDER.includes(b.id)));
  state.collections = list;
  for (const c of list) state.byId.set(c.id, c);
  state.visible = new Set(list.map((c) => c.id));
  if (tj && Number.isFinite(tj.maxzoom)) state.maxzoom = Math.min(tj.maxzoom, 16);
  state.days = computeDays();
  slider.min = '0';
  slider.max = String(state.days.length - 1);
  state.day = defaultDay();
  buildLayerList();

  // Initial view: the hash, else the data's extent.
  let bbox = null;
  for (const c of list) {
    const b = c.extent && c.extent.spatial && c.extent.spatial.bbox && c.extent.spatial.bbox[0];
    if (Array.isArray(b) && b.length >= 4) bbox = bbox ? [Math.min(bbox[0], b[0]), Math.min(bbox[1], b[1]), Math.max(bbox[2], b[2]), Math.max(bbox[3], b[3])] : b.slice(0, 4);
  }
  map.fitBounds(bbox ? [[bbox[1], bbox[0]], [bbox[3], bbox[2]]] : [[49, 14], [58, 33]], { animate: false });
  applyHash(true);
  // A permalink's filters are checked before any tile asks for them: one
  // the server refuses is left in its box with the reason, not applied.
  await Promise.all([...state.filters].map(async ([c, f]) => {
    if (!(await filterBoxes.get(c).check(f))) state.filters.delete(c);
  }));
  slider.value = String(state.days.indexOf(state.day));
  showDay(state.day);
  showPos(map.getCenter(), 'Centre');

  onlineBasemap(landing.basemapURL || landing.basemap_url);
  if (!landing.basemapURL && !landing.basemap_url) {
    basemapInfo.then((bj) => {
      if (bj && Number.isFinite(bj.maxzoom)) state.basemapMaxzoom = bj.maxzoom;
      // TileJSON attribution is plain text: Leaflet's control renders HTML, so escape it.
      if (bj && typeof bj.attribution === 'string') state.basemapAttribution = escapeText(bj.attribution);
      makeBasemap();
    });
  }
  makeDataLayer();
  refreshCounts();
  editor.init(state.readOnly);
  startLive();
  sitmap.ready = true;
  document.body.dataset.ready = '1';
  writeHash();
}

start().catch((err) => {
  console.error(err);
  announce(`The map could not start: ${err.message}`);
});
