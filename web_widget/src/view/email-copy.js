// "Email me a copy": offered once a person resolved the conversation (when the
// server can send email). One address field, filled in for a signed-in
// customer, and a button; `transcript_email` is acknowledged once the shop's
// SMTP server took the message, and the form says so, or why not.

import { h, replaceChildren } from "./dom.js";

/** Longest email address the gateway accepts. */
const MAX_EMAIL_CHARS = 254;

/** What became of a request (widget.js maps the server's answer to one). */
export const CopyResult = Object.freeze({
  SENT: "sent",
  BAD_EMAIL: "bad_email",
  LIMIT: "limit", // this conversation had its copies for today
  FAILED: "failed", // no email now, or no answer
});

const ERROR_KEYS = {
  [CopyResult.BAD_EMAIL]: "email_copy_error_email",
  [CopyResult.LIMIT]: "email_copy_limit",
  [CopyResult.FAILED]: "email_copy_failed",
};

/** Fill `container` with the form; `send(email)` resolves to a CopyResult. */
export function renderEmailCopyForm(container, i18n, { send, knownEmail }) {
  const ids = { email: "dss-copy-email", error: "dss-copy-error" };
  const email = h("input", {
    id: ids.email,
    class: "field email-copy__field",
    "data-testid": "email-copy-input",
    type: "email",
    name: "email",
    required: true,
    autocomplete: "email",
    autocapitalize: "none",
    spellcheck: "false",
    maxlength: MAX_EMAIL_CHARS,
    dir: "ltr",
  });
  email.value = knownEmail() || "";
  const status = h("p", { id: ids.error, class: "email-copy__status", "data-testid": "email-copy-status", role: "status", dir: "auto", hidden: true });
  const button = h("button", { type: "submit", class: "button", "data-testid": "email-copy-submit" }, [i18n.t("email_copy_submit")]);
  let pending = false;

  function say(text, isError) {
    status.textContent = text;
    status.hidden = false;
    status.classList.toggle("email-copy__status--error", isError);
    if (isError) email.setAttribute("aria-describedby", ids.error);
  }

  async function onSubmit(event) {
    event.preventDefault();
    if (pending) return;
    const address = email.value.trim();
    pending = true;
    button.setAttribute("aria-disabled", "true");
    button.textContent = i18n.t("status_sending");
    const result = await send(address);
    pending = false;
    button.removeAttribute("aria-disabled");
    button.textContent = i18n.t("email_copy_submit");
    if (result === CopyResult.SENT) {
      // The address goes in as an isolated left-to-right run (Persian sentences around it).
      const [before, after = ""] = i18n.t("email_copy_sent").split("{email}");
      replaceChildren(container, [
        h("p", { class: "email-copy__sent", "data-testid": "email-copy-sent", role: "status" }, [before, h("bdi", { dir: "ltr" }, [address]), after]),
      ]);
      return;
    }
    say(i18n.t(ERROR_KEYS[result] || "email_copy_failed"), true);
    if (result === CopyResult.BAD_EMAIL) email.focus();
  }

  const form = h("form", { class: "email-copy", "data-testid": "email-copy", onsubmit: onSubmit }, [
    h("label", { class: "email-copy__label", for: ids.email }, [i18n.t("email_copy_prompt")]),
    h("div", { class: "email-copy__row" }, [email, button]),
    status,
  ]);
  replaceChildren(container, [form]);
  container.hidden = false;
}
