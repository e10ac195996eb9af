// testhooks.js: window.sitmap, the handles the browser tests drive and
// read. It exists only when the page is loaded with ?test in its URL.

// renderedProps returns the tile properties of a feature as the data layer
// holds them (status resolved for the chosen day), or null. It reads
// protomaps-leaflet's tile cache, which only a test may lean on.
function renderedProps(layer, collection, id) {
  if (!layer) return null;
  for (const view of layer.views.values()) {
    for (const entry of view.tileCache.cache.values()) {
      for (const f of entry.data.get(collection) || []) if (String(f.props.id ?? f.id) === id) return { ...f.props };
    }
  }
  return null;
}

// renderedKeys lists the "collection/id" of every feature in the data
// layer's tile cache.
function renderedKeys(layer) {
  const keys = new Set();
  if (!layer) return [];
  for (const view of layer.views.values()) {
    for (const entry of view.tileCache.cache.values()) {
      for (const [collection, feats] of entry.data) for (const f of feats) keys.add(`${collection}/${f.props.id ?? f.id}`);
    }
  }
  return [...keys].sort();
}

export function installTestHooks(ctx) {
  const { hooks, layers } = ctx;
  Object.assign(hooks, {
    state: ctx.state,
    map: ctx.map,
    tools: ctx.tools,
    editor: ctx.editor,
    circles: ctx.circles,
    pickAt: (latlng) => layers.pick(latlng),
    renderedProps: (collection, id) => renderedProps(layers.layer, collection, id),
    renderedKeys: () => renderedKeys(layers.layer),
    // highlighted lists the features drawn with the "changed since" halo.
    highlighted: () => [...layers.drawn].sort(),
    setDay: (d, immediate) => ctx.time.setDay(d, immediate),
    setFilter: (c, text) => ctx.sidebar.setFilter(c, text),
    openFeature: (c, id, opts) => ctx.panel.open(c, id, opts),
  });
  window.sitmap = hooks;
}
