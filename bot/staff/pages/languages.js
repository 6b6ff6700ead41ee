// The languages as the staff pages show them, from the server's registry
// (./constants.js, generated from bot/core/languages.py): names in the page's
// language, direction, the <option>s of language filters, and the picker of
// the pages' own language (native names). No page lists languages itself.

import { h } from "./dom.js";
import { LANGUAGES, RIGHT_TO_LEFT } from "./constants.js";
import { t } from "./i18n.js";

const BY_CODE = new Map(LANGUAGES.map((language) => [language.code, language]));

/** Catalog key of a registered language's name ("language.fa"); every catalog has one a registered code. */
function nameKey(code) {
  return `language.${code}`;
}

/** "Persian" for `fa` (in the page's language); an unknown code as it comes. */
export function languageName(code) {
  if (BY_CODE.has(code)) return t(nameKey(code));
  return code ? String(code) : t("language.unknown");
}

/** Whether text in language `code` (a customer's, say) reads right to left. */
export function isRightToLeft(code) {
  return RIGHT_TO_LEFT.includes(code);
}

/** One `<option value="fa">Persian</option>` a language, in the registry's order; renamed when the page's language changes. */
export function languageOptions() {
  return LANGUAGES.map((language) => h("option", { value: language.code, "data-i18n": nameKey(language.code) }, [languageName(language.code)]));
}

/** The pages' language picker's options: each language in its own name and script. */
export function nativeLanguageOptions() {
  return LANGUAGES.map((language) =>
    h("option", { value: language.code, lang: language.code, dir: language.dir }, [language.nativeName]),
  );
}
