// The whole view as a plain object, kept in the URL so that a link reproduces it.

export const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
export const METADATA_OPERATORS = [
  "equals", "notEquals", "in", "exists", "contains", "gt", "gte", "lt", "lte",
];
export const RELATIVE_RANGES = ["15m", "1h", "24h", "7d"];
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const LIST_PARAMS = { level: "levels", service: "services", exclude: "exclude", pattern: "patterns" };
export const TABS = ["logs", "patterns"];

export function emptyState() {
  return {
    text: "", regex: false, levels: [], minLevel: "", services: [], exclude: [], meta: [],
    range: "24h", from: "", to: "", order: "desc", log: "", patterns: [], tab: "logs",
  };
}

/** The state a URL's query string describes; anything missing takes its default. */
export function stateFromSearch(search) {
  const params = new URLSearchParams(search);
  const state = emptyState();
  state.text = params.get("q") || "";
  state.regex = params.get("re") === "1";
  for (const [param, key] of Object.entries(LIST_PARAMS)) {
    state[key] = (params.get(param) || "").split(",").filter(Boolean);
  }
  state.levels = state.levels.filter((level) => LEVELS.includes(level));
  state.minLevel = LEVELS.includes(params.get("min")) ? params.get("min") : "";
  state.meta = params.getAll("m").map(parseCondition).filter(Boolean);
  state.from = params.get("from") || "";
  state.to = params.get("to") || "";
  state.range = state.from && state.to ? "" : params.get("range") || "24h";
  state.order = params.get("order") === "asc" ? "asc" : "desc";
  state.log = params.get("log") || "";
  state.tab = TABS.includes(params.get("tab")) ? params.get("tab") : "logs";
  return state;
}

/** The query string for a state, leaving out defaults so links stay short. */
export function searchFromState(state) {
  const params = new URLSearchParams();
  if (state.text) params.set("q", state.text);
  if (state.regex) params.set("re", "1");
  for (const [param, key] of Object.entries(LIST_PARAMS)) {
    if (state[key].length) params.set(param, state[key].join(","));
  }
  if (state.minLevel) params.set("min", state.minLevel);
  for (const condition of state.meta) {
    params.append("m", `${condition.path} ${condition.op} ${condition.value}`.trim());
  }
  if (state.from && state.to) {
    params.set("from", state.from);
    params.set("to", state.to);
  } else if (state.range !== "24h") {
    params.set("range", state.range);
  }
  if (state.order === "asc") params.set("order", "asc");
  if (state.log) params.set("log", state.log);
  if (state.tab !== "logs") params.set("tab", state.tab);
  return "?" + params.toString();
}

/** `path op value` as written in the query bar or the URL; null when it does not parse. */
export function parseCondition(text) {
  const found = /^\s*(\S+)\s+(\S+)\s*(.*)$/.exec(text);
  if (!found || !METADATA_OPERATORS.includes(found[2])) return null;
  return { path: found[1], op: found[2], value: found[3].trim() };
}

/** Milliseconds in a relative range such as `15m`, `36h` or `7d`; NaN when it is not one. */
export function rangeMs(range) {
  const found = /^(\d+)([mhd])$/.exec(range);
  return found ? Number(found[1]) * UNIT_MS[found[2]] : NaN;
}

/** The [start, end] instants (ms) the state covers, relative ranges ending `now`. */
export function timeBounds(state, now) {
  if (state.from && state.to) return [Date.parse(state.from), Date.parse(state.to)];
  const width = rangeMs(state.range);
  return [now - (Number.isNaN(width) ? UNIT_MS.d : width), now];
}

function jsonOrText(value) {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function conditionInput({ path, op, value }) {
  const parsed = {
    equals: () => jsonOrText(value),
    notEquals: () => jsonOrText(value),
    in: () => {
      const list = jsonOrText(value);
      return Array.isArray(list) ? list : value.split(",").map((item) => jsonOrText(item.trim()));
    },
    exists: () => value !== "false",
    contains: () => value,
  }[op];
  return { path, [op]: parsed ? parsed() : Number(value) };
}

/** The `LogFilter` of a state, without time bounds (the live tail has none). */
export function matchFilter(state) {
  const filter = {};
  if (state.text) filter[state.regex ? "messageMatches" : "messageContains"] = state.text;
  if (state.levels.length) filter.levels = state.levels;
  if (state.minLevel) filter.minLevel = state.minLevel;
  if (state.services.length) filter.services = state.services;
  if (state.exclude.length) filter.not = { services: state.exclude };
  if (state.meta.length) filter.metadata = state.meta.map(conditionInput);
  if (state.patterns.length) filter.patterns = state.patterns;
  return filter;
}

/** The `LogFilter` of a state between two instants. */
export function rangeFilter(state, [start, end]) {
  return {
    ...matchFilter(state),
    startTime: new Date(start).toISOString(),
    endTime: new Date(end).toISOString(),
  };
}
