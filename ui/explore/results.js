// The result list: cursor pages fetched as the person scrolls, and only the rows in view in
// the DOM, so a hundred thousand scrolled rows cost no more to draw than fifty.

import { FIRST_PAGE, NEXT_PAGE } from "./documents.js";
import { request } from "./api.js";
import { levelElement, timeElement } from "./format.js";

const ROW_HEIGHT = 26;
const FIRST_SIZE = 200;
const PAGE_SIZE = 500;
const OVERSCAN = 20;
const PREFETCH_ROWS = 300;

export class ResultList {
  constructor(container, { onOpen, onTotal, onError }) {
    this.container = container;
    this.spacer = document.createElement("div");
    this.spacer.className = "spacer";
    container.append(this.spacer);
    this.callbacks = { onOpen, onTotal, onError };
    this.edges = [];
    this.selected = -1;
    this.generation = 0;
    container.addEventListener("scroll", () => this.draw());
    container.addEventListener("click", (event) => {
      const row = event.target.closest(".log");
      if (row) this.open(Number(row.dataset.index));
    });
  }

  /** Start over with a new search; resolves to the first page's tail cursor (null when a
   * newer search replaced this one or it failed). */
  async load(filter, order) {
    this.generation += 1;
    Object.assign(this, { filter, order, edges: [], ids: new Set(), selected: -1, total: 0 });
    this.hasNext = false;
    this.loading = true;
    this.container.scrollTop = 0;
    this.draw();
    const generation = this.generation;
    try {
      const variables = { filter, first: FIRST_SIZE, order: order.toUpperCase() };
      const { logsConnection } = await request(FIRST_PAGE, variables);
      if (generation !== this.generation) return null;
      this.total = logsConnection.totalCount;
      this.accept(logsConnection);
      return logsConnection.tailCursor;
    } catch (error) {
      if (generation === this.generation) this.fail(error);
      return null;
    }
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
    const first = !this.edges.length;
    // A live log the tail brought in before this page came is not listed twice.
    const fresh = connection.edges.filter((edge) => !this.ids.has(edge.node.id));
    for (const edge of fresh) this.ids.add(edge.node.id);
    this.edges.push(...fresh);
    this.hasNext = connection.pageInfo.hasNextPage;
    this.endCursor = connection.pageInfo.endCursor;
    this.loading = false;
    this.callbacks.onTotal(this.total, this.edges.length);
    this.draw();
    if (first) performance.mark("explore:rows"); // bench/explore.py reads these marks
  }

  fail(error) {
    this.loading = false;
    this.hasNext = false;
    this.callbacks.onError(error);
    this.draw();
  }

  /** Live logs, newest last in `edges`, placed where the current order puts new logs; those
   * the list already holds (the first page may have read them too) are skipped. */
  addLive(edges) {
    const unseen = edges.filter((edge) => !this.ids.has(edge.node.id));
    if (!unseen.length) return;
    this.total += unseen.length;
    // Oldest first with the end not loaded yet, the pages bring these in their place.
    if (this.order === "desc" || !this.hasNext) {
      for (const edge of unseen) this.ids.add(edge.node.id);
      this.place(unseen.map((edge) => ({ ...edge, fresh: true })));
    }
    this.callbacks.onTotal(this.total, this.edges.length);
    this.draw();
  }

  place(marked) {
    if (this.order === "asc") {
      this.edges.push(...marked);
      return;
    }
    this.edges.unshift(...marked.reverse());
    if (this.selected >= 0) this.selected += marked.length;
    if (this.container.scrollTop > 0) this.container.scrollTop += marked.length * ROW_HEIGHT;
  }

  /** Render the rows in view (and a margin), and fetch the next page before it is needed. */
  draw() {
    const { scrollTop, clientHeight } = this.container;
    this.spacer.style.height = `${this.edges.length * ROW_HEIGHT}px`;
    const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.edges.length, Math.ceil((scrollTop + clientHeight) / ROW_HEIGHT) + OVERSCAN);
    const rows = [];
    for (let index = first; index < last; index += 1) rows.push(this.row(index));
    if (!this.edges.length) rows.push(this.placeholder());
    this.spacer.replaceChildren(...rows);
    this.container.setAttribute("aria-activedescendant", this.selected >= 0 ? `log-${this.selected}` : "");
    if (this.hasNext && !this.loading && last + PREFETCH_ROWS > this.edges.length) this.loadMore();
  }

  row(index) {
    const { node, fresh } = this.edges[index];
    const row = document.createElement("div");
    row.className = fresh ? "log fresh" : "log";
    row.id = `log-${index}`;
    row.dataset.index = index;
    row.dataset.id = node.id;
    row.setAttribute("role", "option");
    row.setAttribute("aria-selected", String(index === this.selected));
    row.style.top = `${index * ROW_HEIGHT}px`;
    const service = document.createElement("span");
    service.className = "service";
    service.textContent = node.service;
    const message = document.createElement("span");
    message.className = "message";
    message.textContent = node.message;
    row.append(timeElement(node.timestamp), levelElement(node.level), service, message);
    return row;
  }

  placeholder() {
    const empty = document.createElement("p");
    empty.className = "empty";
    empty.textContent = this.loading ? "Loading…" : "No logs match this search.";
    return empty;
  }

  /** Move the selection by `step` rows, scrolling it into view. */
  move(step) {
    if (!this.edges.length) return;
    this.selected = Math.min(this.edges.length - 1, Math.max(0, this.selected + step));
    const top = this.selected * ROW_HEIGHT;
    const { scrollTop, clientHeight } = this.container;
    if (top < scrollTop) this.container.scrollTop = top;
    else if (top + ROW_HEIGHT > scrollTop + clientHeight) this.container.scrollTop = top + ROW_HEIGHT - clientHeight;
    this.draw();
  }

  open(index = this.selected) {
    if (index < 0 || index >= this.edges.length) return;
    this.selected = index;
    this.draw();
    this.callbacks.onOpen(this.edges[index], this.order);
  }
}
