#!/usr/bin/env node
// build.mjs writes all.json: the data layers of the "all" tile set as the map
// page draws them (assets/page/style.js), for the server to put over the
// basemap style (basemap.json, written by hand). Run from the repository
// root after changing the colours or rules here:
//
//   node assets/styles/build.mjs
//
// The output is committed. Every rule that depends on a property's value is
// a layer with a filter and constant paint, not a data-driven paint
// expression: QGIS 3.22's style converter drops or misplaces data-driven
// circle colours, products of expressions and string match labels, and
// MapLibre draws both forms the same. Filters use the legacy syntax, which
// QGIS converts fully (including "$type" and "!has").
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// From assets/page/style.js.
const STATUS = {
  open: '#1b7f3b', closed: '#c8102e', restricted: '#d97706', active: '#c2410c', inactive: '#6b7280',
  modernised: '#7c3aed', 'under-construction': '#b45309', suspected: '#6b21a8',
};
const OTHER = '#374151';
const AIRSPACE = { active: '#1d4ed8', inactive: '#94a3b8' };

// Confidence is line style and opacity: confirmed solid and opaque, reported
// dashed, suspected dotted and faded; a missing value reads as reported.
const CONFIDENCE = [
  { name: 'confirmed', filter: [['==', 'confidence', 'confirmed']], alpha: 1 },
  { name: 'reported', filter: [['!=', 'confidence', 'confirmed'], ['!=', 'confidence', 'suspected']], alpha: 0.85, dash: [3, 2] },
  { name: 'suspected', filter: [['==', 'confidence', 'suspected']], alpha: 0.6, dash: [1, 2] },
];

// Each collection's vocabulary, from its collection definition, and how the
// page draws each status.
const POLYGONS = {
  'training-grounds': {
    active: { colour: STATUS.active, fill: 0.42, width: 3 },
    inactive: { colour: STATUS.inactive, fill: 0.08, width: 1.5 },
  },
  'airspace-restrictions': {
    active: { colour: AIRSPACE.active, fill: 0.12, width: 2 },
    inactive: { colour: AIRSPACE.inactive, fill: 0.04, width: 2 },
  },
  'military-sites': Object.fromEntries(['active', 'under-construction', 'suspected']
    .map((s) => [s, { colour: STATUS[s], fill: 0.25, width: 2 }])),
};
const POINTS = {
  'military-sites': Object.fromEntries(['active', 'under-construction', 'suspected'].map((s) => [s, { colour: STATUS[s], radius: 6 }])),
  airfields: Object.fromEntries(['active', 'modernised', 'inactive'].map((s) => [s, { colour: STATUS[s], radius: 6 }])),
  'border-crossings': {
    open: { colour: STATUS.open, radius: 6 },
    restricted: { colour: STATUS.restricted, radius: 8 },
    closed: { colour: STATUS.closed, radius: 9 },
  },
};
const CLUSTER = { 'border-crossings': '#334155', airfields: '#7f1d1d', 'military-sites': '#7f1d1d' };

const src = (cid) => ({ source: 'sitmap', 'source-layer': cid });
const all = (...f) => (f.length === 1 ? f[0] : ['all', ...f]);
const isPoint = ['==', '$type', 'Point'];
const isPolygon = ['==', '$type', 'Polygon'];
const single = ['any', ['!has', 'count'], ['<=', 'count', 1]];

// statuses yields each status rule with its filter, and a last rule for a
// status outside the vocabulary, drawn in the neutral colour.
function* statuses(rules, fallback) {
  for (const [status, rule] of Object.entries(rules)) yield { status, rule, filter: ['==', 'status', status] };
  yield { status: 'other', rule: { ...fallback }, filter: ['!in', 'status', ...Object.keys(rules)] };
}

const layers = [];
for (const [cid, rules] of Object.entries(POLYGONS)) {
  for (const { status, rule, filter } of statuses(rules, { ...Object.values(rules)[0], colour: OTHER })) {
    for (const c of CONFIDENCE) {
      layers.push({ id: `${cid}-${status}-${c.name}-fill`, type: 'fill', ...src(cid), filter: all(isPolygon, filter, ...c.filter),
        paint: { 'fill-color': rule.colour, 'fill-opacity': Math.round(rule.fill * c.alpha * 1000) / 1000 } });
      const line = { 'line-color': rule.colour, 'line-width': rule.width, 'line-opacity': c.alpha };
      if (c.dash) line['line-dasharray'] = c.dash;
      layers.push({ id: `${cid}-${status}-${c.name}-outline`, type: 'line', ...src(cid), filter: all(isPolygon, filter, ...c.filter), paint: line });
    }
  }
}
for (const [cid, rules] of Object.entries(POINTS)) {
  for (const { status, rule, filter } of statuses(rules, { colour: OTHER, radius: 6 })) {
    for (const c of CONFIDENCE) {
      layers.push({ id: `${cid}-${status}-${c.name}`, type: 'circle', ...src(cid), filter: all(isPoint, single, filter, ...c.filter),
        paint: { 'circle-color': rule.colour, 'circle-radius': rule.radius, 'circle-opacity': c.alpha,
          'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2, 'circle-stroke-opacity': c.alpha } });
    }
  }
}
// A closed crossing carries a white cross, as on the page.
layers.push({ id: 'border-crossings-closed-cross', type: 'symbol', ...src('border-crossings'),
  filter: all(isPoint, single, ['==', 'status', 'closed']),
  layout: { 'text-field': '\u00d7', 'text-font': ['DejaVu Sans Bold'], 'text-size': 16, 'text-allow-overlap': true, 'text-ignore-placement': true },
  paint: { 'text-color': '#ffffff' } });
// Thinned points: a disc with the number of points it stands for.
for (const [cid, colour] of Object.entries(CLUSTER)) {
  const filter = all(isPoint, ['>', 'count', 1]);
  layers.push({ id: `${cid}-clusters`, type: 'circle', ...src(cid), filter,
    paint: { 'circle-color': colour, 'circle-opacity': 0.85, 'circle-radius': 12, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 } });
  layers.push({ id: `${cid}-cluster-counts`, type: 'symbol', ...src(cid), filter,
    layout: { 'text-field': '{count}', 'text-font': ['DejaVu Sans Bold'], 'text-size': 11, 'text-allow-overlap': true },
    paint: { 'text-color': '#ffffff' } });
}

const doc = {
  metadata: { 'sitmap:about': 'Written by build.mjs: the data layers of the "all" tile set as the map page draws them. The server puts them over the basemap style and sets the source URL. The page\'s APP-6 symbols for airfields and military sites are discs in the status colour here.' },
  sources: { sitmap: { type: 'vector', url: '/tiles/all.json' } },
  layers,
};
writeFileSync(join(here, 'all.json'), `${JSON.stringify(doc, null, 1)}\n`);
console.log(`all.json: ${layers.length} layers`);
