// The sidebar: counts of the current search by level and by service (`stats`), each a button
// that narrows the search to it; their sum is the search's total.

import { FACETS } from "./documents.js";
import { request } from "./api.js";

const TOP_SERVICES = 10;

function facetButton(name, count, label, onClick) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "facet";
  button.setAttribute("aria-label", `${label} ${name} (${count})`);
  const text = document.createElement("span");
  text.textContent = name;
  const number = document.createElement("span");
  number.className = "count";
  number.textContent = count.toLocaleString();
  button.append(text, number);
  button.addEventListener("click", onClick);
  item.append(button);
  return item;
}

export class Facets {
  constructor(container, { onCount, onLevel, onService, onError }) {
    this.levels = container.querySelector("#facet-levels");
    this.services = container.querySelector("#facet-services");
    this.callbacks = { onCount, onLevel, onService, onError };
    this.generation = 0;
  }

  async load(filter) {
    this.generation += 1;
    const generation = this.generation;
    try {
      const { stats } = await request(FACETS, { filter });
      if (generation !== this.generation) return;
      this.callbacks.onCount(stats.totalLogs);
      this.levels.replaceChildren(...stats.byLevel.filter((entry) => entry.count).map((entry) => {
        const item = facetButton(entry.level, entry.count, "Filter level", () => this.callbacks.onLevel(entry.level));
        item.firstChild.classList.add("level", entry.level);
        return item;
      }));
      this.services.replaceChildren(...stats.byService.slice(0, TOP_SERVICES).map((entry) => facetButton(
        entry.service, entry.count, "Filter service", () => this.callbacks.onService(entry.service),
      )));
    } catch (error) {
      if (generation === this.generation) this.callbacks.onError(error);
    }
  }
}
