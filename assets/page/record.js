// record.js: the record-time controls. "As recorded on" shows the map as
// the store held it then (as_of on tiles, counts and features); "changed
// since" highlights the features written after a time (from /changes).
import { $, announce } from './dom.js';
import { changedSince } from './api.js';
import { rfc3339, localInput } from './state.js';

export class RecordControl {
  // ctx: {state, onViewTime, layers, hash}
  constructor(ctx) {
    this.ctx = ctx;
    this.asOf = $('#as-of');
    this.since = $('#changed-since');
    this.count = $('#changed-count');
    this.seq = 0;
    this.asOf.addEventListener('change', () => this.setAsOf(rfc3339(this.asOf.value)));
    this.since.addEventListener('change', () => this.setSince(rfc3339(this.since.value)));
    $('#as-of-clear').addEventListener('click', () => this.setAsOf(''));
    $('#changed-since-clear').addEventListener('click', () => this.setSince(''));
  }

  // show puts the state's times in the inputs (after a permalink).
  show() {
    this.asOf.value = localInput(this.ctx.state.asOf);
    this.since.value = localInput(this.ctx.state.since);
  }

  setAsOf(t) {
    const { state } = this.ctx;
    this.asOf.value = localInput(t);
    if (t === state.asOf) return;
    state.asOf = t;
    this.ctx.onViewTime();
    if (state.since) this.refresh();
    announce(t ? `Showing the map as recorded on ${t}` : 'Showing the map as recorded now');
  }

  async setSince(t) {
    const { state } = this.ctx;
    this.since.value = localInput(t);
    state.since = t;
    await this.refresh();
    this.ctx.hash.write();
  }

  // refresh reloads the set of features changed since the chosen time and
  // redraws their highlight.
  async refresh() {
    const { state } = this.ctx;
    const seq = ++this.seq;
    let keys = new Set();
    if (state.since) {
      try {
        keys = await changedSince(state.since, state.asOf);
      } catch (err) {
        announce(`Could not load the changes: ${err.message}`);
      }
    }
    if (seq !== this.seq) return;
    state.changed = keys;
    this.count.textContent = state.since ? `${keys.size} changed` : '';
    this.ctx.layers.redraw();
    if (state.since) announce(`${keys.size} ${keys.size === 1 ? 'feature' : 'features'} changed since ${state.since}`);
  }
}
