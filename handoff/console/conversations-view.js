// "My conversations": the agent's chats with unread counts, the open one
// marked. Items are updated in place so keyboard focus survives new messages.

import { h, replaceChildren } from "./dom.js";
import { Sender } from "./constants.js";
import { formatNumber, plural, t } from "./i18n.js";
import { inactiveLabel, languageName, reasonLabel, senderLabel } from "./protocol.js";

const PREVIEW_MAX_CHARS = 80;

/** `elements`: {list, empty}; `onSelect(conversationId)`, `onRemove(conversationId)`. */
export function createConversationsView(elements, { onSelect, onRemove }) {
  /** conversation_id → {item, refs} */
  const rendered = new Map();

  function build(id) {
    const refs = {
      language: h("span", { class: "tag" }),
      reason: h("span", { class: "my-conversation__reason" }),
      unread: h("span", { class: "unread", "data-testid": "unread", hidden: true }),
      unreadText: h("span", { class: "visually-hidden" }),
      preview: h("span", { class: "my-conversation__preview", dir: "auto" }),
      state: h("span", { class: "my-conversation__state" }),
    };
    refs.open = h("button", { type: "button", class: "my-conversation__open", onclick: () => onSelect(id) }, [
      h("span", { class: "my-conversation__line" }, [refs.language, refs.reason, refs.unread, refs.unreadText]),
      refs.preview,
      refs.state,
    ]);
    refs.remove = h("button", { type: "button", class: "my-conversation__remove", "data-i18n-title": "conversations.remove", "data-i18n-aria-label": "conversations.remove", title: t("conversations.remove"), "aria-label": t("conversations.remove"), onclick: () => onRemove(id) }, ["×"]);
    const item = h("li", { class: "my-conversation", "data-testid": "my-conversation", "data-conversation-id": id }, [refs.open, refs.remove]);
    return { item, refs };
  }

  function fill({ item, refs }, conversation, store) {
    const id = conversation.conversation_id;
    const active = store.isActive(conversation);
    const selected = store.selectedId === id;
    const unread = store.unread(id);
    item.classList.toggle("is-selected", selected);
    item.classList.toggle("is-inactive", !active);
    if (selected) refs.open.setAttribute("aria-current", "true");
    else refs.open.removeAttribute("aria-current");
    refs.language.textContent = String(conversation.language || "?").toUpperCase();
    refs.language.title = languageName(conversation.language);
    refs.reason.textContent = reasonLabel(conversation.reason);
    refs.unread.textContent = formatNumber(unread);
    refs.unread.hidden = unread === 0;
    refs.unreadText.textContent = unread ? ` ${plural("conversations.unread", unread)}` : "";
    const last = store.lastEntry(id);
    const preview = last ? (last.sender === Sender.CUSTOMER ? String(last.text || "") : t("conversations.preview", { sender: senderLabel(last.sender), text: String(last.text || "") })) : "";
    refs.preview.textContent = preview.length > PREVIEW_MAX_CHARS ? `${preview.slice(0, PREVIEW_MAX_CHARS)}…` : preview;
    refs.preview.hidden = !preview;
    refs.state.textContent = active ? "" : inactiveLabel(conversation, store.agent);
    refs.state.hidden = active;
    refs.remove.hidden = active;
  }

  return {
    /** Show the conversations of `store` (the console's store). */
    render(store) {
      const conversations = store.conversations;
      const ids = new Set(conversations.map((c) => c.conversation_id));
      for (const [id, view] of rendered) {
        if (!ids.has(id)) {
          view.item.remove();
          rendered.delete(id);
        }
      }
      conversations.forEach((conversation, index) => {
        let view = rendered.get(conversation.conversation_id);
        if (!view) {
          view = build(conversation.conversation_id);
          rendered.set(conversation.conversation_id, view);
        }
        fill(view, conversation, store);
        if (elements.list.children[index] !== view.item) elements.list.insertBefore(view.item, elements.list.children[index] || null);
      });
      elements.empty.hidden = conversations.length > 0;
    },
    /** Move keyboard focus to a conversation's item (after the open one was removed). */
    focus(id) {
      const view = rendered.get(id);
      if (view) view.refs.open.focus();
    },
    clear() {
      rendered.clear();
      replaceChildren(elements.list);
      elements.empty.hidden = false;
    },
  };
}
