// One log in full: its fields, metadata as a tree, filter buttons, a link, and the logs around
// it from the same service, paged through cursors both ways.

import { CONTEXT_AFTER, CONTEXT_BEFORE, LOG, LOG_AT } from "./documents.js";
import { request } from "./api.js";
import { levelElement, timeElement } from "./format.js";
import { jsonTree } from "./jsontree.js";

const CONTEXT_SIZE = 5;
const panel = document.getElementById("detail");
const body = document.getElementById("detail-body");

function button(text, label, onClick) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "quiet";
  element.textContent = text;
  element.setAttribute("aria-label", label);
  element.addEventListener("click", onClick);
  return element;
}

function contextRow(edge, current) {
  const row = document.createElement("li");
  row.className = current ? "current" : "";
  const message = document.createElement("span");
  message.className = "message";
  message.textContent = edge.node.message;
  row.append(timeElement(edge.node.timestamp), " ", levelElement(edge.node.level), " ", message);
  return row;
}

export class Detail {
  constructor({ onFilter, onClose, linkTo }) {
    this.callbacks = { onFilter, onClose, linkTo };
    document.getElementById("detail-close").addEventListener("click", () => this.close());
  }

  get isOpen() {
    return !panel.hidden;
  }

  /** Show a log from the result list, with its cursor in `order`. */
  show(edge, order) {
    this.edge = edge;
    this.order = order;
    this.contextEdges = { before: [edge], after: [edge] };
    panel.hidden = false;
    body.replaceChildren(...this.fields(edge.node), this.contextSection());
    this.loadMetadata();
    this.loadContext();
  }

  /** A row from a list has no metadata: fetch the whole log and show its tree. */
  async loadMetadata() {
    const showing = this.edge;
    if (showing.node.metadata !== undefined) return;
    try {
      const { log } = await request(LOG, { id: showing.node.id });
      if (showing !== this.edge) return;
      this.metadataSlot.replaceWith(this.metadataTree(log?.metadata));
    } catch (error) {
      this.metadataSlot.textContent = error.message;
    }
  }

  metadataTree(metadata) {
    return jsonTree(metadata, (condition) => this.callbacks.onFilter({ condition }));
  }

  /** Show a log known only by id (a copied link): look it up, then find its cursor. */
  async showById(id, order) {
    try {
      const { log } = await request(LOG, { id });
      if (!log) throw new Error(`No log with id ${id}.`);
      const at = { services: [log.service], startTime: log.timestamp, endTime: log.timestamp };
      const { logsConnection } = await request(LOG_AT, { filter: at, order: order.toUpperCase() });
      const edge = logsConnection.edges.find((candidate) => candidate.node.id === log.id);
      this.show({ cursor: edge?.cursor ?? null, node: log }, order);
    } catch (error) {
      panel.hidden = false;
      body.textContent = error.message;
    }
  }

  fields(log) {
    const list = document.createElement("dl");
    const rows = [
      ["id", log.id], ["time", timeElement(log.timestamp)], ["level", levelElement(log.level)],
      ["service", log.service], ["message", log.message],
    ];
    for (const [name, value] of rows) {
      const term = document.createElement("dt");
      term.textContent = name;
      const description = document.createElement("dd");
      description.append(value);
      list.append(term, description);
    }
    const service = document.createElement("p");
    service.className = "actions";
    service.append(
      button("Filter service", `Filter service ${log.service}`, () => this.callbacks.onFilter({ service: log.service })),
      button("Exclude service", `Exclude service ${log.service}`, () => this.callbacks.onFilter({ exclude: log.service })),
      button("Copy link", "Copy link to this log", () => this.copyLink()),
    );
    const link = document.createElement("input");
    link.id = "detail-link";
    link.readOnly = true;
    link.hidden = true;
    link.setAttribute("aria-label", "Link to this log");
    const metadata = document.createElement("h3");
    metadata.textContent = "metadata";
    if (log.metadata === undefined) {
      this.metadataSlot = document.createElement("p");
      this.metadataSlot.textContent = "Loading…";
    } else {
      this.metadataSlot = this.metadataTree(log.metadata);
    }
    return [list, service, link, metadata, this.metadataSlot];
  }

  async copyLink() {
    const link = document.getElementById("detail-link");
    link.value = this.callbacks.linkTo(this.edge.node.id);
    link.hidden = false;
    link.select();
    try {
      await navigator.clipboard.writeText(link.value);
    } catch {
      // Without clipboard permission the selected link is there to copy by hand.
    }
  }

  contextSection() {
    const section = document.createElement("section");
    section.setAttribute("aria-label", "Context");
    const title = document.createElement("h3");
    title.textContent = `context: ${this.edge.node.service}`;
    this.contextList = document.createElement("ol");
    this.contextList.className = "context";
    this.contextList.append(contextRow(this.edge, true));
    this.earlier = button("More before", "Show more logs before", () => this.loadContext("before"));
    this.later = button("More after", "Show more logs after", () => this.loadContext("after"));
    section.append(title, this.earlier, this.contextList, this.later);
    return section;
  }

  /** Fetch CONTEXT_SIZE more logs on one side (or both) of what is shown, in the list order. */
  async loadContext(side = "both") {
    if (!this.edge.cursor) return;
    const sides = side === "both" ? ["before", "after"] : [side];
    await Promise.all(sides.map((one) => this.loadSide(one)));
  }

  async loadSide(side) {
    const showing = this.edge;
    const edges = this.contextEdges;
    const before = side === "before";
    const variables = {
      filter: { services: [showing.node.service] },
      cursor: before ? edges.before[0].cursor : edges.after.at(-1).cursor,
      size: CONTEXT_SIZE,
      order: this.order.toUpperCase(),
    };
    try {
      const { logsConnection } = await request(before ? CONTEXT_BEFORE : CONTEXT_AFTER, variables);
      if (showing !== this.edge) return;
      const rows = logsConnection.edges.map((edge) => contextRow(edge, false));
      if (before) {
        edges.before.unshift(...logsConnection.edges);
        this.contextList.prepend(...rows);
      } else {
        edges.after.push(...logsConnection.edges);
        this.contextList.append(...rows);
      }
    } catch (error) {
      this.contextList.after(error.message);
    }
  }

  close() {
    panel.hidden = true;
    this.edge = null;
    this.callbacks.onClose();
  }
}
