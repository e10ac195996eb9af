// inspect.js: clicking (or Enter on the focused map) inspects the feature
// there or feeds the active tool; hovering shows the feature's name.
/* global L */
import { h, announce } from './dom.js';

export function bindInspect(ctx) {
  const { map, tools, editor, layers, panel } = ctx;
  const inspectAt = (latlng) => {
    const picks = layers.pick(latlng);
    if (!picks.length) return;
    const first = picks[0];
    if (Number(first.props.count || 1) > 1) {
      map.setView(latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
      announce(`${first.props.count} features here: zoomed in`);
      return;
    }
    panel.open(first.collection, first.id, { fly: false, others: picks.slice(1) });
  };
  map.on('click', (e) => {
    if (tools.handleClick(e) || editor.busy()) return;
    inspectAt(e.latlng);
  });
  // Keyboard users: Enter (or Space) on the focused map acts as a click at
  // the map centre.
  map.getContainer().addEventListener('keydown', (e) => {
    if ((e.key !== 'Enter' && e.key !== ' ') || e.target !== map.getContainer()) return;
    e.preventDefault();
    const latlng = map.getCenter();
    if (tools.handleClick({ latlng })) return;
    if (!editor.busy()) inspectAt(latlng);
  });
  bindHover(ctx);
}

// bindHover: a pointer cursor and the feature's name over a feature. The
// tooltip gets a text node, never an HTML string.
function bindHover({ map, tools, editor, layers }) {
  let timer = 0;
  let tip = null;
  const hide = () => {
    if (tip) map.removeLayer(tip);
    tip = null;
  };
  map.on('mousemove', (e) => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = 0;
      const picks = tools.active || editor.busy() ? [] : layers.pick(e.latlng);
      map.getContainer().classList.toggle('over-feature', picks.length > 0);
      if (!picks.length) return hide();
      const p = picks[0].props;
      const n = Number(p.count || 1);
      const text = n > 1 ? `${n} features: click to zoom in` : String(p.name ?? picks[0].id) + (picks.length > 1 ? ` (+${picks.length - 1})` : '');
      if (!tip) tip = L.tooltip({ direction: 'top', offset: [0, -12], className: 'hover-tip' });
      tip.setLatLng(e.latlng).setContent(h('span', null, text));
      if (!map.hasLayer(tip)) tip.addTo(map);
    }, 60);
  });
  map.on('mouseout', hide);
}
