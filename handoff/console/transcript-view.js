// The transcript of the open conversation. Each sender looks different;
// internal notes are marked as such. New entries are appended; anything else
// (a reopened conversation, an entry arriving out of order) redraws the list.
// A picture or PDF sent in the chat shows as a thumbnail or a file chip (attachments.js).

import { attachmentElement, attachmentOf } from "./attachments.js";
import { h, replaceChildren } from "./dom.js";
import { formatDateTime, formatTime, toDate } from "./format.js";
import { Sender } from "./constants.js";
import { t } from "./i18n.js";
import { renderMarkdown } from "./markdown.js";
import { isRtlLanguage, senderLabel } from "./protocol.js";

const KNOWN_SENDERS = new Set(Object.values(Sender));
/** Whose text may use safe Markdown (markdown.js, the widget's own): the assistant's and agents' answers. */
const MARKDOWN_SENDERS = new Set([Sender.BOT, Sender.AGENT]);
/** Within this many pixels of the bottom, the agent is following along: keep it in view. */
const STICKY_BOTTOM_PX = 48;

/** `container`: the scrolling element (data-testid="transcript"); `list`: its <ol>. */
export function createTranscriptView(container, list) {
  let renderedKeys = [];

  function isAtBottom() {
    return container.scrollHeight - container.scrollTop - container.clientHeight < STICKY_BOTTOM_PX;
  }

  return {
    /**
     * Show `entries` (in order) of a conversation in `language`. With
     * `scrollToEnd`, jump to the newest entry; otherwise follow only if the
     * agent was already at the bottom.
     */
    render(entries, language, { scrollToEnd = false } = {}) {
      container.setAttribute("dir", isRtlLanguage(language) ? "rtl" : "ltr");
      const follow = scrollToEnd || isAtBottom();
      const keys = entries.map(entryKey);
      const buttons = buttonTitles(entries);
      const element = (entry) => entryElement(entry, buttons);
      const isAppend = renderedKeys.length <= keys.length && renderedKeys.every((key, index) => key === keys[index]);
      if (isAppend) {
        for (const entry of entries.slice(renderedKeys.length)) list.appendChild(element(entry));
      } else {
        replaceChildren(list, entries.map(element));
      }
      renderedKeys = keys;
      if (follow) container.scrollTop = container.scrollHeight;
    },
    clear() {
      renderedKeys = [];
      replaceChildren(list);
      container.setAttribute("dir", "ltr");
    },
  };
}

/** The widget's own "talk to a person" button sends this payload; the assistant's buttons carry theirs. */
const BUTTON_PAYLOADS = Object.freeze({ "/request_human": () => t("transcript.request_human_button") });

/** payload → title of every button the assistant offered in the conversation. */
function buttonTitles(entries) {
  const titles = new Map(Object.entries(BUTTON_PAYLOADS).map(([payload, title]) => [payload, title()]));
  for (const entry of entries) {
    const replies = entry.sender === Sender.BOT && entry.extra && Array.isArray(entry.extra.quick_replies) ? entry.extra.quick_replies : [];
    for (const reply of replies) {
      if (reply && typeof reply.payload === "string" && typeof reply.title === "string" && reply.title) titles.set(reply.payload, reply.title);
    }
  }
  return titles;
}

/** What a customer's entry shows: a pressed button's title (its payload, "/request_human", means nothing to an agent). */
function customerText(entry, buttons) {
  const text = String(entry.text ?? "");
  const title = text.startsWith("/") ? buttons.get(text) : null;
  return title ? h("span", { class: "entry__button", title: text }, [t("transcript.pressed_button", { title })]) : text;
}

function entryKey(entry) {
  return Number.isFinite(entry.seq) ? `s:${entry.seq}` : `u:${entry.sender}|${entry.ts}|${entry.text}`;
}

/** The agent who wrote an entry: `agent_name` as documented, or under `extra` as the gateway stores it. */
function agentNameOf(entry) {
  const name = entry.agent_name || (entry.extra && typeof entry.extra === "object" ? entry.extra.agent_name : "");
  return name ? String(name) : "";
}

/** Who wrote an entry, as the agent reads it. */
function authorOf(entry) {
  if (entry.sender === Sender.AGENT) return agentNameOf(entry) || senderLabel(Sender.AGENT);
  if (entry.sender === Sender.NOTE) return agentNameOf(entry);
  return senderLabel(entry.sender);
}

function entryElement(entry, buttons) {
  const sender = KNOWN_SENDERS.has(entry.sender) ? entry.sender : Sender.SYSTEM;
  const date = toDate(entry.ts);
  const attachment = attachmentOf(entry);
  const head = h("div", { class: "entry__head" }, [
    sender === Sender.NOTE ? h("span", { class: "badge badge--note", title: t("transcript.note_hint") }, [t("sender.note")]) : null,
    // <bdi>: a name keeps its own direction inside a right-to-left transcript.
    authorOf(entry) ? h("bdi", { class: "entry__author" }, [authorOf(entry)]) : null,
    date ? h("time", { class: "entry__time", datetime: date.toISOString(), title: formatDateTime(entry.ts) }, [formatTime(entry.ts)]) : null,
    // The assistant got this message wrong? Send it to the trainers' inbox (console.js handles the click).
    sender === Sender.CUSTOMER && Number.isFinite(entry.seq) && !attachment
      ? h("button", { type: "button", class: "entry__flag", "data-action": "flag", "data-testid": "flag", title: t("transcript.flag_hint") }, [t("transcript.flag")])
      : null,
  ]);
  return h("li", { class: `entry entry--${sender}`, "data-testid": "entry", "data-sender": String(entry.sender || ""), "data-seq": Number.isFinite(entry.seq) ? entry.seq : null }, [
    head,
    attachment
      ? h("div", { class: "entry__text entry__text--attachment", dir: "auto" }, [attachmentElement(attachment)])
      : entryText(entry, sender, buttons),
  ]);
}

function entryText(entry, sender, buttons) {
  return h("div", { class: "entry__text", dir: "auto", lang: entry.language ? String(entry.language) : null }, [
    // The assistant's and agents' answers may use safe Markdown; everything else is shown as written.
    MARKDOWN_SENDERS.has(sender)
      ? renderMarkdown(String(entry.text ?? ""))
      : sender === Sender.CUSTOMER
        ? customerText(entry, buttons)
        : String(entry.text ?? ""),
  ]);
}
