// "Messages left while we were away": what customers wrote, with their email
// address, while nobody from the team could answer (offline tickets), newest
// first. Items are kept across renders so a focused email link keeps its focus.

import { h, replaceChildren } from "./dom.js";
import { formatDateTime, formatTime, toDate } from "./format.js";
import { mailtoHref } from "./context-view.js";
import { languageName } from "./protocol.js";
import { ticketKey } from "./store.js";

const LOADING_TEXT = "Loading…";
const EMPTY_TEXT = "No messages have been left.";

function build(ticket) {
  const date = toDate(ticket.created_at);
  const language = ticket.language;
  return h("li", { class: "offline-ticket", "data-testid": "offline-ticket", "data-conversation-id": ticket.conversation_id || null }, [
    h("div", { class: "offline-ticket__meta" }, [
      ticket.name ? h("bdi", { class: "offline-ticket__name", "data-testid": "offline-ticket-name" }, [ticket.name]) : null,
      h("a", { class: "offline-ticket__email", href: mailtoHref(ticket.email), dir: "ltr", "data-testid": "offline-ticket-email" }, [ticket.email]),
      date
        ? h("time", { class: "offline-ticket__time", datetime: date.toISOString(), title: formatDateTime(ticket.created_at), "data-testid": "offline-ticket-time" }, [
            formatTime(ticket.created_at),
          ])
        : null,
    ]),
    h("span", { class: "tag offline-ticket__language", "data-testid": "offline-ticket-language" }, [
      language ? `${languageName(language)} (${language})` : languageName(language),
    ]),
    h("p", { class: "offline-ticket__message", dir: "auto", lang: language || null, "data-testid": "offline-ticket-message" }, [ticket.message]),
  ]);
}

/** `elements`: {list, empty, count, error, errorText, retry}; `onRetry()` from the retry button. */
export function createTicketsView(elements, { onRetry }) {
  /** ticketKey → item */
  const rendered = new Map();

  elements.retry.addEventListener("click", () => onRetry());

  function showError(text) {
    elements.errorText.textContent = text;
    elements.error.hidden = !text;
  }

  return {
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
        if (!item) {
          item = build(ticket);
          rendered.set(key, item);
        }
        if (elements.list.children[index] !== item) elements.list.insertBefore(item, elements.list.children[index] || null);
      });
      elements.empty.textContent = EMPTY_TEXT;
      elements.empty.hidden = tickets.length > 0;
      elements.count.textContent = String(tickets.length);
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
      elements.empty.textContent = LOADING_TEXT;
      elements.empty.hidden = false;
      elements.count.textContent = "0";
    },
  };
}
