// The volume chart: `histogram` counts stacked by level, drawn by uPlot; drag across it to zoom
// into a range, click a bar to narrow to its bucket.

import { HISTOGRAM } from "./documents.js";
import { request } from "./api.js";
import { LEVELS } from "./state.js";

// Widths the API offers, narrowest first; the narrowest giving at most MAX_BARS wins.
const INTERVALS = [
  ["MINUTE", 60], ["FIVE_MINUTES", 300], ["FIFTEEN_MINUTES", 900],
  ["HOUR", 3600], ["SIX_HOURS", 21_600], ["DAY", 86_400],
];
const MAX_BARS = 200;
const HEIGHT = 130;
const MIN_DRAG_PX = 4;

/** The narrowest interval that gives at most `bars` buckets over [start, end] (ms). */
export function chooseInterval(start, end, bars = MAX_BARS) {
  const seconds = (end - start) / 1000;
  return INTERVALS.find(([, width]) => seconds / width <= bars) || INTERVALS.at(-1);
}

function levelColour(level) {
  return getComputedStyle(document.documentElement).getPropertyValue(`--${level}`).trim();
}

/** Each level's series holds its own count plus every more severe level's, so drawing the
 * least severe first and the rest over it stacks the bars with FATAL at the bottom. */
function stackedData(buckets) {
  const x = buckets.map((bucket) => Date.parse(bucket.start) / 1000);
  const counts = LEVELS.map((level) => buckets.map(
    (bucket) => bucket.byLevel.find((entry) => entry.level === level)?.count || 0,
  ));
  const stacked = counts.map((_, index) => buckets.map(
    (__, bucket) => counts.slice(index).reduce((sum, series) => sum + series[bucket], 0),
  ));
  return { data: [x, ...stacked], counts };
}

export class Histogram {
  constructor(container, { onRange, onError }) {
    this.container = container;
    this.callbacks = { onRange, onError };
    this.generation = 0;
    this.width = 900;
    this.counts = [];
    this.plot = new window.uPlot(this.options(), [[], ...LEVELS.map(() => [])], container);
    this.plot.over.addEventListener("mousedown", () => { this.dragged = false; });
    this.plot.over.addEventListener("click", () => this.narrowToBar());
    new ResizeObserver(() => this.plot.setSize(this.size())).observe(container);
  }

  size() {
    return { width: Math.max(200, this.container.clientWidth), height: HEIGHT };
  }

  options() {
    const bars = window.uPlot.paths.bars({ size: [0.9, 60], align: 1 });
    return {
      ...this.size(),
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      select: { show: true },
      scales: { x: { time: true }, y: { range: (_, __, max) => [0, Math.max(1, max)] } },
      axes: [{}, { size: 50 }],
      series: [
        {},
        ...LEVELS.map((level) => ({
          label: level, fill: levelColour(level), stroke: levelColour(level), paths: bars,
          points: { show: false },
        })),
      ],
      hooks: { setSelect: [(plot) => this.zoom(plot)] },
    };
  }

  /** Draw the counts of `filter` over [start, end] (ms). */
  async load(filter, [start, end]) {
    const [interval, seconds] = chooseInterval(start, end);
    this.generation += 1;
    const generation = this.generation;
    try {
      const { histogram } = await request(HISTOGRAM, { filter, interval });
      if (generation !== this.generation) return;
      const { data, counts } = stackedData(histogram);
      this.counts = counts;
      this.seconds = seconds;
      this.plot.setScale("x", { min: start / 1000, max: end / 1000 });
      this.plot.setData(data, false);
      this.plot.setScale("x", { min: start / 1000, max: end / 1000 });
      this.container.dataset.bars = String(histogram.length);
      this.container.dataset.interval = interval;
      performance.mark("explore:histogram");
    } catch (error) {
      if (generation === this.generation) this.callbacks.onError(error);
    }
  }

  zoom(plot) {
    const { left, width } = plot.select;
    if (width < MIN_DRAG_PX) return;
    this.dragged = true;
    const from = plot.posToVal(left, "x") * 1000;
    const to = plot.posToVal(left + width, "x") * 1000;
    plot.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
    this.callbacks.onRange(from, to);
  }

  narrowToBar() {
    const index = this.plot.cursor.idx;
    if (this.dragged || index == null) return;
    const start = this.plot.data[0][index] * 1000;
    this.callbacks.onRange(start, start + this.seconds * 1000 - 1);
  }
}
