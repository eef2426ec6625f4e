/**
 * Time charts with uPlot (~50 kB, canvas). The x axis is the store's wall clock: bucket labels are placed on
 * a fake-UTC axis and uPlot is told to show UTC, so the browser's own zone never shifts a label.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { labelToAxisSeconds } from './dates.ts';
import { h, uid } from './dom.ts';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** `hatched`: bars filled with diagonal stripes (buckets whose numbers undercount: too little of them analysed). */
  kind?: 'line' | 'bars' | 'hatched' | 'points' | 'dashed';
  format?: (v: number | null) => string;
  /** `right`: drawn against the second y axis (`y2Label`), e.g. a rate beside counts. */
  axis?: 'right';
}

/** Hatched bars of buckets (hours, days) too little of which was analysed. */
export const INCOMPLETE_COLOR = '#b45309';

export const PALETTE = ['#1d4ed8', '#c2410c', '#047857', '#7c3aed', '#b91c1c', '#0e7490', '#a16207', '#be185d'];

export interface TimeChart {
  element: HTMLElement;
  destroy(): void;
}

const utcDate = (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');

/**
 * A chart of store-local buckets. `summary` is the accessible name (role=img); the same numbers are in a
 * table next to the chart for screen readers and CSV.
 */
export function timeChart(opts: {
  title: string;
  summary: string;
  labels: string[];
  series: ChartSeries[];
  yLabel: string;
  /** The right-hand axis of the series with `axis: 'right'`. */
  y2Label?: string;
  height?: number;
  granularity: 'hour' | 'day';
  name: string;
}): TimeChart {
  const titleId = uid('chart');
  const plot = h('div', { class: 'chart-plot', role: 'img', 'aria-label': `${opts.title}. ${opts.summary}`, 'data-chart': opts.name });
  const element = h('figure', { class: 'chart' }, h('figcaption', { id: titleId }, opts.title), plot);
  const xs = opts.labels.map(labelToAxisSeconds);
  const height = opts.height ?? 240;
  const step = opts.granularity === 'hour' ? 3600 : 86_400;
  const bars = uPlot.paths.bars!({ size: [0.7, 64], align: 0 });
  const series: uPlot.Series[] = [
    { label: opts.granularity === 'hour' ? 'Local hour' : 'Local date', value: (_u, v) => (v == null ? '—' : axisLabel(v, opts.granularity)) },
    ...opts.series.map((s): uPlot.Series => {
      const base: uPlot.Series = {
        label: s.label,
        stroke: s.color,
        width: 2,
        scale: s.axis === 'right' ? 'y2' : 'y',
        value: (_u, v) => (s.format ? s.format(v) : v == null ? '—' : String(v)),
      };
      switch (s.kind) {
        case 'bars':
          return { ...base, fill: `${s.color}99`, width: 1, paths: bars, points: { show: false } };
        case 'hatched':
          return { ...base, fill: hatch(s.color), width: 1, paths: bars, points: { show: false } };
        case 'points':
          return { ...base, paths: () => null, points: { show: true, size: 11, width: 2, stroke: s.color, fill: '#fff' } };
        case 'dashed':
          return { ...base, dash: [6, 4], width: 1.5, points: { show: false } };
        default:
          return { ...base, points: { show: opts.labels.length <= 31 } };
      }
    }),
  ];
  const options: uPlot.Options = {
    width: 600,
    height,
    tzDate: utcDate,
    series,
    scales: {
      // Pad half a bucket each side so the first and last bars are whole.
      x: { time: true, range: (_u, min, max) => [min - step / 2, max + step / 2] },
      y: { range: (_u, _min, max) => [0, niceMax(max)] },
      y2: { range: (_u, _min, max) => [0, niceMax(max)] },
    },
    axes: [
      {
        stroke: '#334155',
        grid: { stroke: '#e2e8f0' },
        ticks: { stroke: '#cbd5e1' },
        size: 48,
        splits: (u, _i, min, max) => timeSplits(min, max, u.bbox.width / (window.devicePixelRatio || 1), opts.granularity),
        values: (_u, splits, _i, _space, incr) => splits.map((t) => tickLabel(t, incr, opts.granularity)),
      },
      { stroke: '#334155', label: opts.yLabel, size: 56, grid: { stroke: '#e2e8f0' }, ticks: { stroke: '#cbd5e1' } },
      ...(opts.series.some((s) => s.axis === 'right')
        ? [{ scale: 'y2', side: 1, stroke: '#334155', label: opts.y2Label, size: 56, grid: { show: false }, ticks: { stroke: '#cbd5e1' } }]
        : []),
    ],
    cursor: { points: { size: 8 }, drag: { x: false, y: false } },
    legend: { live: true },
  };
  const data: uPlot.AlignedData = [xs, ...opts.series.map((s) => s.values)];
  const u = new uPlot(options, data, plot);
  // Follow the container's width (tablet rotation, window resize).
  const fit = () => {
    const w = Math.max(280, Math.floor(plot.clientWidth));
    if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
  };
  const ro = new ResizeObserver(fit);
  ro.observe(plot);
  requestAnimationFrame(fit);
  return {
    element,
    destroy: () => {
      ro.disconnect();
      u.destroy();
    },
  };
}

/** Diagonal stripes of `color` on a pale ground, as a canvas pattern (a pale fill where canvas is unavailable). */
function hatch(color: string): CanvasPattern | string {
  const tile = document.createElement('canvas');
  tile.width = 8;
  tile.height = 8;
  const g = tile.getContext('2d');
  if (!g) return `${color}33`;
  g.fillStyle = `${color}26`;
  g.fillRect(0, 0, 8, 8);
  g.strokeStyle = color;
  g.lineWidth = 1.5;
  g.beginPath();
  for (const o of [-8, 0, 8]) {
    g.moveTo(o, 8);
    g.lineTo(o + 8, 0);
  }
  g.stroke();
  return g.createPattern(tile, 'repeat') ?? `${color}33`;
}

const DOW = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HOUR = 3600;
const DAY = 86_400;

/** Tick positions on the wall-clock axis: whole hours or days, as dense as ~64 px apart allows. */
function timeSplits(min: number, max: number, widthPx: number, g: 'hour' | 'day'): number[] {
  const steps = g === 'hour' ? [1, 2, 3, 6, 12, 24, 48, 168].map((h) => h * HOUR) : [1, 2, 7, 14, 28, 91].map((d) => d * DAY);
  const perSecond = widthPx / Math.max(1, max - min);
  // A label with a date ("00:00 / Wed 18 Nov") needs more room than "14:00".
  const step = steps.find((s) => s * perSecond >= (g === 'hour' && s >= DAY ? 88 : 64)) ?? steps[steps.length - 1];
  const out: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) out.push(t);
  return out;
}

/** "14:00", or at midnight / per-day ticks the date: "Mon 18 Nov" (24-hour clock, no locale guessing). */
function tickLabel(t: number, _incr: number, g: 'hour' | 'day'): string {
  const d = new Date(t * 1000);
  const date = `${DOW[d.getUTCDay()]} ${d.getUTCDate()} ${MONTH[d.getUTCMonth()]}`;
  if (g === 'day' || t % DAY !== 0) {
    return g === 'day' ? date.replace(' ', '\n') : `${String(d.getUTCHours()).padStart(2, '0')}:00`;
  }
  return `00:00\n${date}`;
}

function niceMax(max: number | null): number {
  if (max === null || !Number.isFinite(max) || max <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * mag >= max * 1.05) return m * mag;
  return 10 * mag;
}

function axisLabel(ts: number, g: 'hour' | 'day'): string {
  const iso = new Date(ts * 1000).toISOString();
  return g === 'hour' ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}
