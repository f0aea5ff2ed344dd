// How instants and levels are shown: the browser's own zone, UTC on hover.

const pad = (number, width = 2) => String(number).padStart(width, "0");

/** `2026-12-07 14:03:21.042` in the browser's zone. */
export function localTime(iso) {
  const d = new Date(iso);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${date} ${time}.${pad(d.getMilliseconds(), 3)}`;
}

/** A <time> element showing local time, with UTC as its tooltip. */
export function timeElement(iso) {
  const element = document.createElement("time");
  element.dateTime = iso;
  element.textContent = localTime(iso);
  element.title = `${new Date(iso).toISOString().replace("T", " ").replace("Z", "")} UTC`;
  return element;
}

export function levelElement(level) {
  const element = document.createElement("span");
  element.className = `level ${level}`;
  element.textContent = level;
  return element;
}
