// The agent console: signs the agent in (the staff pages' shell and sign-in),
// keeps the socket to /agent, and ties the store (what is known) to the views
// (what is shown). Protocol: docs/agent-protocol.md; names: ./constants.js.

import { createApi, normaliseAgent, savedStatus } from "./api.js";
import { uploadErrorMessage } from "./attachments.js";
import { AlertKind, createAlerts } from "./alerts.js";
import { SummaryState, createAssistView } from "./assist-view.js";
import { createComposer, MessageKind } from "./composer.js";
import { createConnection } from "./connection.js";
import { AgentErrorCode, AgentEvent, AgentRole, AgentStatus, HandoffState, Sender } from "./constants.js";
import { createConversationView } from "./conversation-view.js";
import { createConversationsView } from "./conversations-view.js";
import { byId, h } from "./dom.js";
import { createNotice } from "./notice.js";
import { CHOOSABLE_STATUSES, ConsoleError, agentStatusLabel, errorMessage, languageName, reasonLabel, reassignErrorMessage } from "./protocol.js";
import { createQueueView } from "./queue-view.js";
import { createReassignControl } from "./reassign-control.js";
import { createStore } from "./store.js";
import { onLanguageChange, t } from "./i18n.js";
import { createStaffPage } from "./shell.js";
import { sessionEnded } from "./sign-in.js";
import { createTicketsView } from "./tickets-view.js";

const TICK_MS = 1_000;
/** Wait this long for a late message before reading a transcript again. */
const GAP_WAIT_MS = 800;
const refused = () => t("console.refused");

const ui = {
  consoleView: byId("console-view"),
  connectionState: h("span", { id: "connection-state", class: "connection", role: "status", "data-state": "connecting" }, [t("connection.connecting")]),
  statusSelect: h(
    "select",
    { id: "status-select", class: "status-select", "data-testid": "status-select" },
    CHOOSABLE_STATUSES.map((choice) => h("option", { value: choice }, [agentStatusLabel(choice)])),
  ),
  takeNext: byId("take-next"),
  resolve: byId("resolve"),
  handback: byId("handback"),
};

/** How much of a customer's text a desktop notification shows. */
const ALERT_PREVIEW_CHARS = 140;

const alerts = createAlerts({ onOpen: (id) => (id && store.conversation(id) ? selectConversation(id) : ui.takeNext.focus()) });
/** Conversations seen waiting: a new chat is one not among them (null until the first queue of a session). */
let seenWaiting = null;

const signIn = createStaffPage({
  titleKey: "console.title",
  hintKey: "console.hint",
  refusedKey: "console.refused",
  storageKey: "console.token",
  roles: [AgentRole.AGENT, AgentRole.SUPERVISOR],
  view: ui.consoleView,
  leading: [ui.connectionState],
  trailing: [alerts.menu, h("label", { for: "status-select", class: "visually-hidden", "data-i18n": "status.label" }), ui.statusSelect],
  onSignedIn: (agent) => startConsole(normaliseAgent(agent)),
  onSignedOut: endSession,
});
const api = createApi(signIn.authorisedFetch);

let store = createStore();
let connection = null;
/** The token of the session the console runs for; null while signed out. */
let token = null;
let status = AgentStatus.ONLINE;
let ticker = null;
/** Whether this session's socket has connected before (a later connect is a reconnection). */
let connectedBefore = false;
/** Bumped for every tickets request: only the latest one's answer is shown. */
let ticketsRequest = 0;
/** The same for the supervisors' roster of agents. */
let agentsRequest = 0;

const queueView = createQueueView(
  { list: byId("queue"), empty: byId("queue-empty"), count: byId("queue-count"), agentsOnline: byId("agents-online") },
  { onClaim: (id) => claim(id) },
);
const conversationsView = createConversationsView(
  { list: byId("my-conversations"), empty: byId("my-conversations-empty") },
  { onSelect: (id) => selectConversation(id), onRemove: (id) => removeConversation(id) },
);
const composer = createComposer(
  {
    form: byId("composer"),
    input: byId("reply-input"),
    sendButton: byId("reply-send"),
    noteButton: byId("note-send"),
    noteMode: byId("note-mode"),
    cannedSelect: byId("canned-select"),
    attachButton: byId("attach"),
    fileInput: byId("attach-input"),
  },
  { onSubmit: sendMessage, onTyping: sendTyping, onAttach: sendAttachment },
);
const reassignControl = createReassignControl(
  { group: byId("reassign-control"), select: byId("reassign-select"), button: byId("reassign") },
  { onRefresh: () => loadAgents(), onSubmit: reassign },
);
const assistView = createAssistView(
  { summary: byId("assist-summary"), suggestions: byId("suggestions") },
  { onPick: (text) => composer.insert(text) },
);
const conversationView = createConversationView(
  {
    empty: byId("conversation-empty"),
    body: byId("conversation-body"),
    title: byId("conversation-title"),
    state: byId("conversation-state"),
    resolve: ui.resolve,
    handback: ui.handback,
    transcript: byId("transcript"),
    transcriptList: byId("transcript-list"),
    customerTyping: byId("customer-typing"),
    contextBody: byId("context-body"),
  },
  composer,
  reassignControl,
  assistView,
);
const ticketsView = createTicketsView(
  {
    list: byId("offline-tickets"),
    empty: byId("offline-tickets-empty"),
    count: byId("offline-tickets-count"),
    error: byId("offline-tickets-error"),
    errorText: byId("offline-tickets-error-text"),
    retry: byId("offline-tickets-retry"),
  },
  { onRetry: () => loadTickets(), onAnswer: answerTicket },
);
const notice = createNotice({ bar: byId("notice"), text: byId("notice-text"), dismiss: byId("notice-dismiss") });

// ---- signing in and out ----------------------------------------------------

function startConsole(agent) {
  token = signIn.token;
  store = createStore();
  store.setAgent(agent);
  alerts.setAgent(agent.username);
  seenWaiting = null;
  status = savedStatus.load() === AgentStatus.AWAY ? AgentStatus.AWAY : AgentStatus.ONLINE;
  showStatus();
  setConnectionState("connecting", () => t("connection.connecting"));
  renderAll();
  connectedBefore = false;
  ticketsView.clear();
  loadTickets();
  loadAgents();
  connection = createConnection(token, {
    connected: onConnected,
    disconnected: () => {
      setConnectionState("offline", () => t("connection.lost"));
      store.clearCustomerTyping();
      conversationView.renderTyping(store);
    },
    failed: () => setConnectionState("offline", () => t("connection.failed")),
    unauthorized: (code) => signIn.expire(code === AgentErrorCode.FORBIDDEN ? refused : sessionEnded),
    queue: onQueue,
    myConversations: onMyConversations,
    message: onMessage,
    customerTyping: onCustomerTyping,
    conversationUpdate: onConversationUpdate,
    offlineTicket: onOfflineTicket,
    ticketUpdated: onTicketUpdated,
    suggestions: onSuggestions,
  });
  connection.start();
  clearInterval(ticker);
  ticker = setInterval(() => {
    queueView.tick();
    conversationView.renderTyping(store);
  }, TICK_MS);
}

/** Signed out (the sign-in form is shown): the socket closed, everything of the session forgotten. */
function endSession() {
  if (connection) connection.stop();
  connection = null;
  token = null;
  clearInterval(ticker);
  alerts.setAgent(null);
  savedStatus.clear();
  store = createStore();
  queueView.clear();
  conversationsView.clear();
  ticketsView.clear();
  composer.reset();
  conversationView.clear();
  notice.hide();
}

// ---- connection and status -------------------------------------------------

/** The connection's state in the top bar; `text()` gives its words in the page's language. */
let connectionText = () => t("connection.connecting");

function setConnectionState(state, text) {
  ui.connectionState.dataset.state = state;
  connectionText = text;
  ui.connectionState.textContent = text();
}

async function onConnected() {
  setConnectionState("online", () => t("connection.online"));
  // The status is the agent's choice: tell it again on every (re)connection.
  const ack = await request(AgentEvent.SET_STATUS, { status });
  if (!ack.ok) showNotice(t("status.set_failed", { error: errorMessage(ack) }));
  // Entries may have been missed while disconnected: reload the open conversation.
  if (store.selectedId) refreshConversation(store.selectedId);
  // Tickets may have been left meanwhile (the first connection follows the load at sign-in).
  if (connectedBefore) loadTickets();
  connectedBefore = true;
}

function showStatus() {
  ui.statusSelect.value = status;
  ui.statusSelect.dataset.status = status;
}

async function onStatusChange() {
  const wanted = ui.statusSelect.value;
  if (!connection || !connection.connected) {
    status = wanted; // sent when the socket connects
  } else {
    const ack = await request(AgentEvent.SET_STATUS, { status: wanted });
    if (ack.ok) status = ack.status === AgentStatus.AWAY || ack.status === AgentStatus.ONLINE ? ack.status : wanted;
    else showNotice(t("status.change_failed", { error: errorMessage(ack) }));
  }
  savedStatus.save(status);
  showStatus();
}

// ---- server events ----------------------------------------------------------

function onQueue(payload) {
  store.setQueue(payload);
  queueView.render(store.queue, store.agentsOnline, (item) => store.waitingSeconds(item));
  const waiting = store.queue;
  // The first queue of a session is what was already waiting: no alert for it.
  const fresh = seenWaiting ? waiting.filter((item) => !seenWaiting.has(item.conversation_id)) : [];
  seenWaiting = new Set(waiting.map((item) => item.conversation_id));
  for (const item of fresh) {
    const preview = item.preview ? `: ${String(item.preview).slice(0, ALERT_PREVIEW_CHARS)}` : "";
    alerts.alert(AlertKind.NEW_CHAT, {
      title: t("alerts.new_chat_title"),
      body: `${languageName(item.language)} · ${reasonLabel(item.reason)}${preview}`,
      conversationId: item.conversation_id,
    });
  }
}

function onMyConversations(payload) {
  store.setMyConversations(payload.conversations);
  renderList();
  renderPane();
}

function onMessage({ conversation_id: id, entry }) {
  if (!store.addMessage(id, entry)) return;
  const lookingAt = id === store.selectedId && document.visibilityState === "visible";
  if (entry.sender === Sender.CUSTOMER && !lookingAt && store.isActive(store.conversation(id))) {
    alerts.alert(AlertKind.NEW_MESSAGE, {
      title: t("alerts.new_message_title"),
      body: String(entry.text || "").slice(0, ALERT_PREVIEW_CHARS),
      conversationId: id,
    });
  }
  if (id === store.selectedId) renderPane();
  renderList();
  if (store.hasGap(id)) resyncSoon(id);
}

/** conversation_id → timer: a message arrived whose seq does not follow on. */
const resyncTimers = new Map();

/** Wait a moment for a late message, then read the whole transcript again if one is still missing. */
function resyncSoon(id) {
  if (resyncTimers.has(id)) return;
  resyncTimers.set(id, setTimeout(() => {
    resyncTimers.delete(id);
    if (store.conversation(id) && store.hasGap(id)) refreshConversation(id);
  }, GAP_WAIT_MS));
}

function onCustomerTyping({ conversation_id: id, on }) {
  store.setCustomerTyping(id, Boolean(on));
  conversationView.renderTyping(store);
}

function onConversationUpdate({ conversation }) {
  if (!store.updateConversation(conversation)) return;
  renderList();
  if (conversation.conversation_id === store.selectedId) renderPane();
}

/** Agent assist's replies to a customer's message: shown above the reply box of that conversation. */
function onSuggestions(payload) {
  const id = payload.conversation_id;
  if (!store.conversation(id) || !store.setSuggestions(id, payload)) return;
  if (id === store.selectedId) renderPane();
}

/** A customer left a message while nobody could answer: show it, and fetch the list again. */
function onOfflineTicket(payload) {
  if (store.addTicket(payload)) ticketsView.render(store.tickets);
  loadTickets();
}

/** Another console answered a ticket (or this one did): show the answer. */
function onTicketUpdated(payload) {
  if (store.updateTicket(payload)) ticketsView.render(store.tickets);
}

// ---- messages left while we were away ----------------------------------------

/** Email `text` as the answer to `ticket`; resolves to the server's answer ({ok, ticket} or {ok: false, error, message}). */
async function answerTicket(ticket, text) {
  const answer = await request(AgentEvent.ANSWER_TICKET, { ticket_id: ticket.id, text });
  if (answer.ok && store.updateTicket(answer.ticket)) ticketsView.render(store.tickets);
  return answer;
}

/** GET /api/agent/tickets and show the answer, unless the session ended or a newer request went out. */
async function loadTickets() {
  const requestToken = token;
  if (!requestToken) return;
  const current = ++ticketsRequest;
  const stale = () => requestToken !== token || current !== ticketsRequest;
  let fetched;
  try {
    fetched = await api.tickets();
  } catch (error) {
    console.warn("console: could not load offline tickets", error);
    if (!stale()) ticketsView.showError(t("tickets.load_failed"));
    return;
  }
  if (stale() || fetched === null) return; // null: the session ended, the sign-in form is shown
  store.setTickets(fetched.tickets);
  ticketsView.setEmail(fetched.email);
  ticketsView.render(store.tickets);
}

// ---- the roster of agents (supervisors) ---------------------------------------

/** GET /api/agent/agents for "Reassign to…"; only supervisors ask, only the latest answer counts. */
async function loadAgents() {
  const requestToken = token;
  if (!requestToken || !store.isSupervisor) return;
  const current = ++agentsRequest;
  const stale = () => requestToken !== token || current !== agentsRequest;
  let agents;
  try {
    agents = await api.agents();
  } catch (error) {
    console.warn("console: could not load the agents", error);
    if (!stale()) showNotice(t("reassign.load_failed"));
    return;
  }
  if (stale() || agents === null) return;
  store.setRoster(agents);
  reassignControl.render(store);
}

// ---- agent actions ----------------------------------------------------------

/** "Flag for trainers" on a customer message: it goes to the trainers' inbox. */
byId("transcript-list").addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-action="flag"]') : null;
  const id = store.selectedId;
  const seq = Number(button && button.closest("[data-seq]")?.getAttribute("data-seq"));
  if (!button || !id || !Number.isFinite(seq)) return;
  button.disabled = true;
  const ack = await request(AgentEvent.FLAG, { conversation_id: id, seq });
  if (!ack.ok) {
    button.disabled = false;
    showNotice(t("transcript.flag_failed", { error: errorMessage(ack) }));
    return;
  }
  button.textContent = t("transcript.flagged");
  button.dataset.i18n = "transcript.flagged";
  button.dataset.flagged = "true";
});

function request(event, payload) {
  return connection ? connection.request(event, payload) : Promise.resolve({ ok: false, error: ConsoleError.DISCONNECTED });
}

/** Claim `id`, or the next in line when `id` is null; the claimed conversation opens. */
async function claim(id) {
  ui.takeNext.disabled = true;
  try {
    const ack = await request(AgentEvent.CLAIM, id ? { conversation_id: id } : {});
    if (!ack.ok) {
      showNotice(errorMessage(ack));
      return;
    }
    const conversation = ack.conversation;
    if (!conversation || !conversation.conversation_id) return;
    store.upsertConversation(conversation);
    await selectConversation(conversation.conversation_id);
  } finally {
    ui.takeNext.disabled = false;
  }
}

async function selectConversation(id) {
  if (store.selectedId === id) {
    // Already open (clicked again, or claimed back after it was requeued): reload it.
    renderList();
    renderPane();
    loadSummary(id);
    await refreshConversation(id);
    composer.focus();
    return;
  }
  store.select(id);
  composer.open(id);
  renderList();
  renderPane({ scrollToEnd: true });
  loadCanned();
  loadSummary(id);
  await refreshConversation(id);
  if (store.selectedId === id) composer.focus();
}

/** Agent assist's summary of a conversation the agent has (asked once per opening). */
async function loadSummary(id) {
  const conversation = store.conversation(id);
  if (!conversation || !store.isActive(conversation)) return;
  store.setSummary(id, SummaryState.LOADING);
  if (store.selectedId === id) renderPane();
  const ack = await request(AgentEvent.SUMMARY, { conversation_id: id });
  if (!store.conversation(id)) return;
  store.setSummary(id, ack.ok && ack.summary ? ack.summary : SummaryState.FAILED);
  if (store.selectedId === id) renderPane();
}

/** `open`: the whole transcript and the context of `id`. */
async function refreshConversation(id) {
  const ack = await request(AgentEvent.OPEN, { conversation_id: id });
  if (!ack.ok) {
    showNotice(t("conversation.open_failed", { error: errorMessage(ack) }));
    return;
  }
  if (!store.conversation(id)) return; // removed from the list while the call was out
  // The server's answer is the conversation's current state, whatever was thought before.
  if (ack.conversation) store.upsertConversation({ ...ack.conversation, conversation_id: id });
  store.setTranscript(id, ack.transcript);
  store.setContext(id, ack.context);
  if (ack.suggestions) store.setSuggestions(id, ack.suggestions);
  renderList();
  if (store.selectedId === id) {
    renderPane({ scrollToEnd: true });
    loadCanned();
  }
}

function removeConversation(id) {
  const wasSelected = store.selectedId === id;
  store.removeConversation(id);
  composer.forget(id);
  renderList();
  if (wasSelected) renderPane();
  const next = store.conversations[0];
  if (next) conversationsView.focus(next.conversation_id);
  else ui.takeNext.focus();
}

/** Canned answers in the open conversation's language, asked for once per language. */
async function loadCanned() {
  const language = store.languageOf(store.selectedId);
  if (!language) return;
  const known = store.canned(language);
  composer.setCanned(known);
  if (known) return;
  const ack = await request(AgentEvent.CANNED, { language });
  if (ack.ok) store.setCanned(language, ack.answers);
  if (store.languageOf(store.selectedId) === language) composer.setCanned(store.canned(language) || []);
}

/** Send `text` as a reply or an internal note; resolves to whether the server took it. */
async function sendMessage(kind, id, text) {
  const event = kind === MessageKind.NOTE ? AgentEvent.NOTE : AgentEvent.REPLY;
  const ack = await request(event, { conversation_id: id, text });
  if (!ack.ok) {
    showNotice(t("composer.not_sent", { error: errorMessage(ack) }));
    return false;
  }
  if (ack.entry && store.addMessage(id, ack.entry)) {
    if (id === store.selectedId) renderPane({ scrollToEnd: true });
    renderList();
  }
  return true;
}

/** Send `file` to the customer of conversation `id` (POST /api/agent/attachments); refusals go to the notice bar. */
async function sendAttachment(id, file) {
  const result = await api.uploadAttachment(id, file);
  if (!result) return; // the session ended
  if (!result.entry) {
    showNotice(uploadErrorMessage(result));
    return;
  }
  if (store.addMessage(id, result.entry)) {
    if (id === store.selectedId) renderPane({ scrollToEnd: true });
    renderList();
  }
}

function sendTyping(id, on) {
  if (connection) connection.notify(AgentEvent.TYPING, { conversation_id: id, on });
}

/**
 * A supervisor passes conversation `id` to agent `to`; resolves to whether the
 * server took it. The agents involved get a `conversation_update`; the ack
 * carries the same conversation and goes the same way, so the console is
 * right too when the supervisor is neither of them.
 */
async function reassign(id, to) {
  const ack = await request(AgentEvent.REASSIGN, { conversation_id: id, to });
  if (!ack.ok) {
    showNotice(reassignErrorMessage(ack));
    return false;
  }
  if (ack.conversation && ack.conversation.conversation_id === id) onConversationUpdate({ conversation: ack.conversation });
  return true;
}

/** Resolve or hand back the open conversation. */
async function finishConversation(event, newState) {
  const id = store.selectedId;
  if (!id) return;
  conversationView.disableActions();
  const ack = await request(event, { conversation_id: id });
  if (ack.ok) store.updateConversation({ conversation_id: id, state: newState });
  else showNotice(errorMessage(ack));
  renderList();
  renderPane();
}

// ---- rendering --------------------------------------------------------------

function renderAll() {
  queueView.clear();
  renderList();
  renderPane();
}

function renderList() {
  conversationsView.render(store);
  const unread = store.totalUnread;
  document.title = unread ? t("console.title_unread", { count: unread, title: t("console.title") }) : t("console.title");
}

function renderPane(options) {
  conversationView.render(store, options);
}

function showNotice(text) {
  if (token) notice.show(text); // else the session ended while the call was out
}

// ---- start ------------------------------------------------------------------

/** The page's language changed (shell.js's picker): everything built here is shown again in it. */
function onLanguage() {
  for (const option of ui.statusSelect.options) option.textContent = agentStatusLabel(option.value);
  ui.connectionState.textContent = connectionText();
  alerts.relabel();
  composer.relabel();
  reassignControl.relabel();
  if (!token) return;
  queueView.render(store.queue, store.agentsOnline, (item) => store.waitingSeconds(item));
  renderList();
  conversationView.redraw(store);
  ticketsView.relabel(store.tickets);
}

onLanguageChange(onLanguage);
ui.statusSelect.addEventListener("change", onStatusChange);
ui.takeNext.addEventListener("click", () => claim(null));
ui.resolve.addEventListener("click", () => finishConversation(AgentEvent.RESOLVE, HandoffState.RESOLVED));
ui.handback.addEventListener("click", () => finishConversation(AgentEvent.HANDBACK, HandoffState.BOT));
signIn.start();
