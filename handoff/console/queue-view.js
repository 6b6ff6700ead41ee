// The live queue: one item per waiting conversation, updated in place so a
// focused "Claim" button keeps its focus when the queue changes, with waiting
// times that tick every second.

import { h, replaceChildren } from "./dom.js";
import { formatDuration } from "./format.js";
import { formatNumber, plural, t } from "./i18n.js";
import { isHighPriority, languageName, reasonLabel } from "./protocol.js";

const PREVIEW_MAX_CHARS = 140;

/** `elements`: {list, empty, count, agentsOnline}; `onClaim(conversationId)`. */
export function createQueueView(elements, { onClaim }) {
  /** conversation_id → {item, refs} */
  const rendered = new Map();
  let waitingSeconds = () => 0;

  function build(id) {
    const refs = {
      priority: h("span", { class: "badge badge--high", "data-i18n": "queue.high_priority" }, [t("queue.high_priority")]),
      language: h("span", { class: "tag" }),
      wait: h("span", { class: "queue-item__wait" }),
      reason: h("p", { class: "queue-item__reason" }),
      preview: h("p", { class: "queue-item__preview", dir: "auto" }),
      claim: h("button", { type: "button", class: "button button--primary button--small", "data-testid": "claim", "data-i18n": "queue.claim", onclick: () => onClaim(id) }, [t("queue.claim")]),
    };
    const item = h("li", { class: "queue-item", "data-testid": "queue-item", "data-conversation-id": id }, [
      h("div", { class: "queue-item__meta" }, [refs.priority, refs.language, refs.wait]),
      refs.reason,
      refs.preview,
      h("div", { class: "queue-item__actions" }, [refs.claim]),
    ]);
    return { item, refs };
  }

  function fill({ item, refs }, waiting) {
    const high = isHighPriority(waiting.priority);
    item.classList.toggle("queue-item--high", high);
    refs.priority.hidden = !high;
    refs.language.textContent = String(waiting.language || "?").toUpperCase();
    refs.language.title = languageName(waiting.language);
    refs.reason.textContent = reasonLabel(waiting.reason);
    const preview = String(waiting.preview || "");
    refs.preview.textContent = preview.length > PREVIEW_MAX_CHARS ? `${preview.slice(0, PREVIEW_MAX_CHARS)}…` : preview;
    refs.preview.hidden = !preview;
    const label = { reason: reasonLabel(waiting.reason), language: languageName(waiting.language) };
    refs.claim.setAttribute("aria-label", high ? t("queue.claim_label_high", label) : t("queue.claim_label", label));
    refs.waiting = waiting;
  }

  function tick() {
    for (const { refs } of rendered.values()) {
      refs.wait.textContent = t("queue.waiting", { duration: formatDuration(waitingSeconds(refs.waiting)) });
    }
  }

  return {
    /** Show `waiting` (the queue in order); `secondsOf(item)` gives how long one has waited. */
    render(waiting, agentsOnline, secondsOf) {
      waitingSeconds = secondsOf;
      const ids = new Set(waiting.map((item) => item.conversation_id));
      for (const [id, view] of rendered) {
        if (!ids.has(id)) {
          view.item.remove();
          rendered.delete(id);
        }
      }
      waiting.forEach((item, index) => {
        let view = rendered.get(item.conversation_id);
        if (!view) {
          view = build(item.conversation_id);
          rendered.set(item.conversation_id, view);
        }
        fill(view, item);
        // Move only what is out of place: moving a focused element blurs it.
        if (elements.list.children[index] !== view.item) elements.list.insertBefore(view.item, elements.list.children[index] || null);
      });
      tick();
      elements.empty.hidden = waiting.length > 0;
      elements.count.textContent = formatNumber(waiting.length);
      elements.agentsOnline.textContent = agentsOnline === null ? "" : plural("queue.agents_online", agentsOnline);
    },
    tick,
    clear() {
      rendered.clear();
      replaceChildren(elements.list);
      elements.empty.hidden = false;
      elements.count.textContent = formatNumber(0);
      elements.agentsOnline.textContent = "";
    },
  };
}
