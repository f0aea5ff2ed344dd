// The explorer page: one state, kept in the URL; each view draws from it.

import * as querybar from "./querybar.js";
import { AlertsPanel } from "./alerts.js";
import { Detail } from "./detail.js";
import { FACETS } from "./documents.js";
import * as keys from "./keys.js";
import { Facets } from "./facets.js";
import { request } from "./api.js";
import { Histogram } from "./histogram.js";
import { LiveTail } from "./tail.js";
import { PatternList } from "./patterns.js";
import { ResultList } from "./results.js";
import { matchFilter, rangeFilter, searchFromState, stateFromSearch, timeBounds } from "./state.js";

const status = document.getElementById("status");
let state = stateFromSearch(location.search);
// The shown search's first page: resolves to its tail cursor, where the live tail starts.
let firstPage = Promise.resolve(null);

function say(message, isError = false) {
  status.textContent = message;
  status.classList.toggle("error", isError);
}

/** Every view's failures end here: a key problem opens the key prompt. */
function fail(error) {
  const problem = keys.keyProblem(error);
  if (problem) keys.askForKey(problem);
  else say(error.message, true);
}

/** The total once the facets counted it; until then, how many rows are loaded. */
function showTotal(total, loaded) {
  const shown = `${loaded.toLocaleString()} loaded`;
  document.getElementById("total").textContent = total === null
    ? shown
    : `${total.toLocaleString()} log${total === 1 ? "" : "s"} match · ${shown}`;
}

/** Record the opened log in the URL without a new history entry. */
function replaceLog(id) {
  state = { ...state, log: id };
  history.replaceState(null, "", searchFromState(state));
}

/** A filter change from the detail view: add a service, an exclusion or a metadata condition. */
function addFilter({ service, exclude, condition }) {
  const next = { ...state, log: "" };
  if (service) next.services = [...new Set([...state.services, service])];
  if (exclude) next.exclude = [...new Set([...state.exclude, exclude])];
  if (condition) next.meta = [...state.meta, condition];
  navigate(next);
}

const detail = new Detail({
  onFilter: addFilter,
  onClose: () => {
    replaceLog("");
    document.getElementById("results").focus();
  },
  linkTo: (id) => new URL(`/explore${searchFromState({ ...state, log: id })}`, location.href).href,
});

const results = new ResultList(document.getElementById("results"), {
  onOpen: (edge, order) => {
    replaceLog(edge.node.id);
    // Live rows carry no list cursor: the detail looks one up for the context.
    if (edge.cursor) detail.show(edge, order);
    else detail.showById(edge.node.id, order);
  },
  onTotal: showTotal,
  onError: fail,
});

const histogram = new Histogram(document.getElementById("histogram"), {
  onRange: (from, to) => {
    const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), range: "" };
    navigate({ ...state, ...range, log: "" });
  },
  onError: fail,
});

const facets = new Facets(document.getElementById("facets"), {
  onCount: (total) => results.count(total),
  onLevel: (level) => navigate({ ...state, levels: [level], minLevel: "", log: "" }),
  onService: (service) => addFilter({ service }),
  onError: fail,
});

const patterns = new PatternList(document.getElementById("patterns"), {
  onPick: ({ id }) => navigate({ ...state, patterns: [id], tab: "logs", log: "" }),
  onError: fail,
});

/** Show the state's tab (listing the patterns when it is theirs) and its pattern filter. */
function showTab(filter, bounds) {
  const onPatterns = state.tab === "patterns";
  document.getElementById("tab-logs").setAttribute("aria-selected", String(!onPatterns));
  document.getElementById("tab-patterns").setAttribute("aria-selected", String(onPatterns));
  document.getElementById("logs-panel").hidden = onPatterns;
  document.getElementById("patterns").hidden = !onPatterns;
  if (onPatterns) patterns.load(filter, bounds);
  const names = state.patterns.map((id) => patterns.template(id) || `#${id}`);
  document.getElementById("pattern-filter").hidden = !names.length;
  document.getElementById("pattern-filter-text").textContent = `Pattern: ${names.join(" or ")}`;
}

const tailButton = document.getElementById("tail");
const pauseButton = document.getElementById("tail-pause");
const tail = new LiveTail({
  onLogs: (edges) => results.addLive(edges.map(({ node }) => ({ cursor: null, node }))),
  onStatus: ({ text, alert }) => {
    document.getElementById("tail-status").textContent = text;
    const shown = document.getElementById("tail-alert");
    shown.textContent = alert;
    shown.hidden = !alert;
  },
});

function toggleTail() {
  const on = tailButton.getAttribute("aria-pressed") !== "true";
  tailButton.setAttribute("aria-pressed", String(on));
  pauseButton.hidden = !on;
  pauseButton.textContent = "Pause";
  if (on) tail.start(matchFilter(state), firstPage);
  else tail.stop();
}

function togglePause() {
  if (tail.paused) tail.resume();
  else tail.pause();
  pauseButton.textContent = tail.paused ? "Resume" : "Pause";
}

let searches = 0;

/** Draw every view for the current state; resolves once the rows and the histogram are
 * drawn (or failed). The facets, which also count the total, are asked for only then: on two
 * busy cores, counting alongside would slow what the person looks at first. */
function run() {
  performance.mark("explore:search");
  searches += 1;
  const search = searches;
  say("");
  const bounds = timeBounds(state, Date.now());
  const filter = rangeFilter(state, bounds);
  document.getElementById("order").textContent = state.order === "asc" ? "Oldest first" : "Newest first";
  firstPage = results.load(filter, state.order);
  const drawn = Promise.allSettled([firstPage, histogram.load(filter, bounds)]);
  drawn.then(() => {
    if (search === searches) facets.load(filter);
  });
  showTab(filter, bounds);
  if (tail.active) tail.start(matchFilter(state), firstPage);
  pauseButton.textContent = "Pause";
  if (state.log) detail.showById(state.log, state.order);
  else if (detail.isOpen) detail.close();
  return drawn;
}

/** A new state: a new history entry (so Back returns to the last search), then draw it. */
function navigate(next) {
  state = next;
  history.pushState(null, "", searchFromState(state));
  querybar.fill(state);
  run();
}

async function suggestServices() {
  try {
    const { stats } = await request(FACETS, { filter: null });
    querybar.suggestServices(stats.byService.map((entry) => entry.service));
  } catch {
    // Suggestions are a convenience: the search itself reports errors.
  }
}

const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT"]);
const KEYS = {
  j: () => results.move(1),
  ArrowDown: () => results.move(1),
  k: () => results.move(-1),
  ArrowUp: () => results.move(-1),
  Enter: () => results.open(),
  "/": () => querybar.focusSearch(),
};

function onKey(event) {
  if (event.key === "Escape" && detail.isOpen) {
    detail.close();
    return;
  }
  if (TYPING.has(event.target.tagName) || event.target.tagName === "BUTTON") return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const action = KEYS[event.key];
  if (!action) return;
  event.preventDefault();
  action();
}

querybar.setup(() => navigate(querybar.read(state)));
document.getElementById("order").addEventListener("click", () => {
  navigate({ ...state, order: state.order === "asc" ? "desc" : "asc" });
});
document.addEventListener("keydown", onKey);
tailButton.addEventListener("click", toggleTail);
for (const tab of ["logs", "patterns"]) {
  document.getElementById(`tab-${tab}`).addEventListener("click", () => {
    if (state.tab !== tab) navigate({ ...state, tab, log: "" });
  });
}
document.getElementById("pattern-filter-remove").addEventListener("click", () => {
  navigate({ ...state, patterns: [], log: "" });
});
pauseButton.addEventListener("click", togglePause);
window.addEventListener("popstate", () => {
  state = stateFromSearch(location.search);
  querybar.fill(state);
  run();
});
const alerts = new AlertsPanel({ onError: fail });
keys.setup();

querybar.fill(state);
// What the first view does not show waits until it is drawn.
run().then(() => {
  suggestServices();
  alerts.start();
});
