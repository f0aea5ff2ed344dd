// The result list: cursor pages fetched as the person scrolls, and only the rows in view in
// the DOM, so a hundred thousand scrolled rows cost no more to draw than fifty. Rows that stay
// in view are kept as they are: a scrolled frame creates only the rows coming into view.

import { FIRST_PAGE, NEXT_PAGE } from "./documents.js";
import { request } from "./api.js";
import { levelElement, timeElement } from "./format.js";
import { RowStore } from "./rows.js";

const ROW_HEIGHT = 26;
const FIRST_SIZE = 200;
const PAGE_SIZE = 500;
// Rows kept drawn above and below the view, so a scroll the compositor runs ahead of the page
// shows rows, not blanks; a frame adds at most MARGIN_PER_FRAME of them beyond the rows in
// view, so a jump across the list costs one view's rows in its frame and the margin follows.
const OVERSCAN = 20;
const MARGIN_PER_FRAME = 10;
// The next page is asked for once the view comes this close to the end: not at once after the
// first page, whose search is still being drawn (the histogram, the facets).
const PREFETCH_ROWS = 150;

export class ResultList {
  constructor(container, { onOpen, onTotal, onError }) {
    this.container = container;
    this.spacer = document.createElement("div");
    this.spacer.className = "spacer";
    container.append(this.spacer);
    this.callbacks = { onOpen, onTotal, onError };
    this.rows = new RowStore();
    this.shown = new Map(); // index in `rows` → its row in the DOM
    this.selected = -1;
    this.generation = 0;
    this.frame = 0;
    container.addEventListener("scroll", () => this.drawSoon(), { passive: true });
    container.addEventListener("click", (event) => {
      const row = event.target.closest(".log");
      if (row) this.open(Number(row.dataset.index));
    });
  }

  /** Start over with a new search; resolves to the first page's tail cursor (null when a
   * newer search replaced this one or it failed). The total comes later, by `count`. */
  async load(filter, order) {
    this.generation += 1;
    Object.assign(this, { filter, order, rows: new RowStore(), selected: -1 });
    Object.assign(this, { counted: null, live: 0, hasNext: false, loading: true });
    this.container.scrollTop = 0;
    this.forget();
    this.draw();
    const generation = this.generation;
    try {
      const variables = { filter, first: FIRST_SIZE, order: order.toUpperCase() };
      const { logsConnection } = await request(FIRST_PAGE, variables);
      if (generation !== this.generation) return null;
      this.accept(logsConnection);
      performance.mark("explore:rows"); // bench/explore.py reads these marks
      return logsConnection.tailCursor;
    } catch (error) {
      if (generation === this.generation) this.fail(error);
      return null;
    }
  }

  /** The search's total, counted apart from its pages (by the facets' `stats`). */
  count(total) {
    this.counted = total;
    this.report();
  }

  report() {
    const total = this.counted === null ? null : this.counted + this.live;
    this.callbacks.onTotal(total, this.rows.length);
  }

  async loadMore() {
    const generation = this.generation;
    this.loading = true;
    try {
      const variables = {
        filter: this.filter, first: PAGE_SIZE, after: this.endCursor, order: this.order.toUpperCase(),
      };
      const { logsConnection } = await request(NEXT_PAGE, variables);
      if (generation === this.generation) this.accept(logsConnection);
    } catch (error) {
      if (generation === this.generation) this.fail(error);
    }
  }

  accept(connection) {
    // A live log the tail brought in before this page came is not listed twice.
    const unseen = this.rows.unseen(connection.edges);
    this.rows.hold(unseen);
    this.rows.append(unseen);
    this.hasNext = connection.pageInfo.hasNextPage;
    this.endCursor = connection.pageInfo.endCursor;
    this.loading = false;
    this.report();
    this.draw();
  }

  fail(error) {
    this.loading = false;
    this.hasNext = false;
    this.callbacks.onError(error);
    this.draw();
  }

  /** Live logs, newest last in `edges`, placed where the current order puts new logs; those
   * the list already holds (the first page may have read them too) are skipped. They come
   * after the total was counted, so they add to it. */
  addLive(edges) {
    const unseen = this.rows.unseen(edges);
    if (!unseen.length) return;
    this.live += unseen.length;
    // Oldest first with the end not loaded yet, the pages bring these in their place.
    if (this.order === "desc" || !this.hasNext) {
      this.rows.hold(unseen);
      this.place(unseen);
    }
    this.report();
    this.draw();
  }

  place(edges) {
    if (this.order === "asc") {
      this.rows.append(edges, true);
      return;
    }
    this.rows.prepend([...edges].reverse(), true);
    this.shift(edges.length);
    if (this.selected >= 0) this.selected += edges.length;
    if (this.container.scrollTop > 0) this.container.scrollTop += edges.length * ROW_HEIGHT;
  }

  /** Move the drawn rows `count` places down: that many rows came before them. They keep
   * what they show, so a burst of live logs redraws none of them. */
  shift(count) {
    const moved = new Map();
    for (const [index, row] of this.shown) {
      this.position(row, index + count);
      moved.set(index + count, row);
    }
    this.shown = moved;
  }

  /** Drop every row from the DOM (their indexes no longer say which log they show). */
  forget() {
    this.shown.clear();
    this.placeholder = null;
    this.spacer.replaceChildren();
  }

  /** Draw on the next frame: scroll events come faster than frames. */
  drawSoon() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Render the rows in view (and a margin), and fetch the next page before it is needed.
   * Reads the scroll position first and then only writes, so the browser lays out once. */
  draw() {
    const { scrollTop, clientHeight } = this.container;
    const height = `${this.rows.length * ROW_HEIGHT}px`;
    if (this.spacer.style.height !== height) this.spacer.style.height = height;
    const top = Math.floor(scrollTop / ROW_HEIGHT);
    const bottom = Math.min(this.rows.length, Math.ceil((scrollTop + clientHeight) / ROW_HEIGHT));
    const first = Math.max(0, top - OVERSCAN);
    const last = Math.min(this.rows.length, bottom + OVERSCAN);
    for (const [index, row] of this.shown) {
      if (index >= first && index < last) continue;
      row.remove();
      this.shown.delete(index);
    }
    for (const [index, row] of this.shown) row.setAttribute("aria-selected", String(index === this.selected));
    this.insert(this.missing({ top, bottom, first, last }));
    this.placeholder?.remove();
    this.placeholder = this.rows.length ? null : this.emptyNote();
    if (this.placeholder) this.spacer.append(this.placeholder);
    this.container.setAttribute("aria-activedescendant", this.selected >= 0 ? `log-${this.selected}` : "");
    // Asked for in a task of its own: the frame that comes close to the end only draws.
    if (this.hasNext && !this.loading && last + PREFETCH_ROWS > this.rows.length) {
      this.loading = true;
      const { generation } = this;
      setTimeout(() => generation === this.generation && this.loadMore());
    }
  }

  /** The rows to draw in this frame, ascending: every row in view that is not drawn, then
   * the margin's nearest missing rows, at most MARGIN_PER_FRAME (the next frame adds more). */
  missing({ top, bottom, first, last }) {
    const wanted = [];
    const absent = (index) => index >= first && index < last && !this.shown.has(index);
    for (let index = top; index < bottom; index += 1) if (absent(index)) wanted.push(index);
    const margin = [];
    for (let step = 1; step <= OVERSCAN && margin.length < MARGIN_PER_FRAME; step += 1) {
      margin.push(...[bottom - 1 + step, top - step].filter(absent));
    }
    if (margin.length >= MARGIN_PER_FRAME) this.drawSoon();
    return [...wanted, ...margin.slice(0, MARGIN_PER_FRAME)].sort((a, b) => a - b);
  }

  /** Add the rows at `indexes` (ascending) where they belong among the drawn ones: the DOM
   * keeps list order, which is the order a screen reader reads the options in. */
  insert(indexes) {
    let next = this.spacer.firstElementChild;
    for (const index of indexes) {
      while (next && Number(next.dataset.index) < index) next = next.nextElementSibling;
      this.spacer.insertBefore(this.row(index), next);
    }
  }

  row(index) {
    const { node, fresh } = this.rows.get(index);
    const row = document.createElement("div");
    row.className = fresh ? "log fresh" : "log";
    this.position(row, index);
    row.dataset.id = node.id;
    row.setAttribute("role", "option");
    row.setAttribute("aria-selected", String(index === this.selected));
    const service = document.createElement("span");
    service.className = "service";
    service.textContent = node.service;
    const message = document.createElement("span");
    message.className = "message";
    message.textContent = node.message;
    row.append(timeElement(node.timestamp), levelElement(node.level), service, message);
    this.shown.set(index, row);
    return row;
  }

  position(row, index) {
    row.id = `log-${index}`;
    row.dataset.index = index;
    row.style.top = `${index * ROW_HEIGHT}px`;
  }

  emptyNote() {
    const empty = document.createElement("p");
    empty.className = "empty";
    empty.textContent = this.loading ? "Loading…" : "No logs match this search.";
    return empty;
  }

  /** Move the selection by `step` rows, scrolling it into view. */
  move(step) {
    if (!this.rows.length) return;
    this.selected = Math.min(this.rows.length - 1, Math.max(0, this.selected + step));
    const top = this.selected * ROW_HEIGHT;
    const { scrollTop, clientHeight } = this.container;
    if (top < scrollTop) this.container.scrollTop = top;
    else if (top + ROW_HEIGHT > scrollTop + clientHeight) this.container.scrollTop = top + ROW_HEIGHT - clientHeight;
    this.draw();
  }

  open(index = this.selected) {
    if (index < 0 || index >= this.rows.length) return;
    this.selected = index;
    this.draw();
    this.callbacks.onOpen(this.rows.get(index), this.order);
  }
}
