// map.js: the Leaflet map, its panes and the basemap.
/* global L, protomapsL */
import { basemapRules, SEA } from './basemap.js';
import { TileSource } from './api.js';
import { fmtLatLng, toMGRS } from './geo.js';

// createMap makes the map in el: called once by start(), never on import.
export function createMap(el) {
  const map = L.map(el, { zoomControl: true, preferCanvas: false, worldCopyJump: true, minZoom: 2, maxZoom: 18 });
  map.attributionControl.setPrefix(false);
  L.control.scale({ imperial: false, maxWidth: 160, position: 'bottomleft' }).addTo(map);
  map.createPane('datatiles').style.zIndex = 350;
  map.createPane('highlight').style.zIndex = 420;
  el.style.background = SEA;
  return map;
}

// addOnlineBasemap adds the raster basemap an operator configured (sitmap
// serve --basemap-url); by default there is none and nothing leaves the origin.
export function addOnlineBasemap(map, url) {
  if (typeof url !== 'string' || !/^https?:\/\/[^/]+\/.*\{z\}.*\{x\}.*\{y\}/.test(url)) return false;
  L.tileLayer(url, { maxZoom: 19, opacity: 0.9, attribution: 'Online basemap configured by the operator' }).addTo(map);
  return true;
}

function escapeText(s) {
  const d = document.createElement('div');
  d.textContent = s;
  return d.innerHTML;
}

// addBasemap draws the server's own basemap tiles; info is its TileJSON
// (or null), whose attribution is plain text: Leaflet's control renders
// HTML, so it is escaped.
export function addBasemap(map, state, info) {
  const maxzoom = info && Number.isFinite(info.maxzoom) ? info.maxzoom : state.maxzoom;
  const attribution = info && typeof info.attribution === 'string' ? escapeText(info.attribution) : 'Basemap: sitmap';
  const { paintRules, labelRules } = basemapRules();
  protomapsL.leafletLayer({
    url: new TileSource('/tiles/basemap/{z}/{x}/{y}.mvt'),
    levelDiff: 0,
    maxDataZoom: maxzoom,
    paintRules,
    labelRules,
    backgroundColor: SEA,
    attribution,
  }).addTo(map);
}

// bindCursor shows the cursor's position (or the map centre's) in decimal
// degrees and MGRS in the status bar.
export function bindCursor(map) {
  const dd = document.getElementById('cursor-dd');
  const mgrs = document.getElementById('cursor-mgrs');
  const show = (ll, label) => {
    dd.textContent = `${label} ${fmtLatLng(ll)}`;
    mgrs.textContent = `MGRS ${toMGRS(ll)}`;
  };
  map.on('mousemove', (e) => show(e.latlng, 'Cursor'));
  map.on('mouseout moveend', () => show(map.getCenter(), 'Centre'));
  show(map.getCenter(), 'Centre');
}

// dataBounds is the union of the collections' spatial extents as Leaflet
// bounds, or the first data set's area when none says one.
export function dataBounds(collections) {
  let bbox = null;
  for (const c of collections) {
    const b = c.extent && c.extent.spatial && c.extent.spatial.bbox && c.extent.spatial.bbox[0];
    if (Array.isArray(b) && b.length >= 4) bbox = bbox ? [Math.min(bbox[0], b[0]), Math.min(bbox[1], b[1]), Math.max(bbox[2], b[2]), Math.max(bbox[3], b[3])] : b.slice(0, 4);
  }
  return bbox ? [[bbox[1], bbox[0]], [bbox[3], bbox[2]]] : [[49, 14], [58, 33]];
}
