// The live tail: Subscription.logs with the current filter, into the top of the list. It starts
// from the tail cursor of the first page shown, so nothing written since that page was read is
// missed. A pause ends the stream and keeps the last cursor received; resume subscribes again
// from it, so nothing is lost and nothing is held in the page meanwhile. When the server cuts
// the stream or the socket drops, it says so and resumes from the last cursor the same way.

import { TAIL } from "./documents.js";
import { socketClient } from "./api.js";

const FLUSH_MS = 200;
const RATE_WINDOW_MS = 5000;
const RETRY_MS = [500, 1000, 2000, 5000, 10_000];
const KEY_CLOSES = { 4401: "the API key is missing or was refused", 4403: "the API key lacks READ" };
// Errors a retry cannot mend: the filter itself is refused.
const FINAL_CODES = new Set(["BAD_USER_INPUT", "UNAUTHENTICATED", "FORBIDDEN"]);

function describe(error) {
  if (Array.isArray(error)) return error.map((item) => item.message).join("; ");
  if (KEY_CLOSES[error?.code]) return KEY_CLOSES[error.code];
  if (error && typeof error.code === "number") {
    return `the connection closed (${error.code}${error.reason ? `: ${error.reason}` : ""})`;
  }
  return error?.message || String(error);
}

function codeOf(error) {
  return Array.isArray(error) ? error[0]?.extensions?.code : undefined;
}

export class LiveTail {
  constructor({ onLogs, onStatus }) {
    this.callbacks = { onLogs, onStatus };
    this.client = socketClient({});
    this.active = false;
    this.paused = false;
    this.pending = [];
    this.arrivals = [];
    this.failures = 0;
    setInterval(() => this.report(), 1000);
  }

  /** Stream logs matching `filter` committed after `cursor` (a value or a promise of one,
   * such as the first page's tail cursor; from now when null). */
  async start(filter, cursor) {
    this.stopStream();
    this.drop();
    const run = (this.run = {});
    Object.assign(this, { filter, cursor: null, active: true, paused: false, failures: 0, message: "" });
    this.report();
    const after = await cursor;
    if (this.run !== run || !this.active) return;
    this.cursor = after;
    if (!this.paused) this.subscribe();
  }

  stop() {
    this.stopStream();
    this.flush();
    Object.assign(this, { active: false, paused: false, message: "" });
    this.report();
  }

  /** End the stream, keeping the cursor of the last log received. */
  pause() {
    this.stopStream();
    this.flush();
    this.paused = true;
    this.report();
  }

  resume() {
    this.paused = false;
    this.subscribe();
    this.report();
  }

  subscribe() {
    const variables = { filter: this.filter, after: this.cursor };
    let stream;
    const dispose = this.client.subscribe({ query: TAIL, variables }, {
      next: ({ data, errors }) => (data ? this.receive(stream, data.logs) : this.cut(stream, errors)),
      error: (error) => this.cut(stream, error),
      complete: () => this.cut(stream, { message: "the server ended the stream" }),
    });
    stream = dispose;
    this.dispose = dispose;
  }

  stopStream() {
    clearTimeout(this.retry);
    this.dispose?.();
    this.dispose = null;
  }

  receive(stream, edge) {
    if (stream !== this.dispose) return; // a stream already ended: its logs come again
    this.cursor = edge.cursor;
    this.failures = 0;
    this.message = "";
    this.arrivals.push(Date.now());
    this.pending.push(edge);
    this.flushSoon ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Forget logs not yet shown: the list they were for is gone. */
  drop() {
    clearTimeout(this.flushSoon);
    this.flushSoon = null;
    this.pending = [];
  }

  flush() {
    clearTimeout(this.flushSoon);
    this.flushSoon = null;
    if (!this.pending.length) return;
    const edges = this.pending;
    this.pending = [];
    this.callbacks.onLogs(edges);
  }

  /** The stream ended without being asked to: say why, and resume from the last cursor. */
  cut(stream, error) {
    if (!this.active || stream !== this.dispose) return;
    this.flush();
    this.dispose = null;
    const code = codeOf(error);
    if (FINAL_CODES.has(code)) {
      this.message = `Live tail stopped: ${describe(error)}.`;
      this.report();
      return;
    }
    let resuming = "Resuming from the last log received…";
    if (code === "SUBSCRIBER_TOO_SLOW") this.cursor = error[0].extensions.after || this.cursor;
    if (code === "CURSOR_EXPIRED") {
      this.cursor = null;
      resuming = "Starting again from now: logs written meanwhile are not shown.";
    }
    const wait = RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
    this.failures += 1;
    this.message = `Live tail interrupted: ${describe(error)}. ${resuming}`;
    this.retry = setTimeout(() => this.subscribe(), wait);
    this.report();
  }

  rate() {
    const since = Date.now() - RATE_WINDOW_MS;
    this.arrivals = this.arrivals.filter((time) => time >= since);
    return this.arrivals.length / (RATE_WINDOW_MS / 1000);
  }

  report() {
    if (!this.active) {
      this.callbacks.onStatus({ text: "", alert: "" });
      return;
    }
    const text = this.paused ? "Paused" : `Live · ${this.rate().toFixed(1)} logs/s`;
    this.callbacks.onStatus({ text, alert: this.message || "" });
  }
}
