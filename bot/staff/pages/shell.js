// The page shell every staff page shares: the sign-in form, and the top bar
// with the page's title, the signed-in account, the language picker and "Log
// out". A page's index.html holds only its own view (hidden until signed in);
// this module builds the rest around it and signs in with sign-in.js. Styles:
// staff.css. Strings: i18n.js.
//
// The language: the picker is on the sign-in form (so the form can be read
// before signing in) and in the top bar. A choice made while signed in is kept
// on the account (PUT /api/agent/language) and follows the agent to any
// device; at sign-in, the account's language is taken, unless the agent chose
// one on the form just now, which is then kept on the account. (A language
// only remembered by this browser is not: it may be another agent's.)
//
// Test ids the browser tests use: login-username, login-password,
// login-submit, login-error, agent-name, logout, language-picker (top bar),
// login-language (sign-in form).

import { AgentRole } from "./constants.js";
import { h } from "./dom.js";
import { gatewayUrl } from "./gateway.js";
import { applyTranslations, currentLanguage, onLanguageChange, setLanguage, t } from "./i18n.js";
import { nativeLanguageOptions } from "./languages.js";
import { createSignIn } from "./sign-in.js";

const LANGUAGE_URL = gatewayUrl("/api/agent/language");

const ROLE_LABELS = Object.freeze({
  [AgentRole.AGENT]: () => t("role.agent"),
  [AgentRole.SUPERVISOR]: () => t("role.supervisor"),
  [AgentRole.TRAINER]: () => t("role.trainer"),
});

/** "Sam (supervisor)", the role in the page's language. */
export function accountLabel(agent) {
  if (!agent) return "";
  const name = agent.display_name || agent.username || "";
  if (!agent.role) return name;
  const role = ROLE_LABELS[agent.role] ? ROLE_LABELS[agent.role]() : String(agent.role);
  return t("shell.account", { name, role });
}

function languagePicker(id, testId) {
  const select = h("select", { id, class: "language-picker", "data-testid": testId }, nativeLanguageOptions());
  select.value = currentLanguage();
  const label = h("label", { for: id, class: "visually-hidden", "data-i18n": "shell.language" });
  return { select, label };
}

function signInForm(titleKey, hintKey) {
  const username = h("input", {
    id: "login-username",
    name: "username",
    "data-testid": "login-username",
    autocomplete: "username",
    autocapitalize: "none",
    spellcheck: "false",
    dir: "ltr",
    required: true,
  });
  const password = h("input", {
    id: "login-password",
    name: "password",
    type: "password",
    "data-testid": "login-password",
    autocomplete: "current-password",
    dir: "ltr",
    required: true,
  });
  const language = languagePicker("login-language", "login-language");
  const error = h("p", { id: "login-error", class: "sign-in__error", "data-testid": "login-error", role: "alert", hidden: true });
  const submit = h("button", { id: "login-submit", type: "submit", class: "button button--primary", "data-testid": "login-submit", "data-i18n": "signin.submit" });
  const form = h("form", { id: "login-form", class: "sign-in__card", "aria-labelledby": "login-heading" }, [
    h("div", { class: "sign-in__language" }, [language.label, language.select]),
    h("h1", { id: "login-heading", "data-i18n": titleKey }),
    h("p", { class: "sign-in__hint", "data-i18n": hintKey }),
    h("label", { for: "login-username", "data-i18n": "signin.username" }),
    username,
    h("label", { for: "login-password", "data-i18n": "signin.password" }),
    password,
    error,
    submit,
  ]);
  const view = h("main", { id: "login-view", class: "sign-in", hidden: true }, [form]);
  return { view, form, username, password, submit, error, language: language.select };
}

/**
 * Build the shell around `view` (the page's element shown while signed in);
 * the page calls `start()` on the answer once its own code is ready.
 *
 * `titleKey`: the catalog key of the page's name (top bar, form, tab);
 * `hintKey`: who may sign in; `refusedKey`: what the other roles are told;
 * `storageKey`, `roles`: as createSignIn's; `leading` and `trailing`: the
 * page's own top-bar items, after the title and before the language picker
 * and "Log out"; `onSignedIn(agent)` / `onSignedOut()`: start and stop the
 * page. Text the page builds itself follows the language in an
 * onLanguageChange (i18n.js) listener.
 *
 * Returns the sign-in: start, authorisedFetch, token, agent, expire, signOut.
 */
export function createStaffPage({ titleKey, hintKey, refusedKey, storageKey, roles, view, leading = [], trailing = [], onSignedIn, onSignedOut }) {
  const form = signInForm(titleKey, hintKey);
  const who = h("span", { id: "agent-name", class: "topbar__who", "data-testid": "agent-name" });
  const picker = languagePicker("language-picker", "language-picker");
  const logout = h("button", { id: "logout", type: "button", class: "button button--quiet", "data-testid": "logout", "data-i18n": "shell.logout" });
  const topbar = h("header", { class: "topbar" }, [
    h("h1", { class: "topbar__title", "data-i18n": titleKey }),
    ...leading,
    h("span", { class: "topbar__spacer" }),
    who,
    ...trailing,
    picker.label,
    picker.select,
    logout,
  ]);
  view.hidden = true;
  view.insertBefore(topbar, view.firstChild);
  view.parentNode.insertBefore(form.view, view);
  document.title = t(titleKey);
  applyTranslations(form.view);
  applyTranslations(topbar);

  /** The agent chose a language on the sign-in form in this visit: it goes to the account at sign-in. */
  let chosenOnForm = false;

  const signIn = createSignIn({
    storageKey,
    roles,
    refusedMessage: () => t(refusedKey),
    elements: form,
    onSignedIn(agent) {
      who.textContent = accountLabel(agent);
      view.hidden = false;
      onSignedIn(agent);
      if (chosenOnForm && agent.language !== currentLanguage()) saveLanguage(currentLanguage());
      else if (agent.language) setLanguage(agent.language);
      chosenOnForm = false;
    },
    onSignedOut() {
      view.hidden = true;
      who.textContent = "";
      document.title = t(titleKey);
      onSignedOut();
    },
  });

  /** Keep `language` on the account; the page has already switched. */
  async function saveLanguage(language) {
    let response = null;
    try {
      response = await signIn.authorisedFetch(LANGUAGE_URL, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ language }),
      });
    } catch (error) {
      console.warn("staff: the language could not be kept on the account", error);
      return;
    }
    if (response && response.ok) signIn.setLanguage(language);
    else if (response) console.warn(`staff: the language could not be kept on the account (HTTP ${response.status})`);
  }

  async function choose(select) {
    const language = await setLanguage(select.value);
    select.value = language;
    if (signIn.agent) saveLanguage(language);
    else chosenOnForm = true;
  }

  form.language.addEventListener("change", () => choose(form.language));
  picker.select.addEventListener("change", () => choose(picker.select));
  onLanguageChange((language) => {
    form.language.value = language;
    picker.select.value = language;
    who.textContent = accountLabel(signIn.agent);
    if (view.hidden) document.title = t(titleKey);
  });
  logout.addEventListener("click", () => signIn.signOut());
  return signIn;
}
