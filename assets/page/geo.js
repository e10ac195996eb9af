// geo.js: geodesy on the sphere (distances, bearings, destinations, rings)
// and parsing/formatting of coordinates (decimal degrees and MGRS).
import { forward as mgrsForward, toPoint as mgrsToPoint } from '/static/vendor/mgrs/mgrs.esm.js';

const R = 6371008.8; // mean Earth radius, metres
const rad = (d) => (d * Math.PI) / 180;
const deg = (r) => (r * 180) / Math.PI;

export function distance(a, b) {
  const φ1 = rad(a.lat), φ2 = rad(b.lat), dφ = φ2 - φ1, dλ = rad(b.lng - a.lng);
  const s = Math.sin(dφ / 2) ** 2 + Math.cos(φ1) * Math.cos(φ2) * Math.sin(dλ / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(s)));
}

export function bearing(a, b) {
  const φ1 = rad(a.lat), φ2 = rad(b.lat), dλ = rad(b.lng - a.lng);
  const y = Math.sin(dλ) * Math.cos(φ2);
  const x = Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(dλ);
  return (deg(Math.atan2(y, x)) + 360) % 360;
}

export function destination(a, brg, dist) {
  const δ = dist / R, θ = rad(brg), φ1 = rad(a.lat), λ1 = rad(a.lng);
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(δ) + Math.cos(φ1) * Math.sin(δ) * Math.cos(θ));
  const λ2 = λ1 + Math.atan2(Math.sin(θ) * Math.sin(δ) * Math.cos(φ1), Math.cos(δ) - Math.sin(φ1) * Math.sin(φ2));
  return { lat: deg(φ2), lng: deg(λ2) };
}

// greatCircle returns points along the great circle from a to b.
export function greatCircle(a, b, n = 64) {
  const pts = [];
  if (distance(a, b) === 0) return [a, b];
  // Step along by re-aiming at b each time: robust and accurate enough.
  let p = a;
  pts.push(a);
  for (let i = 1; i < n; i++) {
    const rest = distance(p, b);
    p = destination(p, bearing(p, b), rest / (n - i + 1));
    pts.push(p);
  }
  pts.push(b);
  return unwrap(pts);
}

// ring returns a closed geodesic circle of radius metres around c.
export function ring(c, radius, n = 180) {
  const pts = [];
  for (let i = 0; i <= n; i++) pts.push(destination(c, (360 * i) / n, radius));
  return unwrap(pts);
}

// unwrap keeps consecutive longitudes within 180° so lines do not jump.
function unwrap(pts) {
  const out = [pts[0]];
  for (let i = 1; i < pts.length; i++) {
    let lng = pts[i].lng;
    const prev = out[i - 1].lng;
    while (lng - prev > 180) lng -= 360;
    while (lng - prev < -180) lng += 360;
    out.push({ lat: pts[i].lat, lng });
  }
  return out;
}

export function fmtDistance(m) {
  if (m >= 100000) return `${Math.round(m / 1000).toLocaleString('en')} km`;
  if (m >= 1000) return `${(m / 1000).toFixed(1)} km`;
  return `${Math.round(m)} m`;
}

export function fmtBearing(b) {
  return `${b.toFixed(1).padStart(5, '0')}°`;
}

export function fmtLatLng(ll) {
  const lat = ll.lat, lng = ((((ll.lng + 180) % 360) + 360) % 360) - 180;
  return `${Math.abs(lat).toFixed(5)}°${lat >= 0 ? 'N' : 'S'} ${Math.abs(lng).toFixed(5)}°${lng >= 0 ? 'E' : 'W'}`;
}

export function toMGRS(ll, accuracy = 5) {
  const lng = ((((ll.lng + 180) % 360) + 360) % 360) - 180;
  if (ll.lat < -80 || ll.lat > 84) return '—';
  try {
    const s = mgrsForward([lng, ll.lat], accuracy);
    // 35UNV1234567890 -> 35U NV 12345 67890
    const m = /^(\d{1,2}[C-X])([A-Z]{2})(\d*)$/.exec(s);
    if (!m) return s;
    const d = m[3], k = d.length / 2;
    return `${m[1]} ${m[2]} ${d.slice(0, k)} ${d.slice(k)}`.trim();
  } catch {
    return '—';
  }
}

// parseLocation reads "52.1, 23.6", "52.1N 23.6E", "52°05'N 23°36'E" or an
// MGRS reference ("35U NV 12345 67890", "35UNV1234567890"); it returns
// {lat, lng, kind} or null.
export function parseLocation(text) {
  const s = String(text).trim().toUpperCase();
  if (!s) return null;
  const compact = s.replace(/\s+/g, '');
  if (/^\d{1,2}[C-HJ-NP-X][A-HJ-NP-Z]{2}(\d{2}|\d{4}|\d{6}|\d{8}|\d{10})?$/.test(compact)) {
    try {
      const [lng, lat] = mgrsToPoint(compact);
      if (Number.isFinite(lat) && Number.isFinite(lng)) return { lat, lng, kind: 'MGRS' };
    } catch {
      /* not MGRS after all */
    }
  }
  const parts = s.match(/(-?\d+(?:\.\d+)?)\s*°?\s*(?:(\d+(?:\.\d+)?)\s*['′]\s*)?(?:(\d+(?:\.\d+)?)\s*(?:"|″|'')\s*)?([NSEW])?/g);
  if (!parts) return null;
  const vals = [];
  const re = /(-?\d+(?:\.\d+)?)\s*°?\s*(?:(\d+(?:\.\d+)?)\s*['′]\s*)?(?:(\d+(?:\.\d+)?)\s*(?:"|″|'')\s*)?([NSEW])?/;
  for (const p of parts) {
    const m = re.exec(p);
    if (!m || m[0].trim() === '') continue;
    let v = Math.abs(parseFloat(m[1])) + (m[2] ? parseFloat(m[2]) / 60 : 0) + (m[3] ? parseFloat(m[3]) / 3600 : 0);
    if (m[1].startsWith('-') || m[4] === 'S' || m[4] === 'W') v = -v;
    vals.push({ v, hemi: m[4] || '' });
  }
  if (vals.length !== 2) return null;
  // The rest of the string may hold nothing but separators.
  if (s.replace(/[-\d.\s°'′"″,;NSEW]/g, '') !== '') return null;
  let [a, b] = vals;
  if (a.hemi === 'E' || a.hemi === 'W' || b.hemi === 'N' || b.hemi === 'S') [a, b] = [b, a];
  const lat = a.v, lng = b.v;
  if (Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
  return { lat, lng, kind: 'lat/lon' };
}
