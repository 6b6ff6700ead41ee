// The trainer page: sign in, label or discard the inbox's messages, train and
// deploy, and see the held-out scores before and after; a model whose scores
// dropped is refused, and can be deployed anyway with a reason; supervisors
// can roll back to the model served before. REST only (bot/trainer/api.py).
// Text always goes in as text nodes, never as markup.

import { AgentRole } from "./constants.js";
import { append, byId as $, h, replaceChildren as clear } from "./dom.js";
import { gatewayUrl } from "./gateway.js";
import { dateFormatter, formatNumber, onLanguageChange, t } from "./i18n.js";
import { languageName, languageOptions } from "./languages.js";
import { createStaffPage } from "./shell.js";

const INBOX_URL = gatewayUrl("/api/trainer/inbox");
const TRAIN_URL = gatewayUrl("/api/trainer/train");
const ROLLBACK_URL = gatewayUrl("/api/trainer/rollback");
const STATUS_URL = gatewayUrl("/api/trainer/status");
const POLL_RUNNING_MS = 1_000;
const POLL_IDLE_MS = 10_000;
const REASON_LABELS = {
  low_confidence: () => t("trainer.reason_low_confidence"),
  handoff: () => t("trainer.reason_handoff"),
  flagged: () => t("trainer.reason_flagged"),
};
const STAGE_LABELS = {
  checking: () => t("trainer.stage_checking"),
  training: () => t("trainer.stage_training"),
  evaluating: () => t("trainer.stage_evaluating"),
  deploying: () => t("trainer.stage_deploying"),
  done: () => t("trainer.state_done"),
};
const STATE_LABELS = { failed: () => t("trainer.state_failed"), succeeded: () => t("trainer.state_done"), refused: () => t("trainer.state_refused") };
const SCORE_LABELS = { intent_f1: () => t("trainer.score_intent_f1"), response_f1: () => t("trainer.score_response_f1") };

/** `labels[key]()` when there is one, else the key as it came (a server's name we do not know). */
function label(labels, key) {
  return labels[key] ? labels[key]() : String(key || "");
}

/** A date and time (Unix seconds) in the page's language. */
function when(seconds) {
  return dateFormatter({ dateStyle: "medium", timeStyle: "short" }).format(new Date(seconds * 1000));
}

/** A score of 0..1 with three decimals, in the page's digits. */
function score(value) {
  return formatNumber(value, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
}

let labels = [];
let items = [];
let pollTimer = null;
let lastJobState = null;
let signedIn = false;
/** The last status read (drawn again when the page's language changes). */
let lastStatus = null;

const signIn = createStaffPage({
  titleKey: "trainer.title",
  hintKey: "trainer.hint",
  refusedKey: "trainer.refused",
  storageKey: "trainer.token",
  roles: [AgentRole.TRAINER, AgentRole.SUPERVISOR],
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
  lastStatus = null;
  clearTimeout(pollTimer);
  notice("");
}

// ---- the inbox --------------------------------------------------------------

async function loadInbox() {
  try {
    const data = await api("GET", INBOX_URL);
    if (!data) return;
    labels = data.labels;
    items = data.items;
    renderInbox();
  } catch (error) {
    notice(String(error.message || error));
  }
}

function percent(confidence) {
  return formatNumber(Math.round(Number(confidence) * 100) / 100, { style: "percent" });
}

function renderItem(item) {
  const select = h("select", { "aria-label": t("trainer.label_select"), "data-testid": "label-select" }, [
    h("option", { value: "" }, [t("trainer.choose")]),
    ...labels.map((label) => h("option", { value: label }, [label])),
  ]);
  // Nothing is chosen for the trainer: the model's own guess, one careless click
  // away, would teach the model its mistake. The guesses are listed beside.
  const labelButton = h("button", { type: "button", class: "button button--primary", "data-testid": "label", disabled: true }, [t("trainer.label")]);
  select.addEventListener("change", () => {
    labelButton.disabled = !select.value;
  });
  const discardButton = h("button", { type: "button", class: "button", "data-testid": "discard" }, [t("trainer.discard")]);
  const row = h("div", { class: "item", "data-testid": "inbox-item", "data-item-id": item.item_id, "data-language": item.language }, [
    h("p", { class: "item__text", dir: "auto", lang: item.language, "data-testid": "item-text" }, [item.text]),
    h("p", { class: "item__meta" }, [
      h("span", { class: "badge" }, [label(REASON_LABELS, item.reason)]),
      item.intents.length
        ? t("trainer.guesses", { guesses: item.intents.map((guess) => `${guess.name} ${percent(guess.confidence)}`).join(", ") })
        : t("trainer.no_guesses"),
      ` · ${when(item.created_at)}`,
    ]),
    h("div", { class: "item__actions" }, [select, labelButton, discardButton]),
  ]);
  labelButton.addEventListener("click", () => {
    if (select.value) decide(item, row, select.value);
  });
  discardButton.addEventListener("click", () => decide(item, row, null));
  return row;
}

function renderInbox() {
  const container = $("inbox");
  const language = $("language-filter").value;
  const shown = items.filter((item) => !language || item.language === language);
  clear(container);
  $("inbox-count").textContent = formatNumber(items.length);
  $("inbox-empty").hidden = shown.length > 0;
  // Grouped by language, then by what the model guessed: similar mistakes sit together.
  const groups = new Map();
  for (const item of shown) {
    const key = `${item.language}\u0000${item.predicted || ""}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(item);
  }
  for (const [key, members] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const [lang, predicted] = key.split("\u0000");
    container.appendChild(
      h("section", { class: "group", "data-testid": "inbox-group" }, [
        h("h3", { class: "group__title" }, [
          predicted
            ? t("trainer.group", { language: languageName(lang), guess: predicted, count: members.length })
            : t("trainer.group_no_guess", { language: languageName(lang), count: members.length }),
        ]),
        ...members.map(renderItem),
      ]),
    );
  }
}

async function decide(item, row, label) {
  for (const button of row.querySelectorAll("button, select")) button.disabled = true;
  try {
    const action = label ? "label" : "discard";
    const result = await api("POST", `${INBOX_URL}/${item.item_id}/${action}`, label ? { label } : undefined);
    if (!result) return; // signed out
    notice(!label || result.added ? "" : t("trainer.already_there", { text: item.text }));
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

async function train(body) {
  $("train").disabled = true;
  $("deploy-anyway").disabled = true;
  try {
    if (await api("POST", TRAIN_URL, body)) {
      notice("");
      if (body) $("override-reason").value = "";
    }
  } catch (error) {
    notice(String(error.message || error));
  }
  poll();
}

function deployAnyway(event) {
  event.preventDefault();
  const reason = $("override-reason").value.trim();
  if (!reason) {
    notice(t("trainer.override_needed"));
    $("override-reason").focus();
    return;
  }
  train({ override_reason: reason });
}

function askRollback() {
  $("rollback-confirm").hidden = false;
  $("rollback-yes").focus();
}

async function rollBack() {
  $("rollback-yes").disabled = true;
  try {
    const done = await api("POST", ROLLBACK_URL);
    if (done) notice(t("trainer.rolled_back", { model: done.model }));
  } catch (error) {
    notice(String(error.message || error));
  }
  $("rollback-yes").disabled = false;
  $("rollback-confirm").hidden = true;
  poll();
}

function delta(before, after) {
  if (before === undefined || before === null) return h("span", {}, [score(after)]);
  const change = after - before;
  const sign = change > 0 ? "+" : "";
  const kind = change > 0.0005 ? "delta--up" : change < -0.0005 ? "delta--down" : "";
  // A score change reads left to right ("0.910 → 0.930") on every page, Persian too.
  return h("span", { dir: "ltr" }, [`${score(before)} → ${score(after)} `, h("span", { class: kind }, [`(${sign}${score(change)})`])]);
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
  $("evaluation-diff").textContent = result.diff_markdown || t("trainer.no_earlier_scores");
  box.hidden = false;
}

function modelState(status, job) {
  const serving = status.serving_model ? t("trainer.in_service", { model: status.serving_model }) : t("trainer.not_serving");
  if (job.state === "refused" && job.result && job.result.model === status.planned_model && status.data_changed) {
    return `${serving} ${t("trainer.current_refused", { model: job.result.model })}`;
  }
  return `${serving} ${status.data_changed ? t("trainer.data_changed") : t("trainer.up_to_date")}`;
}

function renderRefusal(job, running) {
  const refused = job.state === "refused" && job.result;
  $("refusal").hidden = !refused;
  $("deploy-anyway").disabled = running;
  if (!refused) return;
  const drops = $("refusal-drops");
  clear(drops);
  for (const drop of job.result.drops || []) {
    drops.appendChild(
      h("li", { "data-testid": "refusal-drop", "data-language": drop.language }, [
        `${t("trainer.drop", { language: languageName(drop.language), score: label(SCORE_LABELS, drop.score) })} `,
        delta(drop.before, drop.after),
      ]),
    );
  }
}

function renderNotes(job) {
  const override = job.state === "succeeded" && job.result && job.result.override;
  $("override-note").hidden = !override;
  if (override) $("override-note").textContent = t("trainer.override_note", { by: override.by, reason: override.reason });
  const rollback = job.rollback;
  $("rollback-note").hidden = !rollback;
  if (rollback) {
    $("rollback-note").textContent = t("trainer.rollback_note", {
      by: rollback.by,
      from: rollback.previous_model,
      to: rollback.model,
      when: when(rollback.at),
    });
  }
}

function renderRollback(status, running) {
  const offered = Boolean(status.may_roll_back && status.previous_model) && !running;
  $("rollback").hidden = !offered;
  if (!offered) {
    $("rollback-confirm").hidden = true;
    return;
  }
  $("rollback-button").dataset.i18nParams = JSON.stringify({ model: status.previous_model });
  $("rollback-button").dataset.i18n = "trainer.rollback_to";
  $("rollback-button").textContent = t("trainer.rollback_to", { model: status.previous_model });
  $("rollback-question").textContent = t("trainer.rollback_question", { previous: status.previous_model, serving: status.serving_model });
}

function renderStatus(status) {
  const job = status.job;
  const running = job.state === "running";
  $("train").disabled = running;
  $("model-state").textContent = modelState(status, job);
  const box = $("job");
  box.hidden = job.state === "idle";
  if (!box.hidden) {
    const stage = label(STAGE_LABELS, job.stage);
    const prefix = STATE_LABELS[job.state] ? STATE_LABELS[job.state]() : stage;
    $("job-message").textContent = `${prefix}: ${job.message || ""}`;
    $("job-message").dataset.state = job.state;
    $("job-progress").value = job.state === "succeeded" || job.state === "refused" ? 100 : Number(job.percent || 0);
    $("job-log").textContent = (job.log || []).join("\n");
  }
  renderEvaluation(job.state === "succeeded" || job.state === "refused" ? job.result : null);
  renderRefusal(job, running);
  renderNotes(job);
  renderRollback(status, running);
  if (status.override_reason_max) $("override-reason").maxLength = status.override_reason_max;
  return running;
}

async function poll() {
  clearTimeout(pollTimer);
  if (!signedIn) return;
  let running = false;
  try {
    const status = await api("GET", STATUS_URL);
    if (!status) return;
    lastStatus = status;
    running = renderStatus(status);
    if (lastJobState === "running" && !running) loadInbox();
    lastJobState = status.job.state;
    $("inbox-count").textContent = formatNumber(status.inbox_count);
  } catch (error) {
    notice(t("trainer.status_failed", { error: error.message || error }));
  }
  if (signedIn) pollTimer = setTimeout(poll, running ? POLL_RUNNING_MS : POLL_IDLE_MS);
}

// ---- wiring -----------------------------------------------------------------

append($("language-filter"), languageOptions());
onLanguageChange(() => {
  if (!signedIn) return;
  renderInbox();
  if (lastStatus) renderStatus(lastStatus);
});
$("language-filter").addEventListener("change", renderInbox);
$("train").addEventListener("click", () => train());
$("override-form").addEventListener("submit", deployAnyway);
$("rollback-button").addEventListener("click", askRollback);
$("rollback-yes").addEventListener("click", rollBack);
$("rollback-no").addEventListener("click", () => {
  $("rollback-confirm").hidden = true;
});
signIn.start();
