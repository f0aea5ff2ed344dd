// The list's loaded rows, kept in few heap objects. A batch of rows (a page, or a burst of live
// logs) is one string holding every field end to end, with a typed array of where each field
// starts: a hundred thousand rows are then a few hundred objects for the garbage collector to
// trace and move, not a million (with an object per row and a string per field, its
// compacting pauses grew with the rows loaded, to 100 ms of the page's main thread).

const NODE_FIELDS = ["id", "timestamp", "level", "service", "message"];
const FIELDS = 1 + NODE_FIELDS.length; // the cursor first
const SMALL_INTEGER = 2 ** 30;

/** A log's id as the duplicate check holds it: a decimal id as a small number, which is no
 * heap object, else the string. */
function idKey(id) {
  const number = Number(id);
  return Number.isInteger(number) && number >= 0 && number < SMALL_INTEGER && String(number) === id
    ? number
    : id;
}

class Batch {
  constructor(edges, fresh) {
    const parts = [];
    const starts = new Uint32Array(edges.length * FIELDS + 1);
    let offset = 0;
    let slot = 0;
    for (const { cursor, node } of edges) {
      for (const text of [cursor ?? "", ...NODE_FIELDS.map((name) => String(node[name]))]) {
        parts.push(text);
        starts[slot] = offset;
        slot += 1;
        offset += text.length;
      }
    }
    starts[slot] = offset;
    Object.assign(this, { text: parts.join(""), starts, length: edges.length, fresh });
  }

  /** The row at `index` as an edge of the connection (live rows carry no list cursor). */
  edge(index) {
    const base = index * FIELDS;
    const field = (at) => this.text.slice(this.starts[base + at], this.starts[base + at + 1]);
    const node = {};
    NODE_FIELDS.forEach((name, at) => {
      node[name] = field(at + 1);
    });
    return { cursor: field(0) || null, node, fresh: this.fresh };
  }
}

export class RowStore {
  constructor() {
    this.batches = [];
    this.firsts = []; // index of each batch's first row
    this.length = 0;
    this.ids = new Set();
  }

  /** The edges whose logs are not held yet. */
  unseen(edges) {
    return edges.filter(({ node }) => !this.ids.has(idKey(node.id)));
  }

  /** Count `edges` as held, so a later copy of one is recognised. */
  hold(edges) {
    for (const { node } of edges) this.ids.add(idKey(node.id));
  }

  /** Add `edges` after the last row; `fresh` marks live rows. */
  append(edges, fresh = false) {
    if (!edges.length) return;
    this.batches.push(new Batch(edges, fresh));
    this.firsts.push(this.length);
    this.length += edges.length;
  }

  /** Add `edges` before the first row, in their order; every index moves by their count. */
  prepend(edges, fresh = false) {
    if (!edges.length) return;
    this.batches.unshift(new Batch(edges, fresh));
    this.firsts.unshift(0);
    for (let at = 1; at < this.firsts.length; at += 1) this.firsts[at] += edges.length;
    this.length += edges.length;
  }

  /** The row at `index`, made afresh on each call (only the rows drawn are asked for). */
  get(index) {
    let low = 0;
    let high = this.batches.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.firsts[middle] <= index) low = middle;
      else high = middle - 1;
    }
    return this.batches[low].edge(index - this.firsts[low]);
  }
}
