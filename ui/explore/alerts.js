// The alerts panel: the rules, the recent alerts, and new ones as they fire, each alert a link
// to the search that shows the logs behind it.

import { ALERTS, ALERTS_LIVE } from "./documents.js";
import { request, socketClient } from "./api.js";
import { emptyState, searchFromState } from "./state.js";
import { timeElement } from "./format.js";

const RETRY_MS = 2000;
const panel = document.getElementById("alerts");
const toggle = document.getElementById("alerts-toggle");

/** The search for an alert's logs: its rule's conditions over the window before it fired. */
export function alertSearch(alert, rule) {
  const state = emptyState();
  const fired = Date.parse(alert.firedAt);
  state.from = new Date(fired - alert.windowSeconds * 1000).toISOString();
  state.to = new Date(fired + 1000).toISOString();
  state.range = "";
  const level = rule ? rule.level : alert.level;
  if (level) state.levels = [level];
  if (rule?.minLevel) state.minLevel = rule.minLevel;
  if (alert.service) state.services = [alert.service];
  if (rule?.messageContains) state.text = rule.messageContains;
  return `/explore${searchFromState(state)}`;
}

function ruleItem(rule) {
  const item = document.createElement("li");
  const conditions = [
    rule.level && `level ${rule.level}`, rule.minLevel && `level ≥ ${rule.minLevel}`,
    rule.service && `service ${rule.service}`, rule.messageContains && `“${rule.messageContains}”`,
  ].filter(Boolean).join(", ");
  item.textContent = `${rule.name}: ≥ ${rule.threshold} in ${rule.windowSeconds} s (${conditions})`;
  return item;
}

export class AlertsPanel {
  constructor({ onError }) {
    this.onError = onError;
    this.rules = new Map();
    this.unseen = 0;
    this.client = socketClient({});
    toggle.addEventListener("click", () => this.setOpen(panel.hidden));
  }

  setOpen(open) {
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) this.unseen = 0;
    this.showUnseen();
  }

  showUnseen() {
    toggle.textContent = this.unseen ? `Alerts (${this.unseen} new)` : "Alerts";
  }

  /** Load the rules and recent alerts, then follow new ones. */
  async start() {
    try {
      const { alertRules, alerts } = await request(ALERTS);
      this.rules = new Map(alertRules.map((rule) => [rule.name, rule]));
      panel.querySelector("#alert-rules").replaceChildren(...alertRules.map(ruleItem));
      panel.querySelector("#alert-list").replaceChildren(...alerts.map((alert) => this.alertItem(alert)));
      this.follow();
    } catch (error) {
      this.onError(error);
    }
  }

  follow() {
    this.client.subscribe({ query: ALERTS_LIVE }, {
      next: ({ data }) => data && this.arrive(data.alerts),
      error: () => setTimeout(() => this.start(), RETRY_MS),
      complete: () => setTimeout(() => this.start(), RETRY_MS),
    });
  }

  arrive(alert) {
    panel.querySelector("#alert-list").prepend(this.alertItem(alert, true));
    if (panel.hidden) this.unseen += 1;
    this.showUnseen();
  }

  alertItem(alert, fresh = false) {
    const item = document.createElement("li");
    item.className = fresh ? "fresh" : "";
    const link = document.createElement("a");
    link.href = alertSearch(alert, this.rules.get(alert.rule));
    link.textContent = `${alert.rule}: ${alert.count} logs (threshold ${alert.threshold})`;
    item.append(link, " ", timeElement(alert.firedAt));
    return item;
  }
}
