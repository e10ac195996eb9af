// panel.js: the feature details panel. All feature text goes in as text
// nodes (dom.h), links only for http(s) URLs.
import { h, clear, safeURL } from './dom.js';
import { STATUS_COLOURS } from './style.js';
import { fmtLatLng, toMGRS } from './geo.js';
import { uncertaintyRadius, fmtUncertainty } from './uncertainty.js';

// instant parses an RFC 3339 date-time, or a bare date as UTC midnight
// (end: the last instant of that day), as the server does.
function instant(s, end) {
  if (!s) return NaN;
  const str = String(s);
  if (/^\d{4}-\d{2}-\d{2}$/.test(str)) return Date.parse(`${str}T00:00:00Z`) + (end ? 86400000 - 1 : 0);
  return Date.parse(str);
}

// statusOn resolves a feature's status on a day (YYYY-MM-DD) the way the
// server resolves tiles for ?datetime=DAY: the timeline entry whose
// [from, to) holds the start of the day (00:00 UTC) overrides the default
// status; the feature is valid that day if its validity meets the day.
export function statusOn(props, day) {
  let status = props.status;
  let note = '';
  if (!day) return { status, note, valid: true };
  const t = Date.parse(`${day}T00:00:00Z`);
  const dayEnd = t + 86400000 - 1;
  let valid = true;
  if (props.valid_from && instant(props.valid_from, false) > dayEnd) valid = false;
  if (props.valid_to && instant(props.valid_to, true) < t) valid = false;
  for (const e of timelineOf(props)) {
    const from = instant(e.from, false), to = e.to ? instant(e.to, false) : Infinity;
    if (t >= from && t < to) {
      status = e.status;
      note = e.note || '';
    }
  }
  return { status, note, valid };
}

function parseMaybeJSON(v) {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export function timelineOf(props) {
  const t = parseMaybeJSON(props.timeline);
  return Array.isArray(t) ? t.filter((e) => e && typeof e === 'object') : [];
}

export function sourcesOf(props) {
  const s = parseMaybeJSON(props.sources);
  return Array.isArray(s) ? s.filter((e) => e && typeof e === 'object') : [];
}

function fmtDate(s) {
  if (!s) return '';
  return String(s).replace('T00:00:00Z', '').replace('T', ' ');
}

function badge(status) {
  const colour = STATUS_COLOURS[status] || '#374151';
  return h('span', { class: 'badge', style: `background:${colour}` }, String(status ?? 'unknown'));
}

const KNOWN = new Set(['name', 'name_local', 'country', 'status', 'confidence', 'valid_from', 'valid_to', 'timeline', 'sources', 'description', 'updated', 'id', 'count', 'uncertainty_m']);
const EXTRA_LABELS = { mode: 'Mode', countries: 'Countries', lower: 'Lower limit', upper: 'Upper limit', schedule: 'Schedule', icao: 'ICAO', kind: 'Kind', exercise: 'Exercise' };

// renderFeature fills el with the details of a GeoJSON feature.
// opts: {collection, collectionTitle, day, asOf, actions: [nodes]}
export function renderFeature(el, feature, opts) {
  clear(el);
  const p = feature.properties || {};
  const { status, note, valid } = statusOn(p, opts.day);
  const head = h('header', { class: 'panel-head' },
    h('h2', { id: 'feature-title' }, String(p.name ?? feature.id ?? '(no name)')),
    p.name_local ? h('p', { class: 'name-local', lang: '' }, String(p.name_local)) : null,
    h('p', { class: 'muted' }, `${opts.collectionTitle || opts.collection} · ${feature.id ?? ''}`),
  );
  const dl = h('dl', { class: 'props' });
  const row = (k, ...v) => dl.append(h('dt', null, k), h('dd', null, ...v));
  row(`Status on ${opts.day || 'default'}`, badge(status), note ? ` ${note}` : '', valid ? '' : h('em', null, ' (outside its validity on this date)'));
  if (status !== p.status) row('Default status', String(p.status ?? ''));
  row('Confidence', h('span', { class: `conf conf-${String(p.confidence)}` }, String(p.confidence ?? 'unknown')));
  if (p.country) row('Country', String(p.country));
  if (p.valid_from || p.valid_to) row('Valid', `${fmtDate(p.valid_from) || '…'} → ${fmtDate(p.valid_to) || '…'}`);
  for (const [k, label] of Object.entries(EXTRA_LABELS)) {
    if (p[k] === undefined || p[k] === null || p[k] === '') continue;
    const v = parseMaybeJSON(p[k]);
    row(label, Array.isArray(v) ? v.join(' – ') : String(v));
  }
  for (const [k, v] of Object.entries(p)) {
    if (KNOWN.has(k) || k in EXTRA_LABELS || v === null || typeof v === 'object') continue;
    row(k, String(v));
  }
  if (p.updated) row('Updated', fmtDate(p.updated));
  if (opts.asOf) row('As recorded on', fmtDate(opts.asOf));
  if (feature.geometry && feature.geometry.type === 'Point') {
    const [lng, lat] = feature.geometry.coordinates;
    row('Position', fmtLatLng({ lat, lng }), h('br'), toMGRS({ lat, lng }));
  }
  const u = uncertaintyRadius(p);
  const isPoint = feature.geometry && feature.geometry.type === 'Point';
  if (u) row('Position uncertainty', `${fmtUncertainty(u)} ${isPoint ? '(radius: the faint circle round the point when zoomed in)' : '(the outline is approximate)'}`);
  else if (p.uncertainty_m !== undefined && p.uncertainty_m !== null) row('Position uncertainty', String(p.uncertainty_m));

  const parts = [head, dl];
  if (p.description) parts.push(h('section', null, h('h3', null, 'Description'), h('p', { class: 'desc' }, String(p.description))));

  const tl = timelineOf(p);
  if (tl.length) {
    const ol = h('ol', { class: 'timeline' });
    for (const e of tl) {
      const current = opts.day && statusOn({ status: undefined, timeline: [e] }, opts.day).status !== undefined;
      ol.append(h('li', { class: current ? 'current' : '' },
        h('span', { class: 'when' }, `${fmtDate(e.from) || '…'} → ${fmtDate(e.to) || '…'}`), ' ',
        badge(e.status), e.note ? ` ${e.note}` : '', current ? h('span', { class: 'sr-only' }, ' (in force on the chosen date)') : null));
    }
    parts.push(h('section', null, h('h3', null, 'Timeline'), ol));
  }

  const src = sourcesOf(p);
  const ul = h('ul', { class: 'sources' });
  for (const s of src) {
    const title = String(s.title ?? s.url ?? 'source');
    const url = safeURL(s.url);
    const meta = [s.publisher, s.date].filter(Boolean).map(String).join(', ');
    ul.append(h('li', null,
      url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer nofollow' }, title) : h('span', null, title),
      meta ? h('span', { class: 'muted' }, ` — ${meta}`) : null,
      !url && s.url ? h('span', { class: 'muted' }, ` (${String(s.url)})`) : null));
  }
  if (!src.length) ul.append(h('li', { class: 'muted' }, 'No source given.'));
  parts.push(h('section', { class: 'sources-section' }, h('h3', null, 'Sources'), ul));
  if (opts.actions && opts.actions.length) parts.push(h('div', { class: 'panel-actions' }, ...opts.actions));
  el.append(...parts);
}
