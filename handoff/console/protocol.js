// The console's side of docs/agent-protocol.md: the words agents see for
// states, senders, reasons and error codes, in the page's language (i18n.js;
// each a function, so it is read when shown). The names themselves (events,
// states, codes, roles, statuses, languages) are the server's, imported from
// ./constants.js (generated from bot/core/); nothing here spells one.

import { AgentErrorCode, AgentStatus, HandoffPriority, HandoffReason, HandoffState, Sender } from "./constants.js";
import { t } from "./i18n.js";
import { sessionEnded } from "./sign-in.js";

export { isRightToLeft as isRtlLanguage, languageName } from "./languages.js";

export const AGENT_NAMESPACE = "/agent";

/** The console's own codes, for calls that got no (usable) answer; the server's are AgentErrorCode. */
export const ConsoleError = Object.freeze({
  TIMEOUT: "timeout",
  DISCONNECTED: "disconnected",
  BAD_ANSWER: "bad_answer",
});

const REASON_LABELS = Object.freeze({
  [HandoffReason.CUSTOMER_REQUEST]: () => t("reason.customer_request"),
  [HandoffReason.LOW_CONFIDENCE]: () => t("reason.low_confidence"),
  [HandoffReason.COMPLAINT]: () => t("reason.complaint"),
  [HandoffReason.ASSISTANT_UNAVAILABLE]: () => t("reason.assistant_unavailable"),
});

const STATE_LABELS = Object.freeze({
  [HandoffState.QUEUED]: () => t("state.queued"),
  [HandoffState.ASSIGNED]: () => t("state.assigned"),
  [HandoffState.BOT]: () => t("state.bot"),
  [HandoffState.RESOLVED]: () => t("state.resolved"),
});

/** Agent statuses as the roster (GET /api/agent/agents) gives them. */
const AGENT_STATUS_LABELS = Object.freeze({
  [AgentStatus.ONLINE]: () => t("status.online"),
  [AgentStatus.AWAY]: () => t("status.away"),
  [AgentStatus.OFFLINE]: () => t("status.offline"),
});

/** The statuses an agent can choose in the console (offline is being signed out). */
export const CHOOSABLE_STATUSES = Object.freeze([AgentStatus.ONLINE, AgentStatus.AWAY]);

const SENDER_LABELS = Object.freeze({
  [Sender.CUSTOMER]: () => t("sender.customer"),
  [Sender.BOT]: () => t("sender.bot"),
  [Sender.AGENT]: () => t("sender.agent"),
  [Sender.NOTE]: () => t("sender.note"),
  [Sender.SYSTEM]: () => t("sender.system"),
});

const ERROR_MESSAGES = Object.freeze({
  [AgentErrorCode.ALREADY_CLAIMED]: () => t("error.already_claimed"),
  [AgentErrorCode.QUEUE_EMPTY]: () => t("error.queue_empty"),
  [AgentErrorCode.AT_CAPACITY]: () => t("error.at_capacity"),
  [AgentErrorCode.NOT_YOURS]: () => t("error.not_yours"),
  [AgentErrorCode.NOT_ASSIGNED]: () => t("error.not_assigned"),
  [AgentErrorCode.NOT_FOUND]: () => t("error.not_found"),
  [AgentErrorCode.TOO_LONG]: () => t("error.too_long"),
  [AgentErrorCode.UNAUTHORIZED]: sessionEnded,
  [ConsoleError.TIMEOUT]: () => t("error.timeout"),
  [ConsoleError.DISCONNECTED]: () => t("error.disconnected"),
});

/**
 * What `reassign` failures mean: the same codes as elsewhere, but about the
 * agent the conversation was to go to, not the signed-in one.
 */
const REASSIGN_ERROR_MESSAGES = Object.freeze({
  [AgentErrorCode.AT_CAPACITY]: () => t("reassign.error.at_capacity"),
  [AgentErrorCode.FORBIDDEN]: () => t("reassign.error.forbidden"),
  [AgentErrorCode.NOT_FOUND]: () => t("reassign.error.not_found"),
  [AgentErrorCode.NOT_ASSIGNED]: () => t("reassign.error.not_assigned"),
  [AgentErrorCode.ALREADY_CLAIMED]: () => t("reassign.error.already_claimed"),
});

/** "Asked for a person" for `customer_request`; unknown reasons shown as they come. */
export function reasonLabel(reason) {
  if (REASON_LABELS[reason]) return REASON_LABELS[reason]();
  return reason ? String(reason).replaceAll("_", " ") : t("reason.unknown");
}

export function stateLabel(state) {
  return STATE_LABELS[state] ? STATE_LABELS[state]() : String(state || t("common.unknown"));
}

export function senderLabel(sender) {
  return SENDER_LABELS[sender] ? SENDER_LABELS[sender]() : String(sender || t("common.unknown"));
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
  if (ack && ERROR_MESSAGES[ack.error]) return ERROR_MESSAGES[ack.error]();
  if (ack && typeof ack.message === "string" && ack.message) return ack.message;
  return ack && ack.error ? t("error.generic_code", { code: String(ack.error) }) : t("error.generic");
}

/** What to tell the supervisor about a failed `reassign`. */
export function reassignErrorMessage(ack) {
  if (ack && REASSIGN_ERROR_MESSAGES[ack.error]) return REASSIGN_ERROR_MESSAGES[ack.error]();
  return errorMessage(ack);
}

/** "Online" for `online`; unknown statuses shown as they come. */
export function agentStatusLabel(status) {
  if (AGENT_STATUS_LABELS[status]) return AGENT_STATUS_LABELS[status]();
  return status ? String(status) : t("common.unknown");
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
  if (conversation.lost) return t("conversation.lost");
  if (conversation.state === HandoffState.ASSIGNED && conversation.agent && !isAgent(conversation.agent, me)) {
    return t("conversation.taken_by", { agent: agentName(conversation.agent) });
  }
  return stateLabel(conversation.state);
}
