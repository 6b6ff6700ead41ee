// The message list: one element per transcript message, reused across
// renders so the ARIA live region announces only what is new.

import { h, icon, replaceChildren } from "./dom.js";
import { linkifiedText, safeHref } from "./links.js";
import { renderMarkdown } from "./markdown.js";
import { AttachmentKind, fileSize } from "../attachments.js";
import { Sender } from "../generated/constants.js";
import { Status } from "../transcript.js";

function senderLabel(message, i18n) {
  switch (message.sender) {
    case Sender.CUSTOMER:
      return i18n.t("sender_customer");
    case Sender.AGENT:
      return message.agentName || i18n.t("sender_agent_fallback");
    case Sender.BOT:
      return i18n.t("sender_bot");
    default:
      return i18n.t("sender_system");
  }
}

function header(message, i18n) {
  const name = senderLabel(message, i18n);
  if (message.sender === Sender.CUSTOMER || message.sender === Sender.SYSTEM) {
    // Not shown: the side and colour say it; screen readers still hear who wrote.
    return h("span", { class: "sr-only" }, [`${name}: `]);
  }
  const isAgent = message.sender === Sender.AGENT;
  return h("div", { class: "msg__who" }, [
    h("span", { class: "avatar" }, [icon(isAgent ? "person" : "bot")]),
    h("span", { class: "msg__name", dir: "auto" }, [name]),
    isAgent ? h("span", { class: "msg__tag", "data-testid": "agent-marker" }, [i18n.t("agent_marker")]) : null,
  ]);
}

function footer(message, i18n, retry) {
  const parts = [h("time", { datetime: new Date(message.ts).toISOString() }, [i18n.formatTime(message.ts)])];
  if (message.status === Status.SENDING && !message.upload) {
    parts.push(h("span", { class: "msg__status", "data-testid": "message-status" }, [i18n.t("status_sending")]));
  } else if (message.status === Status.FAILED) {
    parts.push(h("span", { class: "msg__status msg__status--failed", "data-testid": "message-status" }, [i18n.t("status_failed")]));
    parts.push(h("button", { type: "button", class: "link-button", onclick: () => retry(message.clientMessageId) }, [i18n.t("retry")]));
  }
  return h("div", { class: "msg__foot" }, parts);
}

/**
 * A file sent in the chat (its URLs are on the widget's server, checked by
 * protocol.js): an image as a thumbnail linking to the whole picture, a PDF
 * as a chip with its name and size. Named by the file's name, as text.
 */
function attachmentElement(attachment, i18n) {
  const link = { href: attachment.url, target: "_blank", rel: "noopener noreferrer", referrerpolicy: "no-referrer" };
  if (attachment.kind === AttachmentKind.IMAGE) {
    const src = attachment.thumbUrl || attachment.url;
    return h("a", { ...link, class: "attachment attachment--image", "data-testid": "attachment-image" }, [
      h("img", { class: "attachment__thumb", src, alt: attachment.name, loading: "lazy", referrerpolicy: "no-referrer" }),
    ]);
  }
  const [sizeKey, size] = fileSize(attachment.size || 0);
  return h("a", { ...link, class: "attachment attachment--file", "data-testid": "attachment-file" }, [
    icon("file"),
    h("span", { class: "attachment__name", dir: "auto" }, [attachment.name]),
    attachment.size !== null ? h("span", { class: "attachment__size" }, [i18n.t(sizeKey, { size })]) : null,
  ]);
}

function bubble(message, i18n) {
  const content = h("div", { class: "msg__bubble", dir: "auto" });
  if (message.attachment) {
    content.classList.add("msg__bubble--attachment");
    content.appendChild(attachmentElement(message.attachment, i18n));
    return content;
  }
  const text = message.display || message.text;
  // The assistant's and agents' answers may use safe Markdown; a customer's text is shown as written.
  content.appendChild(message.sender === "customer" ? linkifiedText(text) : renderMarkdown(text));
  const src = message.image ? safeHref(message.image) : null;
  if (src) content.appendChild(h("img", { class: "msg__image", src, alt: "", loading: "lazy", referrerpolicy: "no-referrer" }));
  return content;
}

/** Fill `element` for `message` (its attributes are the tests' handles). */
function renderMessage(element, message, i18n, retry) {
  element.className = `msg msg--${message.sender}`;
  element.setAttribute("data-testid", "message");
  element.setAttribute("data-sender", message.sender);
  element.setAttribute("data-status", message.status);
  if (message.seq) element.setAttribute("data-seq", String(message.seq));
  else element.removeAttribute("data-seq");
  if (message.clientMessageId) element.setAttribute("data-client-message-id", message.clientMessageId);
  replaceChildren(element, [header(message, i18n), bubble(message, i18n), footer(message, i18n, retry)]);
}

/**
 * Keeps `list` (the role="log" element) in step with the transcript.
 * `retry(clientMessageId)` is called by a failed message's button.
 */
export function createMessageList(list, i18n, retry) {
  /** key → {element, message, version} */
  const rendered = new Map();

  return {
    render(messages) {
      const wanted = new Set(messages.map((m) => m.key));
      for (const [key, entry] of rendered) {
        if (!wanted.has(key)) {
          entry.element.remove();
          rendered.delete(key);
        }
      }
      let previous = null;
      for (const message of messages) {
        let entry = rendered.get(message.key);
        if (!entry) {
          entry = { element: h("div"), message: null, version: -1 };
          rendered.set(message.key, entry);
        }
        if (entry.message !== message || entry.version !== message.version) {
          renderMessage(entry.element, message, i18n, retry);
          entry.message = message;
          entry.version = message.version;
        }
        const expectedNext = previous ? previous.nextSibling : list.firstChild;
        if (expectedNext !== entry.element) list.insertBefore(entry.element, expectedNext);
        previous = entry.element;
      }
    },
  };
}

/** The quick replies of the conversation's last message, if it is from the bot or an agent. */
export function lastQuickReplies(messages) {
  const last = messages[messages.length - 1];
  if (!last || (last.sender !== Sender.BOT && last.sender !== Sender.AGENT)) return [];
  return last.quickReplies || [];
}

/** Fill `container` with one chip per quick reply; `choose(reply)` on click. */
export function renderChips(container, replies, choose) {
  replaceChildren(
    container,
    replies.map((reply) =>
      h("button", { type: "button", class: "chip", "data-testid": "chip", dir: "auto", onclick: () => choose(reply) }, [reply.title]),
    ),
  );
  container.hidden = replies.length === 0;
}
