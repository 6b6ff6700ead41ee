// The customer protocol of docs/protocol.md: what the widget sends, and the
// server's payloads turned into the widget's message records. Event names,
// senders and states come from ./generated/constants.js (the server's enums).

import { parseAttachment } from "./attachments.js";
import { HandoffState, Sender } from "./generated/constants.js";

const SENDERS = Object.values(Sender);

/**
 * `session_request`: resume `sessionId` if given, else start a session in
 * `language`; `identity` ({user, signature}, from `identify()`) names the
 * signed-in customer, whose own conversation the server may resume instead.
 */
export function sessionRequestPayload(sessionId, language, identity = null) {
  const payload = sessionId ? { session_id: sessionId } : {};
  if (language) payload.language = language;
  if (identity) payload.identity = { user: identity.user, signature: identity.signature };
  return payload;
}

/**
 * The `identify(user, signature)` arguments the server could accept:
 * {user: {id, name?, email?}, signature}, or null. The server verifies the signature.
 */
export function parseIdentity(user, signature) {
  if (!user || typeof user !== "object" || typeof signature !== "string" || !signature) return null;
  const id = typeof user.id === "number" && Number.isInteger(user.id) ? String(user.id) : user.id;
  if (typeof id !== "string" || !id) return null;
  const clean = { id };
  if (typeof user.name === "string" && user.name.trim()) clean.name = user.name.trim();
  if (typeof user.email === "string" && user.email.trim()) clean.email = user.email.trim();
  return { user: clean, signature };
}

/** Plain values of a `setCustomData` object (the server bounds them again). */
export function parseCustomData(data) {
  if (!data || typeof data !== "object") return {};
  const plain = {};
  for (const [key, value] of Object.entries(data)) {
    if (["string", "number", "boolean"].includes(typeof value)) plain[key] = value;
  }
  return plain;
}

/**
 * `user_uttered` for one outbox item. The language, the page and the page's
 * own `customData` (`attributes`) travel in `customData`.
 */
export function userUtteredPayload(item, sessionId, attributes = {}) {
  const payload = {
    message: item.text,
    client_message_id: item.clientMessageId,
    customData: { ...attributes, language: item.language },
  };
  if (item.page) payload.customData.page = item.page;
  if (sessionId) payload.session_id = sessionId; // only read by servers that got no session_request
  return payload;
}

export function ratingPayload(score, comment) {
  const payload = { score };
  const trimmed = (comment || "").trim();
  if (trimmed) payload.comment = trimmed;
  return payload;
}

/** `transcript_email`: where to send the customer's copy of the conversation. */
export function transcriptEmailPayload(email) {
  return { email: String(email || "").trim() };
}

/** `offline_ticket`: the email address and message left for the team, trimmed. */
export function offlineTicketPayload(email, message) {
  return { email: String(email || "").trim(), message: String(message || "").trim() };
}

function asString(value) {
  return typeof value === "string" ? value : "";
}

function asSeq(value) {
  return Number.isInteger(value) && value > 0 ? value : null;
}

/** Buttons as `[{title, payload}]`; Rasa's `quick_replies` and `buttons` shapes both. */
export function parseQuickReplies(source) {
  const raw = source && (Array.isArray(source.quick_replies) ? source.quick_replies : source.buttons);
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((reply) => reply && typeof reply === "object")
    .map((reply) => ({ title: asString(reply.title), payload: asString(reply.payload) || asString(reply.title) }))
    .filter((reply) => reply.title && reply.payload);
}

/** An image of the assistant's own answer (Rasa's `{type: "image", payload: {src}}`), from anywhere on the web. */
function parseImage(source) {
  const attachment = source && source.attachment;
  if (!attachment || attachment.type !== "image" || !attachment.payload) return null;
  return asString(attachment.payload.src) || null;
}

/**
 * `{attachment}` (a file sent in the chat, on `server`) of `source`, or for
 * the assistant's answers `{image}` (a picture of the domain's, from anywhere).
 */
function filesOf(source, server, sender) {
  const attachment = parseAttachment(source, server);
  const image = !attachment && sender === Sender.BOT ? parseImage(source) : null;
  return { attachment, image };
}

function agentNameOf(source) {
  if (!source) return "";
  const agent = source.agent_name || source.agent;
  if (agent && typeof agent === "object") return asString(agent.name || agent.display_name);
  return asString(agent);
}

/** A `bot_uttered` payload as a message record (sender bot or agent); attachment URLs are resolved against `server`. */
export function messageFromBotUttered(data, server = "") {
  const metadata = (data && data.metadata) || {};
  const sender = metadata.sender === Sender.AGENT ? Sender.AGENT : Sender.BOT;
  return {
    sender,
    seq: asSeq(metadata.seq),
    text: asString(data && data.text),
    ts: Date.now(),
    agentName: agentNameOf(metadata),
    quickReplies: parseQuickReplies(data),
    ...filesOf(data, server, sender),
  };
}

/**
 * One `history` entry (or an uploaded attachment's entry) as a message record;
 * entries of unknown senders are dropped. Attachment URLs are resolved against `server`.
 */
export function messageFromHistoryEntry(entry, server = "") {
  if (!entry || !SENDERS.includes(entry.sender)) return null;
  const extra = entry.extra && typeof entry.extra === "object" ? entry.extra : {};
  return {
    sender: entry.sender,
    seq: asSeq(entry.seq),
    text: asString(entry.text),
    ts: typeof entry.ts === "number" ? entry.ts * 1000 : Date.now(),
    clientMessageId: asString(entry.client_message_id) || null,
    agentName: agentNameOf(extra),
    quickReplies: parseQuickReplies(extra),
    ...filesOf(extra, server, entry.sender),
  };
}

/**
 * `handoff_status` normalised: `{state, position, waitSeconds, agentName, teamAvailable}`.
 * `teamAvailable` is false only when the server says so (`team_available: false`).
 */
export function parseHandoffStatus(data) {
  const state = data && Object.values(HandoffState).includes(data.state) ? data.state : null;
  if (!state) return null;
  const position = Number.isInteger(data.position) && data.position > 0 ? data.position : null;
  const wait = typeof data.estimated_wait_s === "number" && data.estimated_wait_s >= 0 ? data.estimated_wait_s : null;
  return {
    state,
    position,
    waitSeconds: wait,
    agentName: agentNameOf(data),
    teamAvailable: data.team_available !== false,
    // resolved, and the server can email the customer a copy
    transcriptEmail: data.transcript_email === true,
  };
}

/** `welcome`: the greeting and starting quick replies, or null when it holds no text. */
export function parseWelcome(data) {
  const text = asString(data && data.text);
  return text ? { text, quickReplies: parseQuickReplies(data) } : null;
}
