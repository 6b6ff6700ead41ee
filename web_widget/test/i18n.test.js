import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createTranslator, pickLanguage } from "../src/i18n.js";
import { handoffText, isTeamUnavailable } from "../src/view/panel.js";
import { LANGUAGES } from "../src/constants.js";

const locale = (language) => JSON.parse(readFileSync(new URL(`../src/locales/${language}.json`, import.meta.url), "utf8"));
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test("every language has every key, with the same placeholders", () => {
  const english = locale("en");
  for (const language of LANGUAGES) {
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
  const queued = { state: "queued", position: 2, waitSeconds: 180, agentName: "" };
  assert.equal(handoffText(queued, en), "You are number 2 in line, about 3 minutes");
  assert.equal(handoffText({ ...queued, position: 1, waitSeconds: 40 }, en), "You are number 1 in line, about 1 minute");
  assert.equal(handoffText({ ...queued, position: null, waitSeconds: null }, en), "Waiting for a person from our team…");
  assert.equal(handoffText({ state: "assigned", agentName: "Anna" }, en), "Anna from our team has joined");
  assert.equal(handoffText({ state: "bot" }, en), "");
});

test("with nobody from the team available, the banner says so and a message can be left", () => {
  const unavailable = { state: "queued", position: 1, waitSeconds: 60, agentName: "", teamAvailable: false };
  assert.equal(handoffText(unavailable, createTranslator("en")), "Nobody from our team is available right now.");
  assert.ok(isTeamUnavailable(unavailable));
  assert.ok(!isTeamUnavailable({ ...unavailable, teamAvailable: true }));
  assert.ok(!isTeamUnavailable({ ...unavailable, state: "assigned" }));
  assert.ok(!isTeamUnavailable(null));
  for (const language of LANGUAGES) {
    const i18n = createTranslator(language);
    assert.notEqual(handoffText(unavailable, i18n), handoffText({ ...unavailable, teamAvailable: true }, i18n), language);
    assert.match(locale(language).offline_thanks, /\{email\}/, language);
  }
});
