// The console's side of docs/agent-protocol.md: event names, values, error codes,
// and the English words agents see for them. Nothing else spells an event name.

export const AGENT_NAMESPACE = "/agent";
export const UNAUTHORIZED = "unauthorized";

export const ClientEvent = Object.freeze({
  SET_STATUS: "set_status",
  CLAIM: "claim",
  OPEN: "open",
  REPLY: "reply",
  NOTE: "note",
  TYPING: "typing",
  RESOLVE: "resolve",
  HANDBACK: "handback",
  CANNED: "canned",
  REASSIGN: "reassign",
  FLAG: "flag",
});

export const ServerEvent = Object.freeze({
  QUEUE: "queue",
  MY_CONVERSATIONS: "my_conversations",
  MESSAGE: "message",
  CUSTOMER_TYPING: "customer_typing",
  CONVERSATION_UPDATE: "conversation_update",
  OFFLINE_TICKET: "offline_ticket",
});

export const AgentStatus = Object.freeze({ ONLINE: "online", AWAY: "away" });

export const AgentRole = Object.freeze({ AGENT: "agent", SUPERVISOR: "supervisor" });

export const ConversationState = Object.freeze({
  QUEUED: "queued",
  ASSIGNED: "assigned",
  BOT: "bot",
  RESOLVED: "resolved",
});

export const Sender = Object.freeze({
  CUSTOMER: "customer",
  BOT: "bot",
  AGENT: "agent",
  NOTE: "note",
  SYSTEM: "system",
});

export const ErrorCode = Object.freeze({
  ALREADY_CLAIMED: "already_claimed",
  QUEUE_EMPTY: "queue_empty",
  AT_CAPACITY: "at_capacity",
  FORBIDDEN: "forbidden",
  NOT_FOUND: "not_found",
  NOT_ASSIGNED: "not_assigned",
  UNAUTHORIZED,
  // The console's own codes, for calls that got no answer.
  TIMEOUT: "timeout",
  DISCONNECTED: "disconnected",
});

const REASON_LABELS = Object.freeze({
  customer_request: "Asked for a person",
  low_confidence: "Assistant did not understand",
  complaint: "Complaint",
  assistant_unavailable: "Assistant unavailable",
});

const LANGUAGE_NAMES = Object.freeze({ en: "English", hy: "Armenian", fa: "Persian", ms: "Malay" });

const RTL_LANGUAGES = new Set(["fa"]);

const STATE_LABELS = Object.freeze({
  queued: "Back in the queue",
  assigned: "Active",
  bot: "Handed back to assistant",
  resolved: "Resolved",
});

/** Agent statuses as the roster (GET /api/agent/agents) gives them. */
const AGENT_STATUS_LABELS = Object.freeze({ online: "Online", away: "Away", offline: "Offline" });

const SENDER_LABELS = Object.freeze({
  customer: "Customer",
  bot: "Assistant",
  agent: "Agent",
  note: "Internal note",
  system: "System",
});

const ERROR_MESSAGES = Object.freeze({
  already_claimed: "Another agent already took this conversation",
  queue_empty: "No one is waiting in the queue.",
  at_capacity: "You have as many conversations as you can take. Resolve one first.",
  not_yours: "This conversation is not assigned to you.",
  not_assigned: "This conversation is no longer with a person.",
  not_found: "This conversation no longer exists.",
  too_long: "The message is too long.",
  unauthorized: "Your session has ended. Please sign in again.",
  timeout: "The server did not answer in time. Please try again.",
  disconnected: "Not connected to the server. Please try again in a moment.",
});

/**
 * What `reassign` failures mean: the same codes as elsewhere, but about the
 * agent the conversation was to go to, not the signed-in one.
 */
const REASSIGN_ERROR_MESSAGES = Object.freeze({
  at_capacity: "That agent has no free capacity",
  forbidden: "Only supervisors can reassign conversations.",
  not_found: "That conversation or agent no longer exists.",
  not_assigned: "Only a conversation that is with an agent can be reassigned.",
  already_claimed: "The conversation changed hands meanwhile. Please try again.",
});

/** "Asked for a person" for `customer_request`; unknown reasons shown as they come. */
export function reasonLabel(reason) {
  return REASON_LABELS[reason] || (reason ? String(reason).replaceAll("_", " ") : "Unknown reason");
}

/** "Persian" for `fa`. */
export function languageName(code) {
  return LANGUAGE_NAMES[code] || (code ? String(code) : "Unknown language");
}

export function isRtlLanguage(code) {
  return RTL_LANGUAGES.has(code);
}

export function stateLabel(state) {
  return STATE_LABELS[state] || String(state || "Unknown");
}

export function senderLabel(sender) {
  return SENDER_LABELS[sender] || String(sender || "Unknown");
}

/**
 * Whether a priority is the high one. handoff/reasons.py numbers priorities
 * (1 normal, 2 high); a name ("high") is accepted too.
 */
export function isHighPriority(priority) {
  if (typeof priority === "string" && Number.isNaN(Number(priority))) return priority.toLowerCase() === "high";
  return Number(priority) >= 2;
}

/** What to tell the agent about a failed call's acknowledgement. */
export function errorMessage(ack) {
  if (ack && ERROR_MESSAGES[ack.error]) return ERROR_MESSAGES[ack.error];
  if (ack && typeof ack.message === "string" && ack.message) return ack.message;
  return `Something went wrong${ack && ack.error ? ` (${ack.error})` : ""}. Please try again.`;
}

/** What to tell the supervisor about a failed `reassign`. */
export function reassignErrorMessage(ack) {
  if (ack && REASSIGN_ERROR_MESSAGES[ack.error]) return REASSIGN_ERROR_MESSAGES[ack.error];
  return errorMessage(ack);
}

/** "Online" for `online`; unknown statuses shown as they come. */
export function agentStatusLabel(status) {
  return AGENT_STATUS_LABELS[status] || (status ? String(status) : "Unknown");
}

/** The agent field of a conversation may be a username or an agent object. */
export function agentName(agent) {
  if (!agent) return "";
  if (typeof agent === "string") return agent;
  return String(agent.display_name || agent.username || "");
}

/** Whether a conversation's `agent` field names the signed-in agent. */
export function isAgent(agentField, me) {
  if (!agentField || !me) return false;
  const names = typeof agentField === "string" ? [agentField] : [agentField.username, agentField.display_name];
  return names.some((name) => name && (name === me.username || name === me.display_name));
}

/** Why the agent can no longer write in a conversation that is not active for them. */
export function inactiveLabel(conversation, me) {
  if (conversation.lost) return "No longer assigned to you";
  if (conversation.state === ConversationState.ASSIGNED && conversation.agent && !isAgent(conversation.agent, me)) {
    return `Taken by ${agentName(conversation.agent)}`;
  }
  return stateLabel(conversation.state);
}
