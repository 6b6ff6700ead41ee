// The widget's behaviour: it joins the connection, the transcript, the outbox
// and the view. Sessions: resume the stored one on every (re)connection, show
// the replayed transcript, then send what is still queued.

import { UPLOAD_ERROR_KEYS, UploadError, precheckFile, uploadAttachment } from "./attachments.js";
import { createConnection } from "./connection.js";
import { HISTORY_WAIT_MS, TYPING_IDLE_MS, TYPING_TIMEOUT_MS } from "./constants.js";
import { GAP_WAIT_MS, createGapTracker } from "./gaps.js";
import { createOutbox, newClientMessageId } from "./outbox.js";
import { CustomerEvent, HandoffState, ProtocolErrorCode, Sender } from "./generated/constants.js";
import {
  messageFromBotUttered,
  messageFromHistoryEntry,
  offlineTicketPayload,
  parseCustomData,
  parseHandoffStatus,
  parseIdentity,
  parseWelcome,
  ratingPayload,
  transcriptEmailPayload,
  userUtteredPayload,
} from "./protocol.js";
import { Status, createTranscript } from "./transcript.js";
import { CopyResult } from "./view/email-copy.js";
import { TicketResult } from "./view/offline.js";
import { createView } from "./view/panel.js";

/** Error codes that mean the last message sent was refused and not stored. */
const REFUSED_CODES = [ProtocolErrorCode.TOO_LONG, ProtocolErrorCode.EMPTY, ProtocolErrorCode.RATE_LIMITED, ProtocolErrorCode.MALFORMED];
/** An error this soon after a send is taken to be about that message. */
const REFUSAL_WINDOW_MS = 10_000;
/** The server could not store or answer (its Redis or assistant is down, or it has no room for a new chat): try again after this. */
const RETRY_CODES = [ProtocolErrorCode.SERVICE_UNAVAILABLE, ProtocolErrorCode.SERVICE_BUSY];
const RETRY_UNAVAILABLE_MS = 5_000;

function pendingMessage(item) {
  return { clientMessageId: item.clientMessageId, text: item.text, display: item.display, ts: item.createdAt };
}

/** Start the widget in `shadowRoot`; returns {open, close} for the page's API. */
export function createWidget({ shadowRoot, config, i18n, storage }) {
  const outbox = createOutbox(storage);
  const transcript = createTranscript();
  const titles = storage.loadTitles();
  const gaps = createGapTracker();
  let gapTimer = null;

  let sessionId = null; // confirmed on this page
  let requestedSessionId = null; // what this connection asked to resume
  let sessionReady = false;
  let awaitingHistory = false;
  let historyTimer = null;
  let sentOnConnection = new Set();
  const sentAt = new Map();
  let controlQueue = []; // events waiting for a session: [event, payload]
  let unread = 0;
  let agentName = "";
  let typingWho = null;
  let typingTimer = null;
  let customerTyping = false;
  let customerTypingTimer = null;
  let unavailableTimer = null;
  let identity = null; // {user, signature} from the page's identify(); kept in memory only
  let requestedIdentity = null; // what this connection's last session request carried
  let attributes = {}; // the page's setCustomData(), sent with each message

  const view = createView(shadowRoot, { i18n, title: config.title, position: config.position }, {
    toggle: () => (view.isOpen() ? close(true) : open(true)),
    close: () => close(true),
    send: (text) => sendMessage(text, text),
    choose: (reply) => sendMessage(reply.payload, reply.title),
    requestHuman,
    retry,
    attach,
    rate: (score, comment) => sendWhenReady(CustomerEvent.RATING, ratingPayload(score, comment)),
    typing: customerIsTyping,
    leaveMessage,
    emailTranscript,
    knownEmail: () => (identity && identity.user.email) || "",
  });

  const connection = createConnection(config.serverBase, sessionToResume, {
    connected,
    disconnected,
    failed: () => view.setConnectionLost(true),
    sessionConfirmed,
    botUttered,
    history,
    messageAck,
    handoffStatus,
    typing,
    error,
    welcome: (data) => view.setWelcome(parseWelcome(data)),
  }, i18n.language, identityToSend);

  function render() {
    view.renderMessages(transcript.ordered());
  }

  // --- connection and session -------------------------------------------

  function sessionToResume() {
    requestedSessionId = sessionId || storage.loadSessionId();
    return requestedSessionId;
  }

  function identityToSend() {
    requestedIdentity = identity;
    return identity;
  }

  function connected() {
    sessionReady = false;
    sentOnConnection = new Set();
    view.setConnectionLost(false);
  }

  function disconnected(reason) {
    sessionReady = false;
    awaitingHistory = false;
    clearTimeout(historyTimer);
    clearTimeout(gapTimer);
    gapTimer = null;
    showTyping(null);
    customerTyping = false;
    if (reason !== "io client disconnect") view.setConnectionLost(true);
  }

  function sessionConfirmed(id) {
    const resumed = id === requestedSessionId;
    const previous = sessionId || requestedSessionId;
    if (!resumed && previous) startedOver();
    sessionId = id;
    storage.saveSessionId(id);
    sessionReady = true;
    if (resumed) {
      // The server replays the transcript next; send queued messages after it, so
      // it can tell us which of them it already has.
      awaitingHistory = true;
      clearTimeout(historyTimer);
      historyTimer = setTimeout(() => {
        awaitingHistory = false;
        flush();
      }, HISTORY_WAIT_MS);
    } else {
      gaps.reset();
      flush();
    }
    // identify() came while the session was being requested: ask for this one again, with it.
    if (identity && identity !== requestedIdentity) connection.requestSession();
  }

  /** The server replaced our session (expired or unknown): the old transcript is gone. */
  function startedOver() {
    const hadMessages = transcript.ordered().some((m) => m.seq);
    transcript.clearStored();
    gaps.reset();
    if (hadMessages) transcript.addLocalNote(i18n.t("new_conversation"));
    agentName = "";
    view.setHandoff(null);
    view.hideRating(false);
    view.hideEmailCopy();
    render();
  }

  function history(entries, lastSeq) {
    const messages = entries.map((entry) => messageFromHistoryEntry(entry, config.serverBase)).filter(Boolean);
    for (const message of messages) {
      if (message.clientMessageId && titles[message.clientMessageId]) message.display = titles[message.clientMessageId];
    }
    if (awaitingHistory) {
      for (const id of transcript.replaceStored(messages)) outbox.remove(id);
      awaitingHistory = false;
      clearTimeout(historyTimer);
      gaps.reset(lastSeq || 0);
    } else {
      for (const message of messages) {
        transcript.addIncoming(message);
        if (message.clientMessageId) outbox.remove(message.clientMessageId);
      }
      if (gaps.caughtUp(lastSeq)) resyncSoon();
    }
    const lastAgent = messages.filter((m) => m.sender === Sender.AGENT && m.agentName).pop();
    if (lastAgent && !agentName) agentName = lastAgent.agentName;
    render();
    flush();
  }

  /** Send queued messages and control events; each message once per connection. */
  function flush() {
    if (!sessionReady || awaitingHistory) return;
    for (const item of outbox.items()) {
      if (sentOnConnection.has(item.clientMessageId)) continue;
      if (!connection.emit(CustomerEvent.USER_UTTERED, userUtteredPayload(item, sessionId, attributes))) return;
      sentOnConnection.add(item.clientMessageId);
      sentAt.set(item.clientMessageId, Date.now());
    }
    const queued = controlQueue;
    controlQueue = [];
    for (const [event, payload] of queued) sendWhenReady(event, payload);
  }

  /** A stored message may have been lost on its way: ask for what came after the last one we are sure of. */
  function resyncSoon() {
    if (gapTimer) return;
    gapTimer = setTimeout(() => {
      gapTimer = null;
      if (gaps.missing && sessionReady && !awaitingHistory) {
        connection.emit(CustomerEvent.HISTORY_REQUEST, { after_seq: gaps.through });
      }
    }, GAP_WAIT_MS);
  }

  function sendWhenReady(event, payload) {
    connection.start();
    if (!(sessionReady && connection.emit(event, payload))) controlQueue.push([event, payload]);
  }

  // --- server events -------------------------------------------------------

  function botUttered(data) {
    const message = messageFromBotUttered(data, config.serverBase);
    if (gaps.seen(message.seq)) resyncSoon();
    if (!message.text && !message.image && !message.quickReplies.length) return;
    if (message.sender === Sender.AGENT && !message.agentName) message.agentName = agentName;
    if (typingWho && typingWho.sender === message.sender) showTyping(null);
    if (transcript.addIncoming(message) && !view.isOpen()) {
      unread += 1;
      view.setUnread(unread);
    }
    render();
  }

  function messageAck(data) {
    const id = data.client_message_id;
    if (typeof id !== "string") return;
    outbox.remove(id);
    sentAt.delete(id);
    const seq = Number.isInteger(data.seq) && data.seq > 0 ? data.seq : null;
    transcript.acknowledge(id, seq);
    if (gaps.seen(seq)) resyncSoon();
    render();
  }

  function handoffStatus(data) {
    const status = parseHandoffStatus(data);
    if (!status) return;
    if (status.agentName) agentName = status.agentName;
    view.setHandoff(status);
    if (status.state === HandoffState.RESOLVED) {
      view.showRating();
      if (status.transcriptEmail) view.showEmailCopy();
    } else if (status.state !== HandoffState.BOT) {
      view.hideRating(false);
      view.hideEmailCopy();
    }
  }

  function showTyping(who) {
    typingWho = who;
    clearTimeout(typingTimer);
    view.setTyping(who);
    if (who) typingTimer = setTimeout(() => showTyping(null), TYPING_TIMEOUT_MS);
  }

  function typing(data) {
    if (data.sender !== Sender.BOT && data.sender !== Sender.AGENT) return;
    if (data.on) showTyping({ sender: data.sender, name: data.sender === Sender.AGENT ? agentName : "" });
    else if (typingWho && typingWho.sender === data.sender) showTyping(null);
  }

  function error(data) {
    view.showError(typeof data.message === "string" && data.message ? data.message : i18n.t("error_generic"));
    if (data.code === ProtocolErrorCode.IDENTITY_REFUSED) identity = null; // not sent again on every reconnection
    if (RETRY_CODES.includes(data.code)) retryLater();
    if (!REFUSED_CODES.includes(data.code)) return;
    // The protocol does not say which message was refused: take the latest one
    // sent just now. It was not stored, so it must not be resent on reconnect.
    const latest = transcript.unacknowledged().filter((m) => Date.now() - (sentAt.get(m.clientMessageId) || 0) < REFUSAL_WINDOW_MS).pop();
    if (!latest) return;
    outbox.remove(latest.clientMessageId);
    transcript.setStatus(latest.clientMessageId, Status.FAILED);
    render();
  }

  /** Nothing was stored: ask for the session again, or resend what is unacknowledged, in a while. */
  function retryLater() {
    if (unavailableTimer) return;
    unavailableTimer = setTimeout(() => {
      unavailableTimer = null;
      if (!connection.connected) return; // a new connection starts over anyway
      if (!sessionReady) connection.requestSession();
      else {
        sentOnConnection = new Set();
        flush();
      }
    }, RETRY_UNAVAILABLE_MS);
  }

  // --- customer actions ----------------------------------------------------

  function sendMessage(text, display) {
    const item = {
      clientMessageId: newClientMessageId(),
      text,
      language: i18n.language,
      createdAt: Date.now(),
      page: window.location.href, // shown to the agent as "pages visited"
    };
    if (display !== text) {
      item.display = display;
      titles[item.clientMessageId] = display;
      storage.rememberTitle(item.clientMessageId, display);
    }
    outbox.add(item);
    transcript.addPending(pendingMessage(item));
    stopCustomerTyping();
    render();
    connection.start();
    flush();
  }

  function retry(clientMessageId) {
    const message = transcript.find(clientMessageId);
    if (!message || outbox.has(clientMessageId)) return;
    outbox.add({ clientMessageId, text: message.text, display: message.display, language: i18n.language, createdAt: Date.now() });
    sentOnConnection.delete(clientMessageId);
    transcript.setStatus(clientMessageId, Status.SENDING);
    render();
    connection.start();
    flush();
  }

  /**
   * Send `file` to the person who has the chat: "Sending <name>…" until the
   * server stored it (then its entry, de-duplicated by seq like any other), or
   * why it was not sent, in the customer's words.
   */
  async function attach(file) {
    const pendingId = `upload-${newClientMessageId()}`;
    const refusal = precheckFile(file) || (sessionReady && sessionId ? null : UploadError.FAILED);
    let result = refusal ? { error: refusal } : null;
    if (!result) {
      transcript.addPending({ clientMessageId: pendingId, text: file.name, display: i18n.t("attachment_sending", { name: file.name }), ts: Date.now(), upload: true });
      render();
      result = await uploadAttachment(config.serverBase, sessionId, file);
      transcript.remove(pendingId);
    }
    const message = result.entry ? messageFromHistoryEntry(result.entry, config.serverBase) : null;
    if (message) {
      transcript.addIncoming(message);
      if (gaps.seen(message.seq)) resyncSoon();
    } else {
      view.showError(i18n.t(UPLOAD_ERROR_KEYS[result.error || UploadError.FAILED]));
    }
    render();
  }

  /** `offline_ticket` (nobody from the team can answer now); resolves to a TicketResult. */
  async function leaveMessage(email, message) {
    connection.start();
    if (!sessionReady) return TicketResult.FAILED; // the ticket belongs to the session: none yet
    const answer = await connection.call(CustomerEvent.OFFLINE_TICKET, offlineTicketPayload(email, message));
    if (!answer) return TicketResult.FAILED;
    return answer.ok === true ? TicketResult.SENT : TicketResult.REFUSED;
  }

  /** `transcript_email`: a copy of the conversation to `email`; resolves to a CopyResult. */
  async function emailTranscript(email) {
    connection.start();
    if (!sessionReady) return CopyResult.FAILED;
    const answer = await connection.call(CustomerEvent.TRANSCRIPT_EMAIL, transcriptEmailPayload(email));
    if (answer && answer.ok === true) return CopyResult.SENT;
    if (answer && answer.error === ProtocolErrorCode.MALFORMED) return CopyResult.BAD_EMAIL;
    if (answer && answer.error === ProtocolErrorCode.RATE_LIMITED) return CopyResult.LIMIT;
    return CopyResult.FAILED;
  }

  function requestHuman() {
    view.setHumanPending(true);
    sendWhenReady(CustomerEvent.REQUEST_HANDOFF, {});
  }

  function customerIsTyping() {
    if (!sessionReady) return;
    if (!customerTyping) customerTyping = connection.emit(CustomerEvent.TYPING, { on: true });
    clearTimeout(customerTypingTimer);
    customerTypingTimer = setTimeout(stopCustomerTyping, TYPING_IDLE_MS);
  }

  function stopCustomerTyping() {
    clearTimeout(customerTypingTimer);
    if (customerTyping) connection.emit(CustomerEvent.TYPING, { on: false });
    customerTyping = false;
  }

  function open(moveFocus) {
    view.open(moveFocus);
    storage.saveOpen(true);
    unread = 0;
    view.setUnread(0);
    connection.start();
  }

  function close(moveFocus) {
    if (!view.isOpen()) return;
    stopCustomerTyping();
    view.close(moveFocus);
    storage.saveOpen(false);
  }

  // --- the page's API ---------------------------------------------------------

  /**
   * The signed-in customer, vouched for by the shop's server (`signature`);
   * their own conversation follows them from device to device. False when
   * the arguments cannot be an identity (the server checks the signature).
   */
  function identify(user, signature) {
    const claim = parseIdentity(user, signature);
    if (!claim) return false;
    if (JSON.stringify(claim) === JSON.stringify(identity)) return true;
    identity = claim;
    // Told now if a session is open; else with the session request under way (sessionConfirmed) or the next one.
    if (sessionReady) connection.requestSession();
    return true;
  }

  /** The customer signed out (or the page hands the device to someone else): start afresh, anonymous. */
  function reset() {
    identity = null;
    attributes = {};
    for (const item of outbox.items()) outbox.remove(item.clientMessageId);
    storage.clearSessionId();
    sessionId = null;
    requestedSessionId = null;
    transcript.clear();
    startedOver();
    if (sessionReady) connection.requestSession();
  }

  function setCustomData(data) {
    attributes = parseCustomData(data);
  }

  // --- start -----------------------------------------------------------------

  for (const item of outbox.items()) transcript.addPending(pendingMessage(item));
  view.setUnread(0);
  render();
  if (storage.loadOpen()) open(false);
  else if (storage.loadSessionId() || outbox.items().length) connection.start(); // to replay the transcript and count unread replies

  return { open: () => open(true), close: () => close(false), identify, reset, setCustomData };
}
