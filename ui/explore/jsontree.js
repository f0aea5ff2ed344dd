// Metadata as a collapsible tree; each value offers to add itself to the filter, or exclude it.

function leaf(path, value, onFilter) {
  const item = document.createElement("li");
  const key = document.createElement("span");
  key.className = "key";
  key.textContent = path.at(-1);
  const shown = document.createElement("span");
  shown.className = `value ${value === null ? "null" : typeof value}`;
  shown.textContent = JSON.stringify(value);
  item.append(key, ": ", shown);
  const dotted = path.join(".");
  for (const [op, sign, verb] of [["equals", "+", "Filter"], ["notEquals", "−", "Exclude"]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "quiet tiny";
    button.textContent = sign;
    button.setAttribute("aria-label", `${verb} ${dotted} = ${JSON.stringify(value)}`);
    button.addEventListener("click", () => onFilter({ path: dotted, op, value: JSON.stringify(value) }));
    item.append(" ", button);
  }
  return item;
}

function branch(path, value, onFilter) {
  const item = document.createElement("li");
  const details = document.createElement("details");
  details.open = true;
  const summary = document.createElement("summary");
  const size = Array.isArray(value) ? `[${value.length}]` : `{${Object.keys(value).length}}`;
  summary.textContent = `${path.at(-1)} ${size}`;
  details.append(summary, children(path, value, onFilter));
  item.append(details);
  return item;
}

function children(path, value, onFilter) {
  const list = document.createElement("ul");
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key];
    const isBranch = child !== null && typeof child === "object";
    list.append(isBranch ? branch(childPath, child, onFilter) : leaf(childPath, child, onFilter));
  }
  return list;
}

/** The tree of a metadata object; `onFilter({path, op, value})` when a button is pressed. */
export function jsonTree(metadata, onFilter) {
  const tree = children([], metadata ?? {}, onFilter);
  tree.className = "json-tree";
  return tree;
}
