// style.js: how each collection is drawn on the canvas tiles, and the legend.
//
// Status is colour (a closed crossing is a large red square with a white
// cross; open is a small green disc), confidence is line style and opacity
// (confirmed: solid and opaque; reported: dashed; suspected: dotted and
// faded), and airfields and military sites are APP-6 / MIL-STD-2525 symbols
// drawn by milsymbol (a dashed frame marks a suspected or reported fact).
/* global ms */

export const COLLECTION_ORDER = ['training-grounds', 'airspace-restrictions', 'military-sites', 'airfields', 'border-crossings'];

export const STATUS_COLOURS = {
  open: '#1b7f3b',
  closed: '#c8102e',
  restricted: '#d97706',
  active: '#c2410c',
  inactive: '#6b7280',
  modernised: '#7c3aed',
  'under-construction': '#b45309',
  suspected: '#6b21a8',
};

const AIRSPACE = { active: '#1d4ed8', inactive: '#94a3b8' };

export const CONFIDENCE = {
  confirmed: { dash: [], alpha: 1, label: 'confirmed: solid line, full colour' },
  reported: { dash: [8, 5], alpha: 0.85, label: 'reported: dashed line' },
  suspected: { dash: [2, 4], alpha: 0.6, label: 'suspected: dotted line, faded' },
};

function conf(props) {
  return CONFIDENCE[props.confidence] || CONFIDENCE.reported;
}

// Countries whose forces are shown with the hostile (red diamond) frame.
const HOSTILE = new Set(['BY', 'RU']);

function affiliation(props) {
  return HOSTILE.has(String(props.country || '').toUpperCase()) ? 'H' : 'F';
}

// sidc builds a 15-character letter SIDC (2525C / APP-6B) for a point.
export function sidc(collection, props) {
  const aff = affiliation(props);
  const planned = props.confidence === 'suspected' || props.status === 'under-construction' || props.status === 'suspected';
  const st = planned ? 'A' : 'P';
  let fn = 'IB----';
  if (collection === 'airfields') fn = 'IBA---';
  else if (/missile|oreshnik|iskander|launch/i.test(`${props.kind || ''} ${props.name || ''}`)) fn = 'IMM---';
  return `S${aff}G${st}${fn}H****`;
}

const symbolCache = new Map();

// militarySymbol returns {canvas, anchor} for a point feature.
export function militarySymbol(collection, props, size = 22) {
  const code = sidc(collection, props);
  const status = String(props.status || '');
  const key = `${code}|${status}|${size}`;
  let sym = symbolCache.get(key);
  if (!sym) {
    const opts = { size, fill: true, outlineWidth: 2, outlineColor: '#ffffff' };
    if (status === 'inactive') opts.fillColor = '#d1d5db';
    if (status === 'modernised') opts.infoColor = STATUS_COLOURS.modernised;
    const s = new ms.Symbol(code, opts);
    const canvas = s.asCanvas(window.devicePixelRatio || 1);
    const a = s.getAnchor(), dim = s.getSize();
    sym = { canvas, anchor: a, w: dim.width, h: dim.height };
    // A coloured bar under the symbol tells its status at a glance.
    symbolCache.set(key, sym);
  }
  return sym;
}

function strokePath(ctx, geom, close) {
  ctx.beginPath();
  for (const ring of geom) {
    for (let i = 0; i < ring.length; i++) {
      const p = ring[i];
      if (i === 0) ctx.moveTo(p.x, p.y);
      else ctx.lineTo(p.x, p.y);
    }
    if (close) ctx.closePath();
  }
}

// PolygonStyle draws one polygon collection with data-driven colour and dash.
export class PolygonStyle {
  constructor(collection) {
    this.collection = collection;
  }
  draw(ctx, geom, z, f) {
    const p = f.props;
    const c = conf(p);
    let colour = STATUS_COLOURS[p.status] || '#374151';
    let fillAlpha = 0.28;
    let width = 2;
    if (this.collection === 'airspace-restrictions') {
      colour = AIRSPACE[p.status] || AIRSPACE.active;
      fillAlpha = p.status === 'inactive' ? 0.04 : 0.12;
    } else if (this.collection === 'training-grounds') {
      const active = p.status === 'active';
      fillAlpha = active ? 0.42 : 0.08;
      width = active ? 3 : 1.5;
    } else if (this.collection === 'military-sites') {
      fillAlpha = 0.25;
    }
    ctx.save();
    strokePath(ctx, geom, true);
    ctx.globalAlpha = fillAlpha * c.alpha;
    ctx.fillStyle = colour;
    ctx.fill('evenodd');
    if (this.collection === 'airspace-restrictions' && p.status !== 'inactive') {
      // hatch restricted airspace so it reads differently from ground areas
      ctx.clip('evenodd');
      ctx.globalAlpha = 0.35 * c.alpha;
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let x = -256; x < 512; x += 10) {
        ctx.moveTo(x, 0);
        ctx.lineTo(x + 256, 256);
      }
      ctx.stroke();
    }
    ctx.restore();
    ctx.save();
    strokePath(ctx, geom, true);
    ctx.globalAlpha = c.alpha;
    ctx.setLineDash(c.dash);
    ctx.lineWidth = width;
    ctx.strokeStyle = colour;
    ctx.stroke();
    ctx.restore();
  }
}

// ChangedStyle rings the features written since the "changed since" time:
// a paint rule drawn under the data (and under the point symbols, which are
// labels), so no symbol's collision box can drop it. drawn collects the
// "collection/id" of each feature it rang.
export class ChangedStyle {
  constructor(collection, drawn) {
    this.collection = collection;
    this.drawn = drawn;
  }
  draw(ctx, geom, z, f) {
    this.drawn.add(`${this.collection}/${f.props.id ?? f.id}`);
    ctx.save();
    ctx.strokeStyle = '#d946ef';
    ctx.globalAlpha = 0.85;
    if (f.geomType === 1) {
      ctx.lineWidth = 4;
      for (const part of geom) for (const p of part) {
        ctx.beginPath();
        ctx.arc(p.x, p.y, 16, 0, 2 * Math.PI);
        ctx.stroke();
      }
    } else {
      strokePath(ctx, geom, f.geomType === 3);
      ctx.lineWidth = 8;
      ctx.stroke();
    }
    ctx.restore();
  }
}

// LineStyle draws line features of any data collection.
export class LineStyle {
  draw(ctx, geom, z, f) {
    const p = f.props, c = conf(p);
    ctx.save();
    strokePath(ctx, geom, false);
    ctx.globalAlpha = c.alpha;
    ctx.setLineDash(c.dash);
    ctx.lineWidth = 3;
    ctx.strokeStyle = STATUS_COLOURS[p.status] || '#374151';
    ctx.stroke();
    ctx.restore();
  }
}

function drawCrossing(ctx, p) {
  const c = conf(p);
  const status = p.status;
  ctx.save();
  ctx.globalAlpha = c.alpha;
  ctx.lineWidth = 2;
  ctx.setLineDash(c.dash.length ? [3, 2] : []);
  if (status === 'closed') {
    const r = 9;
    ctx.fillStyle = STATUS_COLOURS.closed;
    ctx.strokeStyle = '#ffffff';
    ctx.beginPath();
    ctx.rect(-r, -r, 2 * r, 2 * r);
    ctx.fill();
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.moveTo(-5, -5);
    ctx.lineTo(5, 5);
    ctx.moveTo(5, -5);
    ctx.lineTo(-5, 5);
    ctx.stroke();
  } else if (status === 'restricted') {
    const r = 9;
    ctx.fillStyle = STATUS_COLOURS.restricted;
    ctx.strokeStyle = '#ffffff';
    ctx.beginPath();
    ctx.moveTo(0, -r);
    ctx.lineTo(r, r * 0.8);
    ctx.lineTo(-r, r * 0.8);
    ctx.closePath();
    ctx.fill();
    ctx.stroke();
  } else {
    ctx.fillStyle = STATUS_COLOURS[status] || STATUS_COLOURS.open;
    ctx.strokeStyle = '#ffffff';
    ctx.beginPath();
    ctx.arc(0, 0, 6, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
  ctx.restore();
}

function drawCluster(ctx, n, colour) {
  const r = 8 + Math.min(12, Math.log10(n) * 5);
  ctx.save();
  ctx.fillStyle = colour;
  ctx.globalAlpha = 0.85;
  ctx.beginPath();
  ctx.arc(0, 0, r, 0, 2 * Math.PI);
  ctx.fill();
  ctx.globalAlpha = 1;
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#ffffff';
  ctx.stroke();
  ctx.fillStyle = '#ffffff';
  ctx.font = '600 11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(n >= 1000 ? `${Math.round(n / 100) / 10}k` : String(n), 0, 0);
  ctx.restore();
}

// PointStyle places point symbols through protomaps' label index, so that a
// symbol near a tile edge is drawn whole on both tiles. Its collision box is
// tiny: symbols are never dropped for overlapping, only exact duplicates
// (the same point in a neighbouring tile's buffer) are.
export class PointStyle {
  constructor(collection) {
    this.collection = collection;
  }
  place(layout, geom, feature) {
    const pt = geom[0] && geom[0][0];
    if (!pt) return undefined;
    const p = feature.props;
    const anchor = pt;
    const bbox = { minX: pt.x - 0.5, minY: pt.y - 0.5, maxX: pt.x + 0.5, maxY: pt.y + 0.5 };
    const collection = this.collection;
    const n = Number(p.count || 1);
    const draw = (ctx) => {
      if (n > 1) {
        drawCluster(ctx, n, collection === 'border-crossings' ? '#334155' : '#7f1d1d');
      } else if (collection === 'border-crossings') {
        drawCrossing(ctx, p);
      } else if (collection === 'airfields' || collection === 'military-sites') {
        const s = militarySymbol(collection, p);
        ctx.save();
        ctx.globalAlpha = p.confidence === 'suspected' ? 0.75 : 1;
        ctx.drawImage(s.canvas, -s.anchor.x, -s.anchor.y, s.w, s.h);
        ctx.restore();
        // status bar under the symbol
        ctx.save();
        ctx.fillStyle = STATUS_COLOURS[p.status] || '#374151';
        ctx.strokeStyle = '#ffffff';
        ctx.lineWidth = 1;
        ctx.fillRect(-8, s.h - s.anchor.y + 1, 16, 4);
        ctx.strokeRect(-8, s.h - s.anchor.y + 1, 16, 4);
        ctx.restore();
      } else {
        // any other collection: a small disc in the status colour
        const c = conf(p);
        ctx.save();
        ctx.globalAlpha = c.alpha;
        ctx.fillStyle = STATUS_COLOURS[p.status] || '#374151';
        ctx.strokeStyle = '#ffffff';
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.arc(0, 0, 4, 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
        ctx.restore();
      }
    };
    return [{ anchor, bboxes: [bbox], draw }];
  }
}

// legendEntries returns, per collection, a list of [swatch canvas, text].
export function legendSwatch(collection, props) {
  const c = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  c.width = 28 * dpr;
  c.height = 28 * dpr;
  c.style.width = '28px';
  c.style.height = '28px';
  c.setAttribute('aria-hidden', 'true');
  const ctx = c.getContext('2d');
  ctx.scale(dpr, dpr);
  ctx.translate(14, 14);
  if (collection === 'border-crossings') {
    drawCrossing(ctx, props);
  } else if (collection === 'airfields' || collection === 'military-sites') {
    const s = militarySymbol(collection, props, 14);
    ctx.drawImage(s.canvas, -s.anchor.x, -s.anchor.y, s.w, s.h);
  } else {
    ctx.translate(-14, -14);
    const geom = [[{ x: 4, y: 6 }, { x: 24, y: 6 }, { x: 24, y: 22 }, { x: 4, y: 22 }, { x: 4, y: 6 }]];
    new PolygonStyle(collection).draw(ctx, geom, 8, { props });
  }
  return c;
}

// STATUS_LABELS words a status in the legend where the bare word says too
// little; the statuses themselves come from the collection document.
const STATUS_LABELS = {
  'training-grounds': { active: 'active (exercise under way)' },
  'airspace-restrictions': { active: 'restricted airspace in force', inactive: 'not in force' },
  'military-sites': { suspected: 'suspected site (dashed frame)' },
};

// legendEntries lists [swatch props, text] for a collection document: one
// entry per status of its vocabulary (the server's), and for APP-6 symbol
// layers the two frames.
export function legendEntries(c) {
  const labels = STATUS_LABELS[c.id] || {};
  const statuses = Array.isArray(c.statuses) ? c.statuses.map(String) : [];
  const out = statuses.map((status) => [{ status, confidence: status === 'suspected' ? 'suspected' : 'confirmed', country: 'BY' }, labels[status] || status]);
  if (c.id === 'airfields' || c.id === 'military-sites') {
    out.push([{ status: statuses[0] || '', confidence: 'confirmed', country: 'BY' }, 'BY/RU: hostile frame'],
      [{ status: statuses[0] || '', confidence: 'confirmed', country: 'PL' }, 'allied: friendly frame']);
  }
  return out;
}

// confidenceSwatch draws the line style that marks a level of confidence.
export function confidenceSwatch(level) {
  const c = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  c.width = 28 * dpr;
  c.height = 14 * dpr;
  c.style.width = '28px';
  c.style.height = '14px';
  c.setAttribute('aria-hidden', 'true');
  const ctx = c.getContext('2d');
  ctx.scale(dpr, dpr);
  const conf = CONFIDENCE[level];
  ctx.globalAlpha = conf.alpha;
  ctx.setLineDash(conf.dash);
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = '#1f2937';
  ctx.beginPath();
  ctx.moveTo(1, 7);
  ctx.lineTo(27, 7);
  ctx.stroke();
  return c;
}
