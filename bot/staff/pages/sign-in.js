// Sign-in for the staff pages (the console, the trainer page and the analytics
// dashboard): the login form, the token in sessionStorage, the check that the
// account's role may use the page, and authorised requests that send the user
// back to the form when the token is no longer valid. shell.js builds the form
// and calls this; served by the gateway under each page's path (bot/staff/web.py).
//
// Messages are functions giving the text in the page's language at the time:
// the one shown is given again when the language changes.

import { gatewayUrl } from "./gateway.js";
import { onLanguageChange, plural, t } from "./i18n.js";

const LOGIN_URL = gatewayUrl("/api/agent/login");
const LOGOUT_URL = gatewayUrl("/api/agent/logout");
const ME_URL = gatewayUrl("/api/agent/me");
/** "Your session has ended. Please sign in again." */
export const sessionEnded = () => t("signin.session_ended");
const unreachable = () => t("signin.unreachable");

/** "Too many failed sign-in attempts." with when to try again, if the server said (Retry-After). */
function rateLimitedMessage(response) {
  const seconds = Number.parseInt(response.headers.get("Retry-After") || "", 10);
  return () =>
    Number.isFinite(seconds) && seconds > 0 ? plural("signin.rate_limited_seconds", seconds) : t("signin.rate_limited");
}

function asMessage(message) {
  return typeof message === "function" ? message : () => String(message || "");
}

function readAgent(raw) {
  try {
    const agent = JSON.parse(raw || "null");
    return agent && typeof agent === "object" ? agent : null;
  } catch (error) {
    return null;
  }
}

/**
 * `storageKey`: where the token and account are kept; `roles`: the roles that
 * may use the page, and `refusedMessage()` for the others; `elements`:
 * {view, form, username, password, submit, error} of the login form;
 * `onSignedIn(agent)` shows the page, `onSignedOut()` hides it.
 */
export function createSignIn({ storageKey, roles, refusedMessage, elements, onSignedIn, onSignedOut }) {
  const allowed = new Set(roles);
  const agentKey = `${storageKey}.agent`;
  let token = sessionStorage.getItem(storageKey);
  let signedInAgent = null;
  /** The message the form shows, as a function of the language. */
  let shownMessage = asMessage("");

  function showMessage() {
    const text = shownMessage();
    elements.error.textContent = text;
    elements.error.hidden = !text;
  }

  onLanguageChange(showMessage);

  function showForm(message = "") {
    onSignedOut();
    elements.view.hidden = false;
    shownMessage = asMessage(message);
    showMessage();
    elements.submit.disabled = false;
    elements.username.focus();
  }

  function forget() {
    token = null;
    signedInAgent = null;
    sessionStorage.removeItem(storageKey);
    sessionStorage.removeItem(agentKey);
  }

  async function revoke(oldToken) {
    try {
      await fetch(LOGOUT_URL, { method: "POST", headers: { Authorization: `Bearer ${oldToken}` } });
    } catch (error) {
      console.warn("sign-in: logout request failed", error);
    }
  }

  function enter(agent) {
    signedInAgent = agent;
    elements.view.hidden = true;
    onSignedIn(agent);
  }

  async function submit(event) {
    event.preventDefault();
    elements.submit.disabled = true;
    elements.error.hidden = true;
    let response;
    try {
      response = await fetch(LOGIN_URL, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ username: elements.username.value.trim(), password: elements.password.value }),
        credentials: "same-origin",
      });
    } catch (error) {
      return refuse(unreachable);
    }
    if (response.status === 401) return refuse(() => t("signin.wrong_credentials"));
    if (response.status === 429) return refuse(rateLimitedMessage(response));
    const body = response.ok ? await response.json().catch(() => null) : null;
    if (!body || typeof body.token !== "string" || !body.token) {
      const status = response.status;
      return refuse(() => t("signin.failed", { status: String(status) }));
    }
    if (!allowed.has(body.agent && body.agent.role)) {
      await revoke(body.token);
      return refuse(refusedMessage);
    }
    elements.password.value = "";
    token = body.token;
    sessionStorage.setItem(storageKey, token);
    sessionStorage.setItem(agentKey, JSON.stringify(body.agent));
    enter(body.agent);
  }

  /** The form again after a failed attempt, the password selected to type again. */
  function refuse(message) {
    showForm(message);
    if (elements.password.value) elements.password.select();
  }

  /**
   * `fetch` with the token. A 401 ends the session (back to the form) and
   * resolves to null; anything else is the response, for the page to read.
   */
  async function authorisedFetch(url, options = {}) {
    if (!token) {
      showForm();
      return null;
    }
    const headers = { Authorization: `Bearer ${token}`, Accept: "application/json", ...(options.headers || {}) };
    const response = await fetch(url, { ...options, headers, credentials: "same-origin" });
    if (response.status === 401) {
      forget();
      showForm(sessionEnded);
      return null;
    }
    return response;
  }

  return {
    authorisedFetch,
    /** The session's token (for the console's socket), or null when signed out. */
    get token() {
      return token;
    },
    /** The signed-in account `{username, display_name, role, language}`, or null. */
    get agent() {
      return signedInAgent;
    },
    /**
     * Show the page for a stored, still valid session of an allowed role, else
     * the form. When the server cannot be asked, the account stored at sign-in
     * is trusted for now: the page's next request tells whether the token holds.
     */
    async start() {
      elements.form.addEventListener("submit", submit);
      if (!token) return showForm();
      let response;
      try {
        response = await authorisedFetch(ME_URL);
      } catch (error) {
        const stored = readAgent(sessionStorage.getItem(agentKey));
        if (stored && allowed.has(stored.role)) return enter(stored);
        return showForm(unreachable);
      }
      if (!response) return undefined;
      const body = await response.json().catch(() => null);
      if (!body || !allowed.has(body.agent && body.agent.role)) {
        forget();
        return showForm(refusedMessage);
      }
      sessionStorage.setItem(agentKey, JSON.stringify(body.agent));
      return enter(body.agent);
    },
    /** The server no longer takes the token (e.g. the console's socket was refused): back to the form with `message` (a function or text). */
    expire(message = sessionEnded) {
      forget();
      showForm(message);
    },
    /** The account's language changed (the server took it): kept with the stored account too. */
    setLanguage(language) {
      if (!signedInAgent) return;
      signedInAgent = { ...signedInAgent, language };
      sessionStorage.setItem(agentKey, JSON.stringify(signedInAgent));
    },
    async signOut() {
      const oldToken = token;
      forget();
      showForm();
      if (oldToken) await revoke(oldToken);
    },
  };
}
