// api.js: the server's HTTP API as the page uses it: JSON reads, the items
// and feature URLs with the view's two times, and a vector-tile source.

export async function getJSON(url) {
  const resp = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!resp.ok) throw new Error(`${url}: HTTP ${resp.status}`);
  return resp.json();
}

function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export function itemsURL(collection, params) {
  return withQuery(`/collections/${encodeURIComponent(collection)}/items`, params);
}

export function featureURL(collection, id, params) {
  return withQuery(`/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(id)}`, params);
}

export function versionsURL(collection, id) {
  return `${featureURL(collection, id)}/versions`;
}

// viewParams are the parameters every query of the view carries: the
// situation date (valid time) and the "as recorded on" time (record time).
export function viewParams(state, extra) {
  return { datetime: state.day || undefined, as_of: state.asOf || undefined, ...extra };
}

// TileSource is a vector-tile source of our own, in the shape
// protomaps-leaflet takes for a PMTiles archive (a `url` that is an object
// with getZxy(z, x, y, signal) resolving to {data} or undefined): so the
// page decides how tiles are fetched without patching window.fetch. A 204
// (empty tile) is an empty tile; any other non-2xx answer is an error, not
// a tile. cache is the fetch cache mode ('no-cache' revalidates).
export class TileSource {
  constructor(template, cache = 'default') {
    this.template = template;
    this.cache = cache;
  }

  async getZxy(z, x, y, signal) {
    const url = this.template.replace('{z}', z).replace('{x}', x).replace('{y}', y);
    const resp = await fetch(url, { signal, cache: this.cache });
    if (resp.status === 204) return undefined;
    if (!resp.ok) throw new Error(`tile ${url}: HTTP ${resp.status}`);
    return { data: await resp.arrayBuffer() };
  }
}

// changedSince lists the features written at or after since and, when
// until is given (the "as recorded on" time), not after it (RFC 3339), as
// "collection/id" keys, following the pages of /changes up to a bound.
export async function changedSince(since, until, maxPages = 20) {
  const keys = new Set();
  const end = until ? Date.parse(until) : Infinity;
  let next = `/changes?${new URLSearchParams({ since, limit: '1000' })}`;
  for (let i = 0; next && i < maxPages; i++) {
    const page = await getJSON(next);
    for (const c of page.changes || []) if (Date.parse(c.time) <= end) keys.add(`${c.collection}/${c.id}`);
    const link = (page.links || []).find((l) => l.rel === 'next');
    next = link ? link.href : null;
  }
  return keys;
}
