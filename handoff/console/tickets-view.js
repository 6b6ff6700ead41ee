// "Messages left while we were away": what customers wrote, with their email
// address (and name, for a customer the shop verified), while nobody from the
// team could answer (offline tickets), newest first. With email set up on the
// server, an agent answers a ticket here: the answer is emailed, signed with
// their name, and every console shows who answered and what. Without it, the
// address is a mailto: link. Items are kept across renders (rebuilt only when
// their ticket changed) so a focused link or a half-written answer stays.

import { AgentErrorCode } from "./constants.js";
import { mailtoHref } from "./context-view.js";
import { h, replaceChildren } from "./dom.js";
import { formatDateTime, formatTime, toDate } from "./format.js";
import { t } from "./i18n.js";
import { languageName } from "./protocol.js";
import { ticketKey } from "./store.js";

/** Longest answer the server takes (bot/core/agent_protocol.py MAX_AGENT_TEXT_CHARS). */
const MAX_ANSWER_CHARS = 5000;

/** Why an answer was not sent (the server's error code), in the page's language. */
const ANSWER_ERRORS = Object.freeze({
  [AgentErrorCode.ALREADY_CLAIMED]: () => t("tickets.error_already_answered"),
  [AgentErrorCode.NOT_FOUND]: () => t("tickets.error_not_found"),
  [AgentErrorCode.UNAVAILABLE]: () => t("tickets.error_unavailable"),
  [AgentErrorCode.TOO_LONG]: () => t("tickets.error_too_long"),
});

/** What tells two versions of a ticket apart: a re-render rebuilds an item only when it changed. */
function versionOf(ticket) {
  return `${ticket.answered_by}|${ticket.answered_at}`;
}

function timeElement(value, testId) {
  const date = toDate(value);
  if (!date) return null;
  return h("time", { class: "offline-ticket__time", datetime: date.toISOString(), title: formatDateTime(value), "data-testid": testId }, [formatTime(value)]);
}

/** `text` with its "{name}" as a <bdi> holding `name`. */
function withName(text, name) {
  const [before, after = ""] = text.split("{name}");
  return [before, h("bdi", {}, [name]), after];
}

/** Who answered, when, and what they wrote. */
function answeredPart(ticket) {
  return h("div", { class: "offline-ticket__answer", "data-testid": "offline-ticket-answered" }, [
    h("p", { class: "offline-ticket__answered-by" }, [
      // The agent's name goes in as an isolated run: it is a name, not the page's language.
      h("span", {}, withName(t("tickets.answered_by", { name: "{name}" }), ticket.answered_by_name || ticket.answered_by)),
      " ",
      timeElement(ticket.answered_at, "offline-ticket-answered-time"),
    ]),
    h("p", { class: "offline-ticket__answer-text", dir: "auto", lang: ticket.language || null }, [ticket.answer]),
  ]);
}

/** The answer form: a text box and "Send by email"; `onAnswer(ticket, text)` resolves to the server's answer. */
function answerForm(ticket, onAnswer) {
  const textId = `ticket-answer-${ticket.id}`;
  const text = h("textarea", {
    id: textId,
    class: "offline-ticket__answer-input",
    "data-testid": "offline-ticket-answer-input",
    rows: 3,
    maxlength: MAX_ANSWER_CHARS,
    dir: "auto",
    lang: ticket.language || null,
    required: true,
  });
  const status = h("p", { class: "offline-ticket__status", "data-testid": "offline-ticket-status", role: "status", hidden: true });
  const send = h("button", { type: "submit", class: "button button--primary button--small", "data-testid": "offline-ticket-send" }, [t("tickets.send_answer")]);
  let pending = false;

  async function submit(event) {
    event.preventDefault();
    const answer = text.value.trim();
    if (pending || !answer) return;
    pending = true;
    send.setAttribute("aria-disabled", "true");
    status.hidden = true;
    const result = await onAnswer(ticket, answer);
    pending = false;
    send.removeAttribute("aria-disabled");
    if (result.ok) return; // the item is rebuilt with the answer
    // The text stays in the box, to send again or change.
    status.textContent = ANSWER_ERRORS[result.error] ? ANSWER_ERRORS[result.error]() : t("tickets.error_not_sent");
    status.hidden = false;
  }

  return h("details", { class: "offline-ticket__reply", "data-testid": "offline-ticket-reply" }, [
    h("summary", { class: "offline-ticket__reply-toggle" }, [t("tickets.answer_by_email")]),
    h("form", { class: "offline-ticket__form", onsubmit: submit }, [
      h("label", { for: textId, class: "offline-ticket__label" }, [t("tickets.answer_label", { email: ticket.email })]),
      text,
      status,
      h("div", { class: "offline-ticket__actions" }, [send]),
    ]),
  ]);
}

function build(ticket, { email, onAnswer }) {
  const language = ticket.language;
  const answerable = email && ticket.id && !ticket.answered_by;
  const address = email
    ? h("bdi", { class: "offline-ticket__email", dir: "ltr", "data-testid": "offline-ticket-email" }, [ticket.email])
    : h("a", { class: "offline-ticket__email", href: mailtoHref(ticket.email), dir: "ltr", "data-testid": "offline-ticket-email" }, [ticket.email]);
  const item = h("li", { class: "offline-ticket", "data-testid": "offline-ticket", "data-conversation-id": ticket.conversation_id || null, "data-ticket-id": ticket.id || null }, [
    h("div", { class: "offline-ticket__meta" }, [
      ticket.name ? h("bdi", { class: "offline-ticket__name", "data-testid": "offline-ticket-name" }, [ticket.name]) : null,
      address,
      timeElement(ticket.created_at, "offline-ticket-time"),
    ]),
    h("span", { class: "tag offline-ticket__language", "data-testid": "offline-ticket-language" }, [
      language ? t("common.language_with_code", { language: languageName(language), code: language }) : languageName(language),
    ]),
    h("p", { class: "offline-ticket__message", dir: "auto", lang: language || null, "data-testid": "offline-ticket-message" }, [ticket.message]),
    ticket.answered_by ? answeredPart(ticket) : null,
    answerable ? answerForm(ticket, onAnswer) : null,
  ]);
  item.dataset.version = versionOf(ticket);
  return item;
}

/**
 * `elements`: {list, empty, count, error, errorText, retry}; `onRetry()` from
 * the retry button; `onAnswer(ticket, text)` emails an answer (resolves to the server's answer).
 */
export function createTicketsView(elements, { onRetry, onAnswer }) {
  /** ticketKey → item */
  const rendered = new Map();
  let email = false;
  let emptyText = () => t("tickets.loading");

  elements.retry.addEventListener("click", () => onRetry());

  function showError(text) {
    elements.errorText.textContent = text;
    elements.error.hidden = !text;
  }

  return {
    /** Whether the server can email answers (GET /api/agent/tickets says). */
    setEmail(available) {
      if (email === Boolean(available)) return;
      email = Boolean(available);
      rendered.clear(); // every item changes: answer forms, or mailto: links
      replaceChildren(elements.list);
    },
    /** Show `tickets` (newest first). */
    render(tickets) {
      showError("");
      const keys = new Set(tickets.map(ticketKey));
      for (const [key, item] of rendered) {
        if (!keys.has(key)) {
          item.remove();
          rendered.delete(key);
        }
      }
      tickets.forEach((ticket, index) => {
        const key = ticketKey(ticket);
        let item = rendered.get(key);
        if (item && item.dataset.version !== versionOf(ticket)) {
          const fresh = build(ticket, { email, onAnswer });
          item.replaceWith(fresh);
          item = fresh;
          rendered.set(key, item);
        }
        if (!item) {
          item = build(ticket, { email, onAnswer });
          rendered.set(key, item);
        }
        if (elements.list.children[index] !== item) elements.list.insertBefore(item, elements.list.children[index] || null);
      });
      emptyText = () => t("tickets.empty");
      elements.empty.textContent = emptyText();
      elements.empty.hidden = tickets.length > 0;
      elements.count.textContent = String(tickets.length);
    },
    /** The language changed: every item and the empty line again (an answer being written is lost). */
    relabel(tickets) {
      elements.empty.textContent = emptyText();
      if (!rendered.size) return;
      rendered.clear();
      replaceChildren(elements.list);
      this.render(tickets);
    },
    /** The list could not be fetched: say so (what is shown stays). */
    showError(text) {
      showError(text);
      if (!rendered.size) elements.empty.hidden = true;
    },
    /** Nothing shown, waiting for the first answer. */
    clear() {
      rendered.clear();
      replaceChildren(elements.list);
      showError("");
      emptyText = () => t("tickets.loading");
      elements.empty.textContent = emptyText();
      elements.empty.hidden = false;
      elements.count.textContent = "0";
    },
  };
}
