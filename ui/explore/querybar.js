// The query bar: shows a state, and reads the state a person typed.

import { LEVELS, RELATIVE_RANGES, emptyState, parseCondition } from "./state.js";

const form = document.getElementById("query");
const field = (id) => document.getElementById(id);

function option(value, text = value) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = text;
  return element;
}

function buildLevelControls() {
  for (const level of LEVELS) {
    const label = document.createElement("label");
    label.innerHTML = `<input type="checkbox" name="level" value="${level}" /> ${level}`;
    field("levels").append(label);
    field("min-level").append(option(level));
  }
}

/** `datetime-local` wants local wall time without a zone. */
function localInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

function showRangeInputs() {
  form.classList.toggle("custom", field("range").value === "custom");
  form.classList.toggle("absolute", field("range").value === "absolute");
}

/** Put a state into the controls. */
export function fill(state) {
  field("text").value = state.text;
  field("regex").checked = state.regex;
  for (const box of form.querySelectorAll('input[name="level"]')) {
    box.checked = state.levels.includes(box.value);
  }
  field("min-level").value = state.minLevel;
  field("services").value = state.services.join(", ");
  field("exclude").value = state.exclude.join(", ");
  field("meta").value = state.meta.map((c) => `${c.path} ${c.op} ${c.value}`.trim()).join("\n");
  const absolute = Boolean(state.from && state.to);
  const relative = RELATIVE_RANGES.includes(state.range);
  field("range").value = absolute ? "absolute" : relative ? state.range : "custom";
  field("custom").value = absolute || relative ? "" : state.range;
  field("from").value = localInput(state.from);
  field("to").value = localInput(state.to);
  showRangeInputs();
}

const names = (text) => text.split(",").map((name) => name.trim()).filter(Boolean);

/** The state the controls describe; `base` supplies what the bar does not show. */
export function read(base) {
  const state = { ...emptyState(), order: base.order, tab: base.tab, patterns: base.patterns };
  state.text = field("text").value.trim();
  state.regex = field("regex").checked;
  state.levels = [...form.querySelectorAll('input[name="level"]:checked')].map((box) => box.value);
  state.minLevel = field("min-level").value;
  state.services = names(field("services").value);
  state.exclude = names(field("exclude").value);
  state.meta = field("meta").value.split("\n").map(parseCondition).filter(Boolean);
  const range = field("range").value;
  if (range === "absolute" && field("from").value && field("to").value) {
    state.from = new Date(field("from").value).toISOString();
    state.to = new Date(field("to").value).toISOString();
    state.range = "";
  } else {
    const custom = range === "custom" && field("custom").value.trim();
    state.range = custom || (RELATIVE_RANGES.includes(range) ? range : "24h");
  }
  return state;
}

/** Offer these service names while typing in the service fields. */
export function suggestServices(services) {
  field("service-names").replaceChildren(...services.map((name) => option(name)));
}

export function focusSearch() {
  field("text").focus();
  field("text").select();
}

/** Call `onSearch` whenever the person submits the bar. */
export function setup(onSearch) {
  buildLevelControls();
  field("range").addEventListener("change", showRangeInputs);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onSearch();
  });
}
