// The console's REST calls besides signing in (docs/agent-protocol.md), made
// with the shared sign-in's authorisedFetch: a 401 ends the session there (the
// sign-in form is shown) and the call resolves to null. The agent's chosen
// status is kept in sessionStorage, so it ends with the browser tab.

import { AgentRole, AgentStatus } from "./constants.js";
import { gatewayUrl } from "./gateway.js";
import { ConsoleError } from "./protocol.js";

const TICKETS_URL = gatewayUrl("/api/agent/tickets");
const AGENTS_URL = gatewayUrl("/api/agent/agents");
const ATTACHMENTS_URL = gatewayUrl("/api/agent/attachments");
const STATUS_KEY = "console.status";

/** `{username, display_name, role}` with the gaps filled. */
export function normaliseAgent(agent) {
  const source = agent && typeof agent === "object" ? agent : {};
  const username = String(source.username || "");
  return { username, display_name: String(source.display_name || username), role: String(source.role || AgentRole.AGENT) };
}

/** `authorisedFetch(url)`: the shared sign-in's; resolves to a Response, or null once the session ended. */
export function createApi(authorisedFetch) {
  async function getJson(url) {
    const response = await authorisedFetch(url);
    if (!response) return null;
    if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
    return (await response.json()) || {};
  }

  return {
    /**
     * GET /api/agent/tickets: `{tickets, email}`, the messages customers left
     * while nobody could answer, newest first, and whether they can be answered
     * by email from here; null when the session ended. Rejects when the server
     * cannot be asked or answers otherwise.
     */
    async tickets() {
      const body = await getJson(TICKETS_URL);
      if (!body) return null;
      return { tickets: Array.isArray(body.tickets) ? body.tickets : [], email: body.email === true };
    },
    /**
     * GET /api/agent/agents (supervisors only): every agent with their status,
     * `[{username, display_name, role, status}]`; null when the session ended.
     * Rejects when the server cannot be asked or answers otherwise (403 for an
     * agent who is not a supervisor).
     */
    async agents() {
      const body = await getJson(AGENTS_URL);
      if (!body) return null;
      const agents = Array.isArray(body.agents) ? body.agents : [];
      return agents
        .filter((agent) => agent && typeof agent === "object" && typeof agent.username === "string" && agent.username)
        .map((agent) => ({ ...normaliseAgent(agent), status: String(agent.status || AgentStatus.OFFLINE) }));
    },
    /**
     * POST /api/agent/attachments: send `file` (a picture or PDF) to the
     * customer of `conversationId`. Resolves to `{entry}` (the stored
     * transcript entry), `{error, message}` when refused or the server could
     * not be reached, or null when the session ended.
     */
    async uploadAttachment(conversationId, file) {
      const body = new FormData();
      body.append("conversation_id", conversationId);
      body.append("file", file, file.name);
      let response;
      try {
        response = await authorisedFetch(ATTACHMENTS_URL, { method: "POST", body });
      } catch (error) {
        return { error: ConsoleError.DISCONNECTED, message: "" };
      }
      if (!response) return null;
      const answer = await response.json().catch(() => null);
      if (response.status === 201 && answer && answer.entry && typeof answer.entry === "object") return { entry: answer.entry };
      return {
        error: answer && typeof answer.error === "string" ? answer.error : `http_${response.status}`,
        message: answer && typeof answer.message === "string" ? answer.message : "",
      };
    },
  };
}

/** The status the agent chose last in this tab (kept across reloads, forgotten at sign-out). */
export const savedStatus = {
  load() {
    return sessionStorage.getItem(STATUS_KEY);
  },
  save(status) {
    sessionStorage.setItem(STATUS_KEY, status);
  },
  clear() {
    sessionStorage.removeItem(STATUS_KEY);
  },
};
