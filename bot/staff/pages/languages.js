// The languages as the staff pages show them, from the server's registry
// (./constants.js, generated from bot/core/languages.py): names, direction,
// and the <option>s of language pickers. No page lists languages itself.

import { h } from "./dom.js";
import { LANGUAGES, RIGHT_TO_LEFT } from "./constants.js";

const BY_CODE = new Map(LANGUAGES.map((language) => [language.code, language]));

/** "Persian" for `fa`; an unknown code as it comes. */
export function languageName(code) {
  const language = BY_CODE.get(code);
  if (language) return language.name;
  return code ? String(code) : "Unknown language";
}

export function isRightToLeft(code) {
  return RIGHT_TO_LEFT.includes(code);
}

/** One `<option value="fa">Persian</option>` a language, in the registry's order. */
export function languageOptions() {
  return LANGUAGES.map((language) => h("option", { value: language.code }, [language.name]));
}
