// time.js: the situation date (valid time): the days of the data, the
// slider, the day buttons and play.
import { $, announce } from './dom.js';

const DAY_MS = 86400000;

function isoDay(t) {
  return new Date(t).toISOString().slice(0, 10);
}

// computeDays spans the collections' temporal extents, or the last month.
export function computeDays(collections, now = Date.now()) {
  let start = Infinity, end = -Infinity;
  for (const c of collections) {
    const iv = c.extent && c.extent.temporal && c.extent.temporal.interval;
    if (!Array.isArray(iv)) continue;
    for (const [a, b] of iv) {
      if (a) start = Math.min(start, Date.parse(a));
      if (b) end = Math.max(end, Date.parse(b));
    }
  }
  const today = Date.parse(`${isoDay(now)}T00:00:00Z`);
  if (!Number.isFinite(start)) start = today - 30 * DAY_MS;
  if (!Number.isFinite(end)) end = today + DAY_MS;
  start = Date.parse(`${isoDay(start)}T00:00:00Z`);
  const days = [];
  for (let t = start; t <= end && days.length < 3660; t += DAY_MS) days.push(isoDay(t));
  return days;
}

// defaultDay is today, held within the days.
export function defaultDay(days, now = Date.now()) {
  const today = isoDay(now);
  if (today < days[0]) return days[0];
  if (today > days[days.length - 1]) return days[days.length - 1];
  return today;
}

export function fmtDay(d) {
  const t = new Date(`${d}T12:00:00Z`);
  return t.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

export class TimeControl {
  // ctx: {state, onViewTime}; onViewTime() redraws what the date changes.
  constructor(ctx) {
    this.ctx = ctx;
    this.slider = $('#date-slider');
    this.label = $('#date-label');
    this.playBtn = $('#play');
    this.dayTimer = null;
    this.playTimer = null;
    this.slider.addEventListener('input', () => this.setDay(ctx.state.days[Number(this.slider.value)]));
    $('#day-prev').addEventListener('click', () => this.step(-1));
    $('#day-next').addEventListener('click', () => this.step(1));
    this.playBtn.addEventListener('click', () => (this.playTimer ? this.stop() : this.play()));
  }

  // init sets the range from the state's days and shows its day.
  init() {
    const { state } = this.ctx;
    this.slider.min = '0';
    this.slider.max = String(state.days.length - 1);
    this.show(state.day);
  }

  show(d) {
    this.slider.value = String(this.ctx.state.days.indexOf(d));
    this.label.textContent = fmtDay(d);
    this.label.dataset.day = d;
    this.slider.setAttribute('aria-valuetext', fmtDay(d));
  }

  setDay(d, immediate) {
    const { state } = this.ctx;
    if (!state.days.includes(d)) return;
    this.show(d);
    clearTimeout(this.dayTimer);
    const apply = () => {
      if (state.day === d) return;
      state.day = d;
      this.ctx.onViewTime();
      announce(`Showing the situation on ${fmtDay(d)}`);
    };
    if (immediate) apply();
    else this.dayTimer = setTimeout(apply, 200);
  }

  step(n) {
    const { days } = this.ctx.state;
    const i = Math.max(0, Math.min(days.length - 1, Number(this.slider.value) + n));
    this.setDay(days[i]);
  }

  play() {
    const { days } = this.ctx.state;
    if (Number(this.slider.value) >= days.length - 1) this.setDay(days[0], true);
    this.playBtn.setAttribute('aria-pressed', 'true');
    this.playBtn.textContent = '❚❚ Pause';
    this.playTimer = setInterval(() => {
      const i = Number(this.slider.value) + 1;
      if (i >= days.length) return this.stop();
      this.setDay(days[i], true);
    }, 1200);
  }

  stop() {
    clearInterval(this.playTimer);
    this.playTimer = null;
    this.playBtn.setAttribute('aria-pressed', 'false');
    this.playBtn.textContent = '▶ Play';
  }
}
