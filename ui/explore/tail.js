// The live tail: Subscription.logs with the current filter, into the top of the list. A pause
// holds arriving logs aside (shown as a count) and resume releases them, so none is lost; when
// the server cuts the stream or the socket drops, it says so and resumes from the last cursor.

import { TAIL } from "./documents.js";
import { socketClient } from "./api.js";

const FLUSH_MS = 200;
const RATE_WINDOW_MS = 5000;
const RETRY_MS = [500, 1000, 2000, 5000, 10_000];
const KEY_CLOSES = { 4401: "the API key is missing or was refused", 4403: "the API key lacks READ" };

function describe(error) {
  if (Array.isArray(error)) return error.map((item) => item.message).join("; ");
  if (KEY_CLOSES[error?.code]) return KEY_CLOSES[error.code];
  if (error && typeof error.code === "number") {
    return `the connection closed (${error.code}${error.reason ? `: ${error.reason}` : ""})`;
  }
  return error?.message || String(error);
}

export class LiveTail {
  constructor({ onLogs, onStatus }) {
    this.callbacks = { onLogs, onStatus };
    this.client = socketClient({});
    this.active = false;
    this.paused = false;
    this.held = [];
    this.pending = [];
    this.arrivals = [];
    this.failures = 0;
    setInterval(() => this.report(), 1000);
  }

  /** Stream logs matching `filter` from now on. */
  start(filter) {
    this.stopStream();
    Object.assign(this, { filter, active: true, paused: false, held: [], cursor: null, failures: 0 });
    this.subscribe();
    this.report();
  }

  stop() {
    this.stopStream();
    Object.assign(this, { active: false, paused: false, held: [] });
    this.report();
  }

  pause() {
    this.paused = true;
    this.report();
  }

  resume() {
    this.paused = false;
    this.pending.push(...this.held);
    this.held = [];
    this.flush();
    this.report();
  }

  subscribe() {
    const variables = { filter: this.filter, after: this.cursor };
    let stream;
    const dispose = this.client.subscribe({ query: TAIL, variables }, {
      next: ({ data, errors }) => (data ? this.receive(data.logs) : this.cut(stream, errors)),
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

  receive(edge) {
    this.cursor = edge.cursor;
    this.failures = 0;
    this.cutMessage = "";
    this.arrivals.push(Date.now());
    (this.paused ? this.held : this.pending).push(edge);
    if (this.paused) this.report();
    else this.flushSoon ??= setTimeout(() => this.flush(), FLUSH_MS);
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
    const resumeAfter = Array.isArray(error) ? error[0]?.extensions?.after : null;
    if (resumeAfter) this.cursor = resumeAfter;
    const wait = RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
    this.failures += 1;
    this.cutMessage = `Live tail interrupted: ${describe(error)}. Resuming from the last log received…`;
    this.dispose = null;
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
    const rate = `${this.rate().toFixed(1)} logs/s`;
    const text = this.paused ? `Paused · ${this.held.length} new · ${rate}` : `Live · ${rate}`;
    this.callbacks.onStatus({ text, alert: this.cutMessage || "" });
  }
}
