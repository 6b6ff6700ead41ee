// Sign-in for the staff pages that are not the console (the trainer page and
// the analytics dashboard): the login form, the token in sessionStorage, the
// check that the account's role may use the page, and authorised requests
// that send the user back to the form when the token is no longer valid.
// Served by the gateway under each page's path (handoff/staff_web.py).

const LOGIN_URL = "/api/agent/login";
const LOGOUT_URL = "/api/agent/logout";
const ME_URL = "/api/agent/me";
const SESSION_ENDED = "Your session has ended. Please sign in again.";

/**
 * `storageKey`: where the token and account are kept; `roles`: the roles that
 * may use the page, and `refusedMessage` for the others; `elements`:
 * {view, form, username, password, submit, error} of the login form;
 * `onSignedIn(agent)` shows the page, `onSignedOut()` hides it.
 */
export function createSignIn({ storageKey, roles, refusedMessage, elements, onSignedIn, onSignedOut }) {
  const allowed = new Set(roles);
  const agentKey = `${storageKey}.agent`;
  let token = sessionStorage.getItem(storageKey);

  function showForm(message = "") {
    onSignedOut();
    elements.view.hidden = false;
    elements.error.textContent = message;
    elements.error.hidden = !message;
    elements.submit.disabled = false;
    elements.username.focus();
  }

  function forget() {
    token = null;
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
      showForm("Cannot reach the server. Check your connection and try again.");
      return;
    }
    if (response.status === 401) return showForm("Wrong username or password.");
    if (response.status === 429) return showForm("Too many failed sign-in attempts. Please wait and try again.");
    const body = response.ok ? await response.json().catch(() => null) : null;
    if (!body || typeof body.token !== "string") return showForm(`The server could not sign you in (HTTP ${response.status}).`);
    if (!allowed.has(body.agent && body.agent.role)) {
      await revoke(body.token);
      return showForm(refusedMessage);
    }
    elements.password.value = "";
    token = body.token;
    sessionStorage.setItem(storageKey, token);
    sessionStorage.setItem(agentKey, JSON.stringify(body.agent));
    enter(body.agent);
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
      showForm(SESSION_ENDED);
      return null;
    }
    return response;
  }

  return {
    authorisedFetch,
    /** Show the page for a stored, still valid session of an allowed role, else the form. */
    async start() {
      elements.form.addEventListener("submit", submit);
      if (!token) return showForm();
      let response;
      try {
        response = await authorisedFetch(ME_URL);
      } catch (error) {
        return showForm("Cannot reach the server. Check your connection and try again.");
      }
      if (!response) return undefined;
      const body = await response.json().catch(() => null);
      if (!body || !allowed.has(body.agent && body.agent.role)) {
        forget();
        return showForm(refusedMessage);
      }
      return enter(body.agent);
    },
    async signOut() {
      const oldToken = token;
      forget();
      showForm();
      if (oldToken) await revoke(oldToken);
    },
  };
}
