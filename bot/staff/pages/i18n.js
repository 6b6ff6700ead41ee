// The staff pages' language (console, trainer page, dashboard): the strings of
// ./locales/<code>.json (one key set; English fills a gap), numbers, plurals
// and times in that language, and the page's `lang` and `dir` (Persian is right
// to left). Before sign-in the language is the last one chosen in this browser
// (localStorage) or the browser's own; shell.js then takes the account's
// (bot/staff/api.py keeps it, so it follows the agent to another device).
//
// Text in index.html is marked `data-i18n="key"` (its text),
// `data-i18n-placeholder`, `data-i18n-aria-label`, `data-i18n-title`, with
// `data-i18n-params` (JSON) for `{name}` placeholders; applyTranslations()
// fills them at start and on every change. Text built in JS uses t("key",
// {params}) and plural("key", count) (keys `key_one`, `key_other`, ...), and
// re-renders in an onLanguageChange() listener. Customers' text, names and
// data (intents, FAQ keys, canned answers) are never translated.

import { DEFAULT_LANGUAGE, LANGUAGES, RIGHT_TO_LEFT } from "./constants.js";

const STORAGE_KEY = "staff.language";
const CODES = new Set(LANGUAGES.map((language) => language.code));
/** Attributes applyTranslations fills: data-i18n-<name> → the attribute <name>. */
const ATTRIBUTES = ["placeholder", "aria-label", "title"];

const catalogs = new Map();
const listeners = new Set();
let current = DEFAULT_LANGUAGE;
let numbers = new Intl.NumberFormat(DEFAULT_LANGUAGE);
let plurals = new Intl.PluralRules(DEFAULT_LANGUAGE);

/** A registered code for a BCP 47 tag ("fa-IR" → "fa"), or null. */
export function matchLanguage(tag) {
  const primary = typeof tag === "string" ? tag.trim().replace("_", "-").split("-")[0].toLowerCase() : "";
  return CODES.has(primary) ? primary : null;
}

/** The last language chosen in this browser, else the browser's first registered one, else English. */
function initialLanguage() {
  let saved = null;
  try {
    saved = matchLanguage(localStorage.getItem(STORAGE_KEY));
  } catch (error) {
    console.warn("staff: the saved language is unreadable", error);
  }
  if (saved) return saved;
  for (const tag of navigator.languages || [navigator.language]) {
    const code = matchLanguage(tag);
    if (code) return code;
  }
  return DEFAULT_LANGUAGE;
}

async function loadCatalog(code) {
  if (catalogs.has(code)) return catalogs.get(code);
  const response = await fetch(new URL(`./locales/${code}.json`, import.meta.url), { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`locales/${code}.json: HTTP ${response.status}`);
  const catalog = await response.json();
  catalogs.set(code, catalog);
  return catalog;
}

function template(key) {
  const own = catalogs.get(current);
  if (own && typeof own[key] === "string") return own[key];
  const english = catalogs.get(DEFAULT_LANGUAGE);
  if (english && typeof english[key] === "string") return english[key];
  console.warn(`staff: no text for "${key}"`);
  return key;
}

function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (match, name) => {
    if (!params || !(name in params)) return match;
    const value = params[name];
    return typeof value === "number" ? numbers.format(value) : String(value);
  });
}

/** The text of `key` in the page's language, `{name}` filled from `params` (numbers in the language's digits). */
export function t(key, params) {
  return fill(template(key), params);
}

/** `key_one`, `key_other`, ... chosen by `count` under the language's plural rules; `{count}` filled. */
export function plural(key, count, params = {}) {
  const own = catalogs.get(current) || {};
  const form = `${key}_${plurals.select(count)}`;
  return fill(template(form in own || form in (catalogs.get(DEFAULT_LANGUAGE) || {}) ? form : `${key}_other`), { count, ...params });
}

/** A number in the page's language (its digits and separators). */
export function formatNumber(value, options) {
  return options ? new Intl.NumberFormat(current, options).format(value) : numbers.format(value);
}

/**
 * An Intl.DateTimeFormat of the page's language, or, for a language the
 * browser has no date data for (Chromium has none for Armenian), the 24-hour
 * "dd.mm.yyyy HH:MM" used there, as the widget does (web_widget/src/i18n.js).
 */
export function dateFormatter(options) {
  if (Intl.DateTimeFormat.supportedLocalesOf(current).length) return new Intl.DateTimeFormat(current, options);
  const pad = (value) => String(value).padStart(2, "0");
  return {
    format(date) {
      const parts = [];
      if (options.day || options.dateStyle) parts.push(`${pad(date.getDate())}.${pad(date.getMonth() + 1)}${options.year || options.dateStyle ? `.${date.getFullYear()}` : ""}`);
      if (options.hour || options.timeStyle) parts.push(`${pad(date.getHours())}:${pad(date.getMinutes())}`);
      return parts.join(" ");
    },
  };
}

export function currentLanguage() {
  return current;
}

export function isRightToLeft(code = current) {
  return RIGHT_TO_LEFT.includes(code);
}

/** Fill every element marked with data-i18n* under `root` (the whole document by default). */
export function applyTranslations(root = document) {
  const marked = (selector) => [...(root.matches && root.matches(selector) ? [root] : []), ...root.querySelectorAll(selector)];
  const paramsOf = (element) => {
    try {
      return element.dataset.i18nParams ? JSON.parse(element.dataset.i18nParams) : undefined;
    } catch (error) {
      return undefined;
    }
  };
  for (const element of marked("[data-i18n]")) element.textContent = t(element.dataset.i18n, paramsOf(element));
  for (const attribute of ATTRIBUTES) {
    for (const element of marked(`[data-i18n-${attribute}]`)) {
      element.setAttribute(attribute, t(element.getAttribute(`data-i18n-${attribute}`), paramsOf(element)));
    }
  }
  return root;
}

/** Call `listener(code)` after every change of language; returns a function that stops it. */
export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Show the pages in `code` (a registered language): its catalog is loaded, the
 * document's lang and dir set, marked text filled, listeners told. `remember`:
 * keep it as this browser's choice for the next sign-in form.
 */
export async function setLanguage(code, { remember = true } = {}) {
  const language = matchLanguage(code) || DEFAULT_LANGUAGE;
  try {
    await loadCatalog(language);
  } catch (error) {
    console.warn(`staff: the ${language} strings could not be loaded; English stays`, error);
    return current;
  }
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, language);
    } catch (error) {
      console.warn("staff: could not keep the chosen language", error);
    }
  }
  const changed = language !== current;
  current = language;
  numbers = new Intl.NumberFormat(language);
  plurals = new Intl.PluralRules(language);
  document.documentElement.lang = language;
  document.documentElement.dir = isRightToLeft(language) ? "rtl" : "ltr";
  applyTranslations();
  if (changed) for (const listener of listeners) listener(language);
  return language;
}

// English first (it fills any gap), then the language to start in: the modules
// that import this one run once both are here.
try {
  await loadCatalog(DEFAULT_LANGUAGE);
} catch (error) {
  console.warn("staff: the English strings could not be loaded; keys are shown", error);
}
await setLanguage(initialLanguage(), { remember: false });
