import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createTranslator, hasStrings, pickLanguage, supportedLanguage } from "../src/i18n.js";
import { handoffText, isTeamUnavailable } from "../src/view/panel.js";
import { DEFAULT_LANGUAGE, HandoffState, LANGUAGES, LANGUAGE_CODES, RIGHT_TO_LEFT } from "../src/generated/constants.js";

const localeUrl = (language) => new URL(`../src/locales/${language}.json`, import.meta.url);
const locale = (language) => JSON.parse(readFileSync(new URL(`../src/locales/${language}.json`, import.meta.url), "utf8"));
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test("every registered language has a locale file with every key of en.json, bundled by i18n", () => {
  const english = locale("en");
  assert.ok(LANGUAGE_CODES.includes(DEFAULT_LANGUAGE));
  for (const language of LANGUAGE_CODES) {
    assert.ok(existsSync(localeUrl(language)), `src/locales/${language}.json is missing`);
    const strings = locale(language);
    for (const key of Object.keys(english)) assert.ok(key in strings, `${language}.json lacks ${key}`);
    assert.ok(hasStrings(language), `src/i18n.js does not import locales/${language}.json`);
    assert.equal(supportedLanguage(language), language);
    const key = Object.keys(english).find((name) => !/\{/.test(english[name]));
    assert.equal(createTranslator(language).t(key), strings[key], language);
  }
});

test("no locale file for a language the server does not know", async () => {
  const { readdirSync } = await import("node:fs");
  const files = readdirSync(new URL("../src/locales/", import.meta.url)).filter((name) => name.endsWith(".json"));
  assert.deepEqual(files.map((name) => name.slice(0, -5)).sort(), [...LANGUAGE_CODES].sort());
});

test("direction comes from the registry", () => {
  for (const { code, dir } of LANGUAGES) {
    assert.equal(createTranslator(code).dir, dir, code);
    assert.equal(RIGHT_TO_LEFT.includes(code), dir === "rtl", code);
  }
});

test("every language has every key, with the same placeholders", () => {
  const english = locale("en");
  for (const language of LANGUAGE_CODES) {
    const strings = locale(language);
    assert.deepEqual(Object.keys(strings).sort(), Object.keys(english).sort(), language);
    for (const [key, text] of Object.entries(english)) {
      assert.ok(strings[key].trim(), `${language}.${key} is empty`);
      assert.deepEqual(placeholders(strings[key]), placeholders(text), `${language}.${key}`);
    }
  }
});

test("language comes from data-language, then <html lang>, then the browser, then English", () => {
  assert.equal(pickLanguage("fa", "hy", ["ms"]), "fa");
  assert.equal(pickLanguage(null, "hy-AM", ["ms"]), "hy");
  assert.equal(pickLanguage("", "de", ["de-DE", "ms-MY"]), "ms");
  assert.equal(pickLanguage("xx", "", ["de"]), "en");
});

test("Persian is right-to-left and uses Persian digits", () => {
  const fa = createTranslator("fa");
  assert.equal(fa.dir, "rtl");
  assert.equal(createTranslator("hy").dir, "ltr");
  assert.match(fa.t("queue_position", { position: 2 }), /۲/);
});

test("the queue banner says position and wait", () => {
  const en = createTranslator("en");
  const queued = { state: HandoffState.QUEUED, position: 2, waitSeconds: 180, agentName: "" };
  assert.equal(handoffText(queued, en), "You are number 2 in line, about 3 minutes");
  assert.equal(handoffText({ ...queued, position: 1, waitSeconds: 40 }, en), "You are number 1 in line, about 1 minute");
  assert.equal(handoffText({ ...queued, position: null, waitSeconds: null }, en), "Waiting for a person from our team…");
  assert.equal(handoffText({ state: HandoffState.ASSIGNED, agentName: "Anna" }, en), "Anna from our team has joined");
  assert.equal(handoffText({ state: HandoffState.BOT }, en), "");
});

test("with nobody from the team available, the banner says so and a message can be left", () => {
  const unavailable = { state: HandoffState.QUEUED, position: 1, waitSeconds: 60, agentName: "", teamAvailable: false };
  assert.equal(handoffText(unavailable, createTranslator("en")), "Nobody from our team is available right now.");
  assert.ok(isTeamUnavailable(unavailable));
  assert.ok(!isTeamUnavailable({ ...unavailable, teamAvailable: true }));
  assert.ok(!isTeamUnavailable({ ...unavailable, state: HandoffState.ASSIGNED }));
  assert.ok(!isTeamUnavailable(null));
  for (const language of LANGUAGE_CODES) {
    const i18n = createTranslator(language);
    assert.notEqual(handoffText(unavailable, i18n), handoffText({ ...unavailable, teamAvailable: true }, i18n), language);
    assert.match(locale(language).offline_thanks, /\{email\}/, language);
  }
});
