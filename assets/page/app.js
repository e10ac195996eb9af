// app.js: the sitmap analyst page. start() builds the one state object and
// the modules that share it (through ctx, passed to each), then loads the
// collections and draws the map. Importing a module has no side effect
// (main.js calls start); window.sitmap (test handles) exists only with
// ?test in the URL.
import { $, announce } from './dom.js';
import { createState } from './state.js';
import { getJSON } from './api.js';
import { COLLECTION_ORDER } from './style.js';
import { createMap, addBasemap, addOnlineBasemap, bindCursor, dataBounds } from './map.js';
import { DataLayer } from './layers.js';
import { Sidebar } from './sidebar.js';
import { TimeControl, computeDays, defaultDay } from './time.js';
import { RecordControl } from './record.js';
import { Permalink } from './hash.js';
import { FeaturePanel } from './feature.js';
import { bindInspect } from './inspect.js';
import { Search } from './search.js';
import { Live } from './live.js';
import { Tools } from './tools.js';
import { Editor } from './edit.js';
import { UncertaintyCircles } from './uncertainty.js';
import { installTestHooks } from './testhooks.js';

// build makes the modules; each gets ctx and finds the others in it.
function build(test) {
  const state = createState();
  const map = createMap($('#map'));
  // hooks gets what the page reports for the tests (the last save, export,
  // API links); it becomes window.sitmap only with ?test.
  const ctx = { state, map, hooks: {}, announce };
  // onViewTime redraws what the situation date or the record time changes.
  ctx.onViewTime = () => {
    ctx.layers.rebuild();
    ctx.sidebar.refreshCounts();
    ctx.panel.reload();
    ctx.hash.write();
  };
  ctx.circles = new UncertaintyCircles(ctx);
  ctx.layers = new DataLayer(ctx);
  ctx.tools = new Tools(ctx);
  ctx.editor = new Editor(ctx);
  ctx.panel = new FeaturePanel(ctx);
  ctx.sidebar = new Sidebar(ctx);
  ctx.time = new TimeControl(ctx);
  ctx.record = new RecordControl(ctx);
  ctx.hash = new Permalink(ctx);
  ctx.search = new Search(ctx);
  ctx.live = new Live(ctx);
  bindInspect(ctx);
  map.on('moveend', () => ctx.circles.update());
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('#panel').hidden && !$('#dialog').open && !ctx.tools.active && !ctx.editor.busy() && document.activeElement !== $('#search')) ctx.panel.close();
  });
  if (test) installTestHooks(ctx);
  return ctx;
}

function drawingOrder(a, b) {
  const rank = (c) => (COLLECTION_ORDER.includes(c.id) ? COLLECTION_ORDER.indexOf(c.id) : 99);
  return rank(a) - rank(b);
}

// load reads the landing page and the collections, restores the
// permalink and draws the map.
async function load(ctx) {
  const { state, map } = ctx;
  // The basemap's TileJSON can be slow on a cold server (it loads the
  // basemap on first use): it must not hold up the page.
  const basemapInfo = getJSON('/tiles/basemap.json').catch(() => null);
  const [landing, cols, tj] = await Promise.all([
    getJSON('/?f=json').catch(() => ({})),
    getJSON('/collections'),
    getJSON('/tiles/all.json').catch(() => null),
  ]);
  state.readOnly = landing.readOnly !== false;
  state.collections = (cols.collections || []).sort(drawingOrder);
  for (const c of state.collections) state.byId.set(c.id, c);
  state.visible = new Set(state.collections.map((c) => c.id));
  if (tj && Number.isFinite(tj.maxzoom)) state.maxzoom = Math.min(tj.maxzoom, 16);
  state.days = computeDays(state.collections);
  state.day = defaultDay(state.days);
  ctx.time.init();
  ctx.sidebar.build();
  map.fitBounds(dataBounds(state.collections), { animate: false });
  ctx.hash.apply(true);
  await ctx.sidebar.checkFilters();
  bindCursor(map);
  if (!addOnlineBasemap(map, landing.basemapURL || landing.basemap_url)) basemapInfo.then((info) => addBasemap(map, state, info));
  ctx.layers.rebuild();
  ctx.sidebar.refreshCounts();
  ctx.record.refresh();
  ctx.editor.init(state.readOnly);
  ctx.live.start();
  state.ready = true;
  document.body.dataset.ready = '1';
  ctx.hash.write();
}

export function start() {
  const ctx = build(new URLSearchParams(location.search).has('test'));
  return load(ctx).catch((err) => {
    console.error(err);
    announce(`The map could not start: ${err.message}`);
  });
}
