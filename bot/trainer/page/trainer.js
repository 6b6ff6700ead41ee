// The trainer page: sign in, label or discard the inbox's messages, train and
// deploy, and see the held-out scores before and after. REST only
// (bot/trainer/api.py). Text always goes in as text nodes, never as markup.

import { AgentRole } from "./constants.js";
import { append, byId as $, h, replaceChildren as clear } from "./dom.js";
import { languageName, languageOptions } from "./languages.js";
import { createStaffPage } from "./shell.js";

const POLL_RUNNING_MS = 1_000;
const POLL_IDLE_MS = 10_000;
const REASON_LABELS = { low_confidence: "Not understood", handoff: "Led to a person", flagged: "Flagged by an agent" };
const STAGE_LABELS = { checking: "Checking data", training: "Training", evaluating: "Scoring", deploying: "Deploying", done: "Done" };

let labels = [];
let items = [];
let pollTimer = null;
let lastJobState = null;
let signedIn = false;

const signIn = createStaffPage({
  title: "Assistant trainer",
  hint: "Sign in with a trainer or supervisor account.",
  storageKey: "trainer.token",
  roles: [AgentRole.TRAINER, AgentRole.SUPERVISOR],
  refusedMessage: "This page is for trainers and supervisors.",
  view: $("trainer-view"),
  onSignedIn: start,
  onSignedOut: stop,
});

/** The answer's JSON; null when the session ended (the form is shown); throws with the server's reason otherwise. */
async function api(method, url, body) {
  const response = await signIn.authorisedFetch(url, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response) return null;
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function notice(text) {
  const element = $("notice");
  element.textContent = text;
  element.hidden = !text;
}

function start() {
  signedIn = true;
  loadInbox();
  poll();
}

function stop() {
  signedIn = false;
  clearTimeout(pollTimer);
  notice("");
}

// ---- the inbox --------------------------------------------------------------

async function loadInbox() {
  try {
    const data = await api("GET", "/api/trainer/inbox");
    if (!data) return;
    labels = data.labels;
    items = data.items;
    renderInbox();
  } catch (error) {
    notice(String(error.message || error));
  }
}

function percent(confidence) {
  return `${Math.round(Number(confidence) * 100)}%`;
}

function renderItem(item) {
  const select = h("select", { "aria-label": "Intent or question", "data-testid": "label-select" }, [
    h("option", { value: "" }, ["Choose…"]),
    ...labels.map((label) => h("option", { value: label }, [label])),
  ]);
  if (labels.includes(item.predicted)) select.value = item.predicted;
  const labelButton = h("button", { type: "button", class: "button button--primary", "data-testid": "label" }, ["Label"]);
  const discardButton = h("button", { type: "button", class: "button", "data-testid": "discard" }, ["Discard"]);
  const row = h("div", { class: "item", "data-testid": "inbox-item", "data-item-id": item.item_id, "data-language": item.language }, [
    h("p", { class: "item__text", dir: "auto", lang: item.language, "data-testid": "item-text" }, [item.text]),
    h("p", { class: "item__meta" }, [
      h("span", { class: "badge" }, [REASON_LABELS[item.reason] || item.reason]),
      item.intents.length
        ? `Guesses: ${item.intents.map((guess) => `${guess.name} ${percent(guess.confidence)}`).join(", ")}`
        : "No guesses",
      ` · ${new Date(item.created_at * 1000).toLocaleString()}`,
    ]),
    h("div", { class: "item__actions" }, [select, labelButton, discardButton]),
  ]);
  labelButton.addEventListener("click", () => decide(item, row, select.value || null));
  discardButton.addEventListener("click", () => decide(item, row, null));
  return row;
}

function renderInbox() {
  const container = $("inbox");
  const language = $("language-filter").value;
  const shown = items.filter((item) => !language || item.language === language);
  clear(container);
  $("inbox-count").textContent = String(items.length);
  $("inbox-empty").hidden = shown.length > 0;
  // Grouped by language, then by what the model guessed: similar mistakes sit together.
  const groups = new Map();
  for (const item of shown) {
    const key = `${item.language}\u0000${item.predicted || "(no guess)"}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(item);
  }
  for (const [key, members] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const [lang, predicted] = key.split("\u0000");
    container.appendChild(
      h("section", { class: "group", "data-testid": "inbox-group" }, [
        h("h3", { class: "group__title" }, [`${languageName(lang)} · guessed ${predicted} (${members.length})`]),
        ...members.map(renderItem),
      ]),
    );
  }
}

async function decide(item, row, label) {
  for (const button of row.querySelectorAll("button, select")) button.disabled = true;
  try {
    const action = label ? "label" : "discard";
    const result = await api("POST", `/api/trainer/inbox/${item.item_id}/${action}`, label ? { label } : undefined);
    if (!result) return; // signed out
    notice(!label || result.added ? "" : `“${item.text}” is already in the training data; nothing was added.`);
    items = items.filter((other) => other.item_id !== item.item_id);
    renderInbox();
    poll();
  } catch (error) {
    for (const button of row.querySelectorAll("button, select")) button.disabled = false;
    notice(String(error.message || error));
    if (/already/.test(String(error.message))) loadInbox();
  }
}

// ---- training ---------------------------------------------------------------

async function train() {
  $("train").disabled = true;
  try {
    if (await api("POST", "/api/trainer/train")) notice("");
  } catch (error) {
    notice(String(error.message || error));
  }
  poll();
}

function delta(before, after) {
  if (before === undefined || before === null) return h("span", {}, [after.toFixed(3)]);
  const change = after - before;
  const sign = change > 0 ? "+" : "";
  const kind = change > 0.0005 ? "delta--up" : change < -0.0005 ? "delta--down" : "";
  return h("span", {}, [`${before.toFixed(3)} → ${after.toFixed(3)} `, h("span", { class: kind }, [`(${sign}${change.toFixed(3)})`])]);
}

function renderEvaluation(result) {
  const box = $("evaluation");
  if (!result || !result.after) {
    box.hidden = true;
    return;
  }
  const rows = $("evaluation-rows");
  clear(rows);
  for (const [language, after] of Object.entries(result.after)) {
    const before = result.before ? result.before[language] : null;
    rows.appendChild(
      h("tr", { "data-testid": "evaluation-row", "data-language": language }, [
        h("th", { scope: "row" }, [languageName(language)]),
        h("td", { "data-testid": "intent-f1" }, [delta(before && before.intent_f1, after.intent_f1)]),
        h("td", { "data-testid": "response-f1" }, [delta(before && before.response_f1, after.response_f1)]),
      ]),
    );
  }
  $("evaluation-diff").textContent = result.diff_markdown || "No earlier scores to compare with.";
  box.hidden = false;
}

function renderStatus(status) {
  const job = status.job;
  const running = job.state === "running";
  $("train").disabled = running;
  const serving = status.serving_model ? `In service: ${status.serving_model}.` : "The assistant is not answering right now.";
  $("model-state").textContent = status.data_changed
    ? `${serving} The training data changed since it was trained: train to use your labels.`
    : `${serving} It is up to date with the training data.`;
  const box = $("job");
  box.hidden = job.state === "idle";
  if (!box.hidden) {
    const stage = STAGE_LABELS[job.stage] || job.stage || "";
    const prefix = job.state === "failed" ? "Failed" : job.state === "succeeded" ? "Done" : stage;
    $("job-message").textContent = `${prefix}: ${job.message || ""}`;
    $("job-message").dataset.state = job.state;
    $("job-progress").value = job.state === "succeeded" ? 100 : Number(job.percent || 0);
    $("job-log").textContent = (job.log || []).join("\n");
  }
  renderEvaluation(job.state === "succeeded" ? job.result : null);
  return running;
}

async function poll() {
  clearTimeout(pollTimer);
  if (!signedIn) return;
  let running = false;
  try {
    const status = await api("GET", "/api/trainer/status");
    if (!status) return;
    running = renderStatus(status);
    if (lastJobState === "running" && !running) loadInbox();
    lastJobState = status.job.state;
    $("inbox-count").textContent = String(status.inbox_count);
  } catch (error) {
    notice(`Could not read the training status: ${error.message || error}`);
  }
  if (signedIn) pollTimer = setTimeout(poll, running ? POLL_RUNNING_MS : POLL_IDLE_MS);
}

// ---- wiring -----------------------------------------------------------------

append($("language-filter"), languageOptions());
$("language-filter").addEventListener("change", renderInbox);
$("train").addEventListener("click", train);
signIn.start();
