// Language choice and translated strings. The languages, the default and their
// direction are the server's registry (./generated/constants.js); the texts live
// in locales/<code>.json, one file per language with the same keys (a test checks
// every registered language has one); English fills any gap.

import en from "./locales/en.json" with { type: "json" };
import hy from "./locales/hy.json" with { type: "json" };
import fa from "./locales/fa.json" with { type: "json" };
import ms from "./locales/ms.json" with { type: "json" };
import { DEFAULT_LANGUAGE, LANGUAGE_CODES, RIGHT_TO_LEFT } from "./generated/constants.js";

/** The locale files bundled; only the registry's languages are offered. */
const LOCALES = { en, hy, fa, ms };
const STRINGS = Object.fromEntries(LANGUAGE_CODES.filter((code) => code in LOCALES).map((code) => [code, LOCALES[code]]));

/** "fa-IR" → "fa"; null when the tag names no supported language. */
export function supportedLanguage(tag) {
  if (typeof tag !== "string") return null;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return LANGUAGE_CODES.includes(primary) ? primary : null;
}

/** data-language, else <html lang>, else the browser's languages, else English. */
export function pickLanguage(attribute, documentLanguage, browserLanguages) {
  const candidates = [attribute, documentLanguage, ...(browserLanguages || [])];
  for (const candidate of candidates) {
    const language = supportedLanguage(candidate);
    if (language) return language;
  }
  return DEFAULT_LANGUAGE;
}

const pad = (n) => String(n).padStart(2, "0");

/**
 * Formats a Date as a time (with the date when `withDate`). Browsers without
 * date data for the language (Chromium has none for Armenian) would fall back
 * to US English; they get the 24-hour "dd.mm HH:MM" used in those countries instead.
 */
function timeFormatter(language, withDate) {
  if (Intl.DateTimeFormat.supportedLocalesOf(language).length) {
    const options = { hour: "numeric", minute: "2-digit" };
    return new Intl.DateTimeFormat(language, withDate ? { month: "short", day: "numeric", ...options } : options);
  }
  return {
    format(date) {
      const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
      return withDate ? `${pad(date.getDate())}.${pad(date.getMonth() + 1)} ${clock}` : clock;
    },
  };
}

/** Whether the widget has its own strings for `code` (else English is shown). */
export function hasStrings(code) {
  return Object.prototype.hasOwnProperty.call(STRINGS, code);
}

/** Strings, numbers and times of one language. */
export function createTranslator(language) {
  const strings = STRINGS[language] || STRINGS[DEFAULT_LANGUAGE];
  const plurals = new Intl.PluralRules(language);
  const numbers = new Intl.NumberFormat(language);
  const time = timeFormatter(language, false);
  const dateTime = timeFormatter(language, true);

  function template(key) {
    return strings[key] ?? STRINGS[DEFAULT_LANGUAGE][key] ?? key;
  }

  function fill(text, params) {
    return text.replace(/\{(\w+)\}/g, (match, name) => {
      if (!(name in params)) return match;
      const value = params[name];
      return typeof value === "number" ? numbers.format(value) : String(value);
    });
  }

  return {
    language,
    dir: RIGHT_TO_LEFT.includes(language) ? "rtl" : "ltr",
    /** The text of `key` with `{name}` placeholders filled (numbers in the language's digits). */
    t(key, params = {}) {
      return fill(template(key), params);
    },
    /** `key_one` / `key_other` … chosen by `count` under the language's plural rules. */
    plural(key, count, params = {}) {
      const form = plurals.select(count);
      const chosen = `${key}_${form}` in strings ? `${key}_${form}` : `${key}_other`;
      return fill(template(chosen), { count, ...params });
    },
    /** A message time: hours and minutes today, with the date otherwise. */
    formatTime(ms, now = Date.now()) {
      const date = new Date(ms);
      const sameDay = new Date(now).toDateString() === date.toDateString();
      return (sameDay ? time : dateTime).format(date);
    },
  };
}
