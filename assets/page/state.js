// state.js: the one state object of the page. Modules get it passed in
// (through the app context that start() builds); nothing lives in globals.

export function createState() {
  return {
    collections: [], // collection documents, in drawing order
    byId: new Map(),
    visible: new Set(),
    filters: new Map(), // collection id -> CQL2 text the server accepted
    days: [], // ['2025-09-01', ...]
    day: '', // the situation date (valid time)
    asOf: '', // "as recorded on" (record time, RFC 3339), '' for now
    since: '', // "changed since" (RFC 3339), '' for off
    changed: new Set(), // "collection/id" of the features written since then
    selected: null, // {collection, id, feature, etag}
    panelTab: 'details', // 'details' | 'history'
    readOnly: true,
    maxzoom: 14,
    events: 0,
    lastEvent: null,
    loads: 0,
    ready: false,
  };
}

// rfc3339 normalises what a date-time input or a permalink holds to an
// RFC 3339 UTC time the server reads: "2025-09-14T10:00" and
// "2025-09-14T10:00:00Z" both give "2025-09-14T10:00:00Z"; a bare date is
// the end of that day (the server reads as_of=DATE so); '' for anything else.
export function rfc3339(s) {
  const v = String(s || '').trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return `${v}T23:59:59Z`;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2}(\.\d{1,9})?)?Z?$/.exec(v);
  if (!m) return '';
  const out = `${m[1]}${m[2] || ':00'}Z`;
  return Number.isFinite(Date.parse(out)) ? out : '';
}

// localInput is an RFC 3339 UTC time as a datetime-local input shows it
// (the inputs are labelled UTC).
export function localInput(t) {
  return t ? t.replace(/Z$/, '').replace(/\.\d+$/, '') : '';
}
