// What the embedding page asks for, read once from the script tag:
// data-server, data-language, data-color, data-title, data-position.

import { pickLanguage } from "./i18n.js";
import { serverBase } from "./server.js";

const MAX_TITLE_CHARS = 80;

function colorOrNull(value) {
  const color = (value || "").trim();
  return color && typeof CSS !== "undefined" && CSS.supports && CSS.supports("color", color) ? color : null;
}

/** The widget's settings from `script`'s data attributes, the page and the browser. */
export function readConfig(script, doc = document, nav = navigator) {
  const data = (script && script.dataset) || {};
  const title = (data.title || "").trim().slice(0, MAX_TITLE_CHARS);
  return {
    serverBase: serverBase(data.server, script && script.src, doc.location.href),
    language: pickLanguage(data.language, doc.documentElement.lang, nav.languages || [nav.language]),
    color: colorOrNull(data.color),
    title: title || null,
    position: data.position === "left" ? "left" : "right",
  };
}

/** The script element that loaded the widget, for loaders that leave document.currentScript empty. */
export function findOwnScript(doc = document) {
  const scripts = doc.querySelectorAll("script[src]");
  for (let i = scripts.length - 1; i >= 0; i--) {
    if (/\/widget\.js(\?|#|$)/.test(scripts[i].src)) return scripts[i];
  }
  return null;
}
