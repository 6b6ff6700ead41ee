// A tiny element builder. Text always goes in through textContent; no HTML
// string is ever parsed.

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * `h("button", {type: "button", "data-testid": "send", onclick}, ["Send"])`.
 * Keys starting with "on" become listeners, `class` sets className, `hidden` the
 * property; `null`/`false` attribute values are skipped. String children are text.
 */
export function h(tag, attributes = {}, children = []) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name === "hidden") element.hidden = Boolean(value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

/** Append children (nodes or strings as text), skipping null and false. */
export function append(parent, children) {
  for (const child of [].concat(children)) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return parent;
}

/** Replace all children of `parent` (text as text). */
export function replaceChildren(parent, children) {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  return append(parent, children);
}

// 24×24 outline icons (paths drawn for this widget).
const ICONS = {
  chat: "M4 5h16v10H8l-4 4z",
  close: "M6 6l12 12M18 6L6 18",
  send: "M4 12l16-8-6 16-2-7z",
  person: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21c0-4 4-6 8-6s8 2 8 6",
  bot: "M6 8h12v10H6zM12 4v4M9 13h.01M15 13h.01M3 12v3M21 12v3",
  star: "M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1-4.4-4.3 6.1-.9z",
  headset: "M4 14v-2a8 8 0 0 1 16 0v2M4 14h3v5H4zM17 14h3v5h-3z",
  clip: "M20 11.5l-8.1 8.1a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8",
  file: "M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zM14 3v5h5M9 13h6M9 17h6",
};

/** A decorative icon (hidden from assistive technology). */
export function icon(name, className = "icon") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", className);
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", ICONS[name]);
  svg.appendChild(path);
  return svg;
}
