// The Patterns tab: the patterns of the current search (`patterns`), most frequent first, each
// with its count and a sparkline of its `histogram` over the range; clicking one filters by it.

import { PATTERNS } from "./documents.js";
import { request } from "./api.js";
import { chooseInterval } from "./histogram.js";

const SHOWN = 100;
const SPARK_BARS = 48;
const SPARK_WIDTH = 120;
const SPARK_HEIGHT = 22;
const SVG = "http://www.w3.org/2000/svg";

/** A line of the bucket counts, scaled to the pattern's own busiest bucket. */
function sparkline(buckets) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`);
  svg.setAttribute("width", SPARK_WIDTH);
  svg.setAttribute("height", SPARK_HEIGHT);
  svg.setAttribute("aria-hidden", "true");
  const peak = Math.max(1, ...buckets.map((bucket) => bucket.count));
  const step = SPARK_WIDTH / Math.max(1, buckets.length - 1);
  const points = buckets.map((bucket, index) => {
    const y = SPARK_HEIGHT - 1 - (bucket.count / peak) * (SPARK_HEIGHT - 2);
    return `${(index * step).toFixed(1)},${y.toFixed(1)}`;
  });
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", points.join(" "));
  svg.append(line);
  return svg;
}

function patternRow(pattern, onPick) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "pattern";
  button.dataset.id = pattern.id;
  button.setAttribute("aria-label", `Filter pattern ${pattern.template} (${pattern.count})`);
  const count = document.createElement("span");
  count.className = "count";
  count.textContent = pattern.count.toLocaleString();
  const service = document.createElement("span");
  service.className = "service";
  service.textContent = pattern.service;
  const template = document.createElement("span");
  template.className = "template";
  template.textContent = pattern.template;
  button.append(count, sparkline(pattern.histogram), service, template);
  button.addEventListener("click", () => onPick(pattern));
  item.append(button);
  return item;
}

export class PatternList {
  constructor(container, { onPick, onError }) {
    this.list = container.querySelector("ul");
    this.callbacks = { onPick, onError };
    this.generation = 0;
    this.templates = new Map(); // id -> template, to name a pattern filter
  }

  /** The template of a pattern seen in a list, or null. */
  template(id) {
    return this.templates.get(id) || null;
  }

  /** List the patterns of `filter` over [start, end] (ms). */
  async load(filter, [start, end]) {
    this.generation += 1;
    const generation = this.generation;
    const [interval] = chooseInterval(start, end, SPARK_BARS);
    try {
      const { patterns } = await request(PATTERNS, { filter, first: SHOWN, interval });
      if (generation !== this.generation) return;
      for (const pattern of patterns) this.templates.set(pattern.id, pattern.template);
      const rows = patterns.map((pattern) => patternRow(pattern, this.callbacks.onPick));
      if (!rows.length) rows.push(this.empty());
      this.list.replaceChildren(...rows);
    } catch (error) {
      if (generation === this.generation) this.callbacks.onError(error);
    }
  }

  empty() {
    const item = document.createElement("li");
    item.className = "empty";
    item.textContent = "No patterns for this search (a log gets its pattern seconds after it is written).";
    return item;
  }
}
