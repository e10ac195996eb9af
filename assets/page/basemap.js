// basemap.js: paint and label rules for the server's `basemap` tileset
// (layers land, water, rivers, coastline, boundaries, labels).
/* global protomapsL */

export const SEA = '#b9d7ea';
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", "Liberation Sans", sans-serif';

export function basemapRules() {
  const P = protomapsL;
  const paintRules = [
    { dataLayer: 'land', symbolizer: new P.PolygonSymbolizer({ fill: '#f3f1ea', stroke: '#f3f1ea', width: 0.5 }) },
    { dataLayer: 'water', symbolizer: new P.PolygonSymbolizer({ fill: SEA }) },
    { dataLayer: 'rivers', symbolizer: new P.LineSymbolizer({ color: '#8fbfdc', width: (z) => (z < 6 ? 0.6 : z < 9 ? 1.2 : 2) }) },
    { dataLayer: 'coastline', symbolizer: new P.LineSymbolizer({ color: '#7aa6c2', width: 0.8 }) },
    { dataLayer: 'boundaries', symbolizer: new P.LineSymbolizer({ color: '#ffffff', width: (z) => (z < 5 ? 3 : 5), opacity: 0.9 }) },
    { dataLayer: 'boundaries', symbolizer: new P.LineSymbolizer({ color: '#7b6a8f', width: (z) => (z < 5 ? 1 : 1.6), dash: [6, 3] }) },
    {
      dataLayer: 'labels',
      filter: (z, f) => f.props.kind === 'city' && cityVisible(z, f.props),
      symbolizer: new P.CircleSymbolizer({ radius: (z, f) => (f && f.props.capital ? 3.5 : 2.5), fill: '#1f2937', stroke: '#ffffff', width: 1 }),
    },
  ];
  const labelRules = [
    {
      dataLayer: 'labels',
      filter: (z, f) => f.props.kind === 'country' && z >= 3,
      symbolizer: new P.CenteredTextSymbolizer({
        labelProps: ['name'],
        textTransform: 'uppercase',
        fontFamily: FONT,
        fontWeight: 600,
        fontSize: (z) => (z < 5 ? 11 : 13),
        letterSpacing: 1,
        fill: '#57534e',
        stroke: '#ffffff',
        width: 2.5,
      }),
    },
    {
      dataLayer: 'labels',
      filter: (z, f) => f.props.kind === 'city' && cityVisible(z, f.props),
      sort: (a, b) => Number(b.population || 0) - Number(a.population || 0),
      symbolizer: new P.OffsetTextSymbolizer({
        labelProps: ['name'],
        fontFamily: FONT,
        fontWeight: (z, f) => (f && f.props.capital ? 600 : 400),
        fontSize: (z, f) => (f && f.props.capital ? 13 : 12),
        fill: '#111827',
        stroke: '#ffffff',
        width: 2.5,
        offsetX: 5,
        offsetY: 3,
      }),
    },
  ];
  return { paintRules, labelRules };
}

function cityVisible(z, p) {
  const pop = Number(p.population || 0);
  if (p.capital) return z >= 4;
  if (pop >= 500000) return z >= 5;
  if (pop >= 100000) return z >= 7;
  return z >= 9;
}
