// The console's REST calls (docs/agent-protocol.md, "Login") and the session
// kept in sessionStorage, so it ends with the browser tab.

const LOGIN_URL = "/api/agent/login";
const LOGOUT_URL = "/api/agent/logout";
const ME_URL = "/api/agent/me";
const TICKETS_URL = "/api/agent/tickets";
const AGENTS_URL = "/api/agent/agents";

const TOKEN_KEY = "console.token";
const AGENT_KEY = "console.agent";
const STATUS_KEY = "console.status";

export const LoginFailure = Object.freeze({
  INVALID: "invalid", // 401
  RATE_LIMITED: "rate_limited", // 429
  SERVER: "server",
  NETWORK: "network",
});

export class LoginError extends Error {
  /** `failure` is one of LoginFailure; `retryAfterS` is set when the server said when to retry. */
  constructor(failure, message, retryAfterS = null) {
    super(message);
    this.name = "LoginError";
    this.failure = failure;
    this.retryAfterS = retryAfterS;
  }
}

/** POST /api/agent/login; resolves to `{token, agent}`, rejects with a LoginError. */
export async function login(username, password) {
  let response;
  try {
    response = await fetch(LOGIN_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ username, password }),
      credentials: "same-origin",
    });
  } catch (error) {
    throw new LoginError(LoginFailure.NETWORK, "Cannot reach the server. Check your connection and try again.");
  }
  if (response.status === 401) throw new LoginError(LoginFailure.INVALID, "Wrong username or password.");
  if (response.status === 429) {
    const retryAfterS = Number.parseInt(response.headers.get("Retry-After") || "", 10);
    const when = Number.isFinite(retryAfterS) && retryAfterS > 0 ? ` Try again in ${retryAfterS} seconds.` : " Please wait a few minutes and try again.";
    throw new LoginError(LoginFailure.RATE_LIMITED, `Too many failed sign-in attempts.${when}`, Number.isFinite(retryAfterS) ? retryAfterS : null);
  }
  const body = response.ok ? await response.json().catch(() => null) : null;
  if (!body || typeof body.token !== "string" || !body.token) {
    throw new LoginError(LoginFailure.SERVER, `The server could not sign you in (HTTP ${response.status}). Please try again.`);
  }
  return { token: body.token, agent: normaliseAgent(body.agent) };
}

/** POST /api/agent/logout; best effort: the local session ends whatever it answers. */
export async function logout(token) {
  try {
    await fetch(LOGOUT_URL, { method: "POST", headers: { Authorization: `Bearer ${token}` }, credentials: "same-origin" });
  } catch (error) {
    console.warn("console: logout request failed", error);
  }
}

/**
 * GET /api/agent/me: the agent the token belongs to, or null when the token is
 * no longer valid (401). Rejects when the server cannot be asked.
 */
export async function fetchMe(token) {
  const response = await fetch(ME_URL, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" }, credentials: "same-origin" });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`GET ${ME_URL}: HTTP ${response.status}`);
  const body = await response.json();
  return normaliseAgent(body && body.agent);
}

/**
 * GET /api/agent/tickets: the messages customers left while nobody could answer,
 * newest first; null when the token is no longer valid (401). Rejects when the
 * server cannot be asked or answers otherwise.
 */
export async function fetchTickets(token) {
  const response = await fetch(TICKETS_URL, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" }, credentials: "same-origin" });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`GET ${TICKETS_URL}: HTTP ${response.status}`);
  const body = await response.json();
  return body && Array.isArray(body.tickets) ? body.tickets : [];
}

/**
 * GET /api/agent/agents (supervisors only): every agent with their status,
 * `[{username, display_name, role, status}]`; null when the token is no longer
 * valid (401). Rejects when the server cannot be asked or answers otherwise
 * (403 for an agent who is not a supervisor).
 */
export async function fetchAgents(token) {
  const response = await fetch(AGENTS_URL, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" }, credentials: "same-origin" });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`GET ${AGENTS_URL}: HTTP ${response.status}`);
  const body = await response.json();
  const agents = body && Array.isArray(body.agents) ? body.agents : [];
  return agents
    .filter((agent) => agent && typeof agent === "object" && typeof agent.username === "string" && agent.username)
    .map((agent) => ({ ...normaliseAgent(agent), status: String(agent.status || "offline") }));
}

function normaliseAgent(agent) {
  const source = agent && typeof agent === "object" ? agent : {};
  const username = String(source.username || "");
  return { username, display_name: String(source.display_name || username), role: String(source.role || "agent") };
}

/** The signed-in session `{token, agent}` of this tab, kept in sessionStorage. */
export const session = {
  load() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return null;
    let agent = null;
    try {
      agent = JSON.parse(sessionStorage.getItem(AGENT_KEY) || "null");
    } catch (error) {
      console.warn("console: stored agent unreadable", error);
    }
    return { token, agent: normaliseAgent(agent) };
  },
  save({ token, agent }) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(AGENT_KEY, JSON.stringify(agent));
  },
  clear() {
    for (const key of [TOKEN_KEY, AGENT_KEY, STATUS_KEY]) sessionStorage.removeItem(key);
  },
  /** The status the agent chose last in this tab (kept across reloads). */
  loadStatus() {
    return sessionStorage.getItem(STATUS_KEY);
  },
  saveStatus(status) {
    sessionStorage.setItem(STATUS_KEY, status);
  },
};
