// A tiny element builder. Text always goes in as text nodes; no HTML string is
// ever parsed (customer text must never become markup). Shared by the staff
// pages (console, trainer page, dashboard, shell.js), served under each page.

/**
 * `h("button", {type: "button", "data-testid": "claim", onclick}, ["Claim"])`.
 * Keys starting with "on" add listeners, `class` sets className, `hidden` the
 * property; null, undefined and false values are skipped. String children are text.
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
  return append(element, children);
}

/** Append children (nodes, or strings as text), skipping null and false. */
export function append(parent, children) {
  for (const child of [].concat(children)) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return parent;
}

/** Replace all children of `parent`. */
export function replaceChildren(parent, children = []) {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  return append(parent, children);
}

/** The element with this id; fails loudly when index.html and the code disagree. */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} missing from index.html`);
  return element;
}
