// The page shell every staff page shares: the sign-in form, and the top bar
// with the page's title, the signed-in account and "Log out". A page's
// index.html holds only its own view (hidden until signed in); this module
// builds the rest around it and signs in with sign-in.js. Styles: staff.css.
//
// Test ids the browser tests use: login-username, login-password,
// login-submit, login-error, agent-name, logout.

import { h } from "./dom.js";
import { createSignIn } from "./sign-in.js";

/** "Sam (supervisor)". */
export function accountLabel(agent) {
  if (!agent) return "";
  const name = agent.display_name || agent.username || "";
  return agent.role ? `${name} (${agent.role})` : name;
}

function signInForm(title, hint) {
  const username = h("input", {
    id: "login-username",
    name: "username",
    "data-testid": "login-username",
    autocomplete: "username",
    autocapitalize: "none",
    spellcheck: "false",
    required: true,
  });
  const password = h("input", {
    id: "login-password",
    name: "password",
    type: "password",
    "data-testid": "login-password",
    autocomplete: "current-password",
    required: true,
  });
  const error = h("p", { id: "login-error", class: "sign-in__error", "data-testid": "login-error", role: "alert", hidden: true });
  const submit = h("button", { id: "login-submit", type: "submit", class: "button button--primary", "data-testid": "login-submit" }, ["Sign in"]);
  const form = h("form", { id: "login-form", class: "sign-in__card", "aria-labelledby": "login-heading" }, [
    h("h1", { id: "login-heading" }, [title]),
    h("p", { class: "sign-in__hint" }, [hint]),
    h("label", { for: "login-username" }, ["Username"]),
    username,
    h("label", { for: "login-password" }, ["Password"]),
    password,
    error,
    submit,
  ]);
  const view = h("main", { id: "login-view", class: "sign-in", hidden: true }, [form]);
  return { view, form, username, password, submit, error };
}

/**
 * Build the shell around `view` (the page's element shown while signed in);
 * the page calls `start()` on the answer once its own code is ready.
 *
 * `title`: the page's name (top bar and form); `hint`: who may sign in;
 * `storageKey`, `roles`, `refusedMessage`: as createSignIn's; `leading` and
 * `trailing`: the page's own top-bar items, after the title and before
 * "Log out"; `onSignedIn(agent)` / `onSignedOut()`: start and stop the page.
 *
 * Returns the sign-in: start, authorisedFetch, token, agent, expire, signOut.
 */
export function createStaffPage({ title, hint, storageKey, roles, refusedMessage, view, leading = [], trailing = [], onSignedIn, onSignedOut }) {
  const form = signInForm(title, hint);
  const who = h("span", { id: "agent-name", class: "topbar__who", "data-testid": "agent-name" });
  const logout = h("button", { id: "logout", type: "button", class: "button button--quiet", "data-testid": "logout" }, ["Log out"]);
  const topbar = h("header", { class: "topbar" }, [
    h("h1", { class: "topbar__title" }, [title]),
    ...leading,
    h("span", { class: "topbar__spacer" }),
    who,
    ...trailing,
    logout,
  ]);
  view.hidden = true;
  view.insertBefore(topbar, view.firstChild);
  view.parentNode.insertBefore(form.view, view);

  const signIn = createSignIn({
    storageKey,
    roles,
    refusedMessage,
    elements: form,
    onSignedIn(agent) {
      who.textContent = accountLabel(agent);
      view.hidden = false;
      onSignedIn(agent);
    },
    onSignedOut() {
      view.hidden = true;
      who.textContent = "";
      document.title = title;
      onSignedOut();
    },
  });
  logout.addEventListener("click", () => signIn.signOut());
  return signIn;
}
