// The form offered while nobody from the team can answer (a `handoff_status`
// with `team_available: false`): an email address and a message, sent as
// `offline_ticket`, then a thank-you that names the address.

import { h, replaceChildren } from "./dom.js";

/** Longest email address the gateway accepts. */
const MAX_EMAIL_CHARS = 254;
/** Longest message the gateway keeps in a ticket (handoff/service.py MAX_TICKET_CHARS). */
const MAX_TICKET_CHARS = 4000;

/** What became of a submitted form. */
export const TicketResult = Object.freeze({
  SENT: "sent", // acknowledged with {ok: true}
  REFUSED: "refused", // {ok: false}: the address (or message) was not accepted
  FAILED: "failed", // no answer: not connected, or it timed out
});

/**
 * The form in `container` (the panel's offline slot). `submit(email, message)`
 * resolves to a TicketResult; `knownEmail()` fills the address in (a signed-in customer's). The form, or its thank-you once sent, stays until
 * `hide()`; `show()` again after that starts afresh.
 */
export function createOfflineForm(container, i18n, submit, knownEmail = () => "") {
  const ids = { prompt: "dss-offline-prompt", email: "dss-offline-email", message: "dss-offline-message", error: "dss-offline-error" };
  let shown = false;
  let generation = 0; // bumped on every show/hide: an answer for an older form is ignored
  let emailInput = null; // of the form on screen; null once thanked

  function thanks(address) {
    // The address goes in as an isolated left-to-right run (Persian sentences around it).
    const [before, after = ""] = i18n.t("offline_thanks").split("{email}");
    return h("p", { class: "offline__thanks", "data-testid": "offline-thanks", role: "status", tabindex: "-1" }, [
      before,
      h("bdi", { dir: "ltr" }, [address]),
      after,
    ]);
  }

  function build(current) {
    const email = h("input", {
      id: ids.email,
      class: "field",
      "data-testid": "offline-email",
      type: "email",
      name: "email",
      required: true,
      autocomplete: "email",
      autocapitalize: "none",
      spellcheck: "false",
      maxlength: MAX_EMAIL_CHARS,
      dir: "ltr",
    });
    email.value = knownEmail(); // a signed-in customer's address, to check or change
    const message = h("textarea", {
      id: ids.message,
      class: "field offline__message",
      "data-testid": "offline-message",
      name: "message",
      rows: 3,
      required: true,
      maxlength: MAX_TICKET_CHARS,
      dir: "auto",
    });
    message.value = "";
    const error = h("p", { id: ids.error, class: "offline__error", "data-testid": "offline-error", role: "alert", dir: "auto", hidden: true });
    const button = h("button", { type: "submit", class: "button button--primary", "data-testid": "offline-submit" }, [i18n.t("offline_submit")]);
    let pending = false;

    function showError(text, badEmail) {
      error.textContent = text;
      error.hidden = false;
      if (badEmail) {
        email.setAttribute("aria-invalid", "true");
        email.setAttribute("aria-describedby", ids.error);
        email.focus();
      }
    }

    function clearError() {
      error.textContent = "";
      error.hidden = true;
      email.removeAttribute("aria-invalid");
      email.removeAttribute("aria-describedby");
    }

    email.addEventListener("input", () => email.removeAttribute("aria-invalid"));
    // `required` lets only-spaces through; the gateway would refuse it.
    message.addEventListener("input", () => message.setCustomValidity(""));

    async function onSubmit(event) {
      event.preventDefault();
      if (pending) return;
      const address = email.value.trim();
      const text = message.value.trim();
      if (!text) {
        message.setCustomValidity(i18n.t("offline_message_required"));
        message.reportValidity();
        return;
      }
      clearError();
      pending = true;
      // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
      button.setAttribute("aria-disabled", "true");
      button.textContent = i18n.t("status_sending");
      const result = await submit(address, text);
      if (current !== generation) return; // hidden (or shown afresh) meanwhile
      pending = false;
      button.removeAttribute("aria-disabled");
      button.textContent = i18n.t("offline_submit");
      if (result === TicketResult.SENT) {
        const root = container.getRootNode();
        const hadFocus = Boolean(root.activeElement && container.contains(root.activeElement));
        const note = thanks(address);
        replaceChildren(container, [note]);
        emailInput = null;
        if (hadFocus) note.focus(); // the focused button is gone: keep focus in the panel
        return;
      }
      showError(i18n.t(result === TicketResult.REFUSED ? "offline_error_email" : "error_generic"), result === TicketResult.REFUSED);
    }

    emailInput = email;
    return h("form", { class: "offline", "data-testid": "offline-form", "aria-labelledby": ids.prompt, onsubmit: onSubmit }, [
      h("p", { class: "offline__prompt", id: ids.prompt, dir: "auto" }, [i18n.t("offline_prompt")]),
      h("label", { class: "offline__label", for: ids.email }, [i18n.t("offline_email_label")]),
      email,
      h("label", { class: "offline__label", for: ids.message }, [i18n.t("offline_message_label")]),
      message,
      error,
      h("div", { class: "offline__actions" }, [button]),
    ]);
  }

  return {
    /** Whether the form or its thank-you is on screen. */
    get shown() {
      return shown;
    },
    /** Show the form unless it (or its thank-you) is already shown; true when it was just built. */
    show() {
      if (shown) return false;
      shown = true;
      generation += 1;
      replaceChildren(container, [build(generation)]);
      container.hidden = false;
      return true;
    },
    hide() {
      if (!shown) return;
      shown = false;
      generation += 1;
      emailInput = null;
      replaceChildren(container, []);
      container.hidden = true;
    },
    /** Put the caret in the email input; false when there is no form (not shown, or already sent). */
    focus() {
      if (!emailInput) return false;
      emailInput.focus();
      return true;
    },
  };
}
