// The trainer page: sign in, label or discard the inbox's messages, train and
// deploy, and see the held-out scores before and after. REST only
// (bot/trainer_api.py). Text always goes in as text nodes, never as markup.

const TOKEN_KEY = "trainer.token";
const POLL_RUNNING_MS = 1_000;
const POLL_IDLE_MS = 10_000;
const TRAINER_ROLES = new Set(["trainer", "supervisor"]);
const LANGUAGE_NAMES = { en: "English", hy: "Armenian", fa: "Persian", ms: "Malay" };
const REASON_LABELS = { low_confidence: "Not understood", handoff: "Led to a person", flagged: "Flagged by an agent" };
const STAGE_LABELS = { checking: "Checking data", training: "Training", evaluating: "Scoring", deploying: "Deploying", done: "Done" };

const $ = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`trainer: #${id} missing from index.html`);
  return element;
};

function h(tag, attributes = {}, children = []) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of [].concat(children)) {
    if (child === null || child === undefined || child === false) continue;
    element.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return element;
}

function clear(element) {
  while (element.firstChild) element.removeChild(element.firstChild);
}

let token = sessionStorage.getItem(TOKEN_KEY);
let labels = [];
let items = [];
let pollTimer = null;
let lastJobState = null;

class Unauthorized extends Error {}

async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    credentials: "same-origin",
  });
  if (response.status === 401) throw new Unauthorized();
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function notice(text) {
  const element = $("notice");
  element.textContent = text;
  element.hidden = !text;
}

function handleError(error) {
  if (error instanceof Unauthorized) {
    signOut("Your session has ended. Please sign in again.");
    return;
  }
  notice(String(error.message || error));
}

// ---- sign in ----------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  const error = $("login-error");
  error.hidden = true;
  const response = await fetch("/api/agent/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: $("login-username").value, password: $("login-password").value }),
  }).catch(() => null);
  const data = response ? await response.json().catch(() => ({})) : {};
  if (!response || !response.ok) {
    error.textContent = data.error || "Could not reach the server.";
    error.hidden = false;
    return;
  }
  if (!TRAINER_ROLES.has(data.agent && data.agent.role)) {
    error.textContent = "This account is not a trainer or supervisor account.";
    error.hidden = false;
    return;
  }
  token = data.token;
  sessionStorage.setItem(TOKEN_KEY, token);
  start(data.agent);
}

function signOut(message) {
  if (token) fetch("/api/agent/logout", { method: "POST", headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  clearTimeout(pollTimer);
  $("trainer-view").hidden = true;
  $("login-view").hidden = false;
  const error = $("login-error");
  error.textContent = message || "";
  error.hidden = !message;
}

function start(agent) {
  $("login-view").hidden = true;
  $("trainer-view").hidden = false;
  $("trainer-name").textContent = agent.display_name || agent.username;
  loadInbox();
  poll();
}

// ---- the inbox --------------------------------------------------------------

async function loadInbox() {
  try {
    const data = await api("GET", "/api/trainer/inbox");
    labels = data.labels;
    items = data.items;
    renderInbox();
  } catch (error) {
    handleError(error);
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
        h("h3", { class: "group__title" }, [`${LANGUAGE_NAMES[lang] || lang} · guessed ${predicted} (${members.length})`]),
        ...members.map(renderItem),
      ]),
    );
  }
}

async function decide(item, row, label) {
  for (const button of row.querySelectorAll("button, select")) button.disabled = true;
  try {
    if (label) {
      const result = await api("POST", `/api/trainer/inbox/${item.item_id}/label`, { label });
      notice(result.added ? "" : `“${item.text}” is already in the training data; nothing was added.`);
    } else {
      await api("POST", `/api/trainer/inbox/${item.item_id}/discard`);
    }
    items = items.filter((other) => other.item_id !== item.item_id);
    renderInbox();
    poll();
  } catch (error) {
    for (const button of row.querySelectorAll("button, select")) button.disabled = false;
    handleError(error);
    if (/already/.test(String(error.message))) loadInbox();
  }
}

// ---- training ---------------------------------------------------------------

async function train() {
  $("train").disabled = true;
  try {
    await api("POST", "/api/trainer/train");
    notice("");
  } catch (error) {
    handleError(error);
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
        h("th", { scope: "row" }, [LANGUAGE_NAMES[language] || language]),
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
  if (!token) return;
  let running = false;
  try {
    const status = await api("GET", "/api/trainer/status");
    running = renderStatus(status);
    if (lastJobState === "running" && !running) loadInbox();
    lastJobState = status.job.state;
    $("inbox-count").textContent = String(status.inbox_count);
  } catch (error) {
    handleError(error);
    if (!token) return;
  }
  pollTimer = setTimeout(poll, running ? POLL_RUNNING_MS : POLL_IDLE_MS);
}

// ---- wiring -----------------------------------------------------------------

$("login-form").addEventListener("submit", signIn);
$("logout").addEventListener("click", () => signOut(""));
$("language-filter").addEventListener("change", renderInbox);
$("train").addEventListener("click", train);

if (token) {
  api("GET", "/api/agent/me")
    .then((data) => (TRAINER_ROLES.has(data.agent.role) ? start(data.agent) : signOut("")))
    .catch(() => signOut(""));
} else {
  $("login-view").hidden = false;
}
