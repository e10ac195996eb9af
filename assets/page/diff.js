// diff.js: what changed between two versions of a feature: properties old
// and new, how far the geometry moved, sources added and removed. Pure
// functions of the GeoJSON; history.js shows them.
import { distance } from './geo.js';
import { sourcesOf } from './panel.js';

// META are set by the history API on each version, not written by editors.
const META = new Set(['version', 'updated', 'editor', 'change']);

function shown(v) {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

// propertyChanges lists {name, before, after} (as text) for every property
// that differs, sources aside (sourceChanges says those).
export function propertyChanges(oldProps, newProps) {
  const a = oldProps || {}, b = newProps || {};
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !META.has(k) && k !== 'sources').sort();
  const out = [];
  for (const name of names) {
    const before = shown(a[name]), after = shown(b[name]);
    if (before !== after) out.push({ name, before, after });
  }
  return out;
}

function sourceKey(s) {
  return `${s.title ?? ''}|${s.url ?? ''}|${s.publisher ?? ''}|${s.date ?? ''}`;
}

function sourceLabel(s) {
  return [s.title, s.publisher, s.date].filter(Boolean).map(String).join(', ') || String(s.url ?? 'source');
}

// sourceChanges lists the sources (as labels) that one version added and
// removed.
export function sourceChanges(oldProps, newProps) {
  const a = sourcesOf(oldProps || {}), b = sourcesOf(newProps || {});
  const ka = new Set(a.map(sourceKey)), kb = new Set(b.map(sourceKey));
  return {
    added: b.filter((s) => !ka.has(sourceKey(s))).map(sourceLabel),
    removed: a.filter((s) => !kb.has(sourceKey(s))).map(sourceLabel),
  };
}

function positions(coords, out) {
  if (typeof coords[0] === 'number') out.push(coords);
  else for (const c of coords) positions(c, out);
  return out;
}

// centre is the mean of a geometry's positions (a point's own position),
// the closing position of each ring left out so it does not count twice.
export function centre(geometry) {
  if (!geometry || !geometry.coordinates) return null;
  const rings = geometry.type === 'Point' ? [[geometry.coordinates]] : [];
  if (!rings.length) {
    const parts = geometry.type.endsWith('Polygon') ? (geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat()) : [positions(geometry.coordinates, [])];
    for (const r of parts) rings.push(r.length > 1 && r[0][0] === r[r.length - 1][0] && r[0][1] === r[r.length - 1][1] ? r.slice(0, -1) : r);
  }
  let lng = 0, lat = 0, n = 0;
  for (const r of rings) for (const p of r) {
    lng += p[0];
    lat += p[1];
    n++;
  }
  return n ? { lat: lat / n, lng: lng / n } : null;
}

// moved is how far (metres, on the sphere) the geometry's centre moved,
// or null when either version has no geometry.
export function moved(oldGeom, newGeom) {
  const a = centre(oldGeom), b = centre(newGeom);
  return a && b ? distance(a, b) : null;
}

// geometryChanged says whether the coordinates differ at all (a reshape
// may leave the centre where it was).
export function geometryChanged(oldGeom, newGeom) {
  return JSON.stringify(oldGeom || null) !== JSON.stringify(newGeom || null);
}
