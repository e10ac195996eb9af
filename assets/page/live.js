// live.js: live updates from /events (Server-Sent Events): the map, the
// counts, the open feature and the "changed since" set follow each write.
import { $, announce } from './dom.js';

export class Live {
  // ctx: {state, layers, sidebar, panel, record}
  constructor(ctx) {
    this.ctx = ctx;
    this.timer = null;
    this.touched = new Set();
  }

  start() {
    const el = $('#live-state');
    let es;
    try {
      es = new EventSource('/events');
    } catch {
      return;
    }
    es.onopen = () => {
      el.textContent = '● live';
      el.className = 'live on';
    };
    es.onerror = () => {
      el.textContent = '○ reconnecting';
      el.className = 'live off';
    };
    es.onmessage = (msg) => {
      let ev;
      try {
        ev = JSON.parse(msg.data);
      } catch {
        return;
      }
      this.ctx.state.events++;
      this.ctx.state.lastEvent = ev;
      this.touched.add(`${ev.collection}/${ev.id}`);
      this.later();
    };
    // The server could not resume where this page left off (it restarted on
    // another store, say): redraw everything from what it holds now.
    es.addEventListener('reset', () => this.later());
  }

  later() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.apply(), 150);
  }

  apply() {
    const { state, layers, sidebar, panel, record } = this.ctx;
    // A map "as recorded on" a past time does not change with new writes.
    if (!state.asOf) {
      layers.rebuild();
      sidebar.refreshCounts();
      const sel = state.selected;
      if (sel && this.touched.has(`${sel.collection}/${sel.id}`)) panel.reload();
    }
    if (state.since) record.refresh();
    this.touched.clear();
    announce('Map updated with new data');
  }
}
