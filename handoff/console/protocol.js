// The console's side of docs/agent-protocol.md: the English words agents see
// for states, senders, reasons and error codes. The names themselves (events,
// states, codes, roles, statuses, languages) are the server's, imported from
// ./constants.js (generated from bot/core/); nothing here spells one.

import { AgentErrorCode, AgentStatus, HandoffPriority, HandoffReason, HandoffState, Sender } from "./constants.js";
import { SESSION_ENDED } from "./sign-in.js";

export { isRightToLeft as isRtlLanguage, languageName } from "./languages.js";

export const AGENT_NAMESPACE = "/agent";

/** The console's own codes, for calls that got no (usable) answer; the server's are AgentErrorCode. */
export const ConsoleError = Object.freeze({
  TIMEOUT: "timeout",
  DISCONNECTED: "disconnected",
  BAD_ANSWER: "bad_answer",
});

const REASON_LABELS = Object.freeze({
  [HandoffReason.CUSTOMER_REQUEST]: "Asked for a person",
  [HandoffReason.LOW_CONFIDENCE]: "Assistant did not understand",
  [HandoffReason.COMPLAINT]: "Complaint",
  [HandoffReason.ASSISTANT_UNAVAILABLE]: "Assistant unavailable",
});

const STATE_LABELS = Object.freeze({
  [HandoffState.QUEUED]: "Back in the queue",
  [HandoffState.ASSIGNED]: "Active",
  [HandoffState.BOT]: "Handed back to assistant",
  [HandoffState.RESOLVED]: "Resolved",
});

/** Agent statuses as the roster (GET /api/agent/agents) gives them. */
const AGENT_STATUS_LABELS = Object.freeze({
  [AgentStatus.ONLINE]: "Online",
  [AgentStatus.AWAY]: "Away",
  [AgentStatus.OFFLINE]: "Offline",
});

/** The statuses an agent can choose in the console (offline is being signed out). */
export const CHOOSABLE_STATUSES = Object.freeze([AgentStatus.ONLINE, AgentStatus.AWAY]);

const SENDER_LABELS = Object.freeze({
  [Sender.CUSTOMER]: "Customer",
  [Sender.BOT]: "Assistant",
  [Sender.AGENT]: "Agent",
  [Sender.NOTE]: "Internal note",
  [Sender.SYSTEM]: "System",
});

const ERROR_MESSAGES = Object.freeze({
  [AgentErrorCode.ALREADY_CLAIMED]: "Another agent already took this conversation",
  [AgentErrorCode.QUEUE_EMPTY]: "No one is waiting in the queue.",
  [AgentErrorCode.AT_CAPACITY]: "You have as many conversations as you can take. Resolve one first.",
  [AgentErrorCode.NOT_YOURS]: "This conversation is not assigned to you.",
  [AgentErrorCode.NOT_ASSIGNED]: "This conversation is no longer with a person.",
  [AgentErrorCode.NOT_FOUND]: "This conversation no longer exists.",
  [AgentErrorCode.TOO_LONG]: "The message is too long.",
  [AgentErrorCode.UNAUTHORIZED]: SESSION_ENDED,
  [ConsoleError.TIMEOUT]: "The server did not answer in time. Please try again.",
  [ConsoleError.DISCONNECTED]: "Not connected to the server. Please try again in a moment.",
});

/**
 * What `reassign` failures mean: the same codes as elsewhere, but about the
 * agent the conversation was to go to, not the signed-in one.
 */
const REASSIGN_ERROR_MESSAGES = Object.freeze({
  [AgentErrorCode.AT_CAPACITY]: "That agent has no free capacity",
  [AgentErrorCode.FORBIDDEN]: "Only supervisors can reassign conversations.",
  [AgentErrorCode.NOT_FOUND]: "That conversation or agent no longer exists.",
  [AgentErrorCode.NOT_ASSIGNED]: "Only a conversation that is with an agent can be reassigned.",
  [AgentErrorCode.ALREADY_CLAIMED]: "The conversation changed hands meanwhile. Please try again.",
});

/** "Asked for a person" for `customer_request`; unknown reasons shown as they come. */
export function reasonLabel(reason) {
  return REASON_LABELS[reason] || (reason ? String(reason).replaceAll("_", " ") : "Unknown reason");
}

export function stateLabel(state) {
  return STATE_LABELS[state] || String(state || "Unknown");
}

export function senderLabel(sender) {
  return SENDER_LABELS[sender] || String(sender || "Unknown");
}

/**
 * Whether a priority is the high one. The server numbers priorities
 * (HandoffPriority); a name ("high") is accepted too.
 */
export function isHighPriority(priority) {
  const value = typeof priority === "string" && Number.isNaN(Number(priority)) ? HandoffPriority[priority.toUpperCase()] : priority;
  return Number(value) >= HandoffPriority.HIGH;
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
  if (conversation.state === HandoffState.ASSIGNED && conversation.agent && !isAgent(conversation.agent, me)) {
    return `Taken by ${agentName(conversation.agent)}`;
  }
  return stateLabel(conversation.state);
}
