// The reply box: Enter sends (Shift+Enter is a new line), typing indicators
// go out throttled, "Internal note" mode and the note button send a note
// instead, canned answers are inserted at the cursor, each conversation
// keeps its own draft, and "Attach file" sends the customer a picture or PDF.

import { h, replaceChildren } from "./dom.js";
import { t } from "./i18n.js";

/** While the agent keeps typing, "on" is repeated at most this often. */
const TYPING_REFRESH_MS = 3_000;
/** After this long without a keystroke the agent has stopped typing. */
const TYPING_IDLE_MS = 4_000;

export const MessageKind = Object.freeze({ REPLY: "reply", NOTE: "note" });

const PLACEHOLDERS = Object.freeze({
  reply: () => t("composer.placeholder_reply"),
  note: () => t("composer.placeholder_note"),
  closed: () => t("composer.placeholder_closed"),
});

/**
 * `elements`: {form, input, sendButton, noteButton, noteMode, cannedSelect, attachButton, fileInput}.
 * `onSubmit(kind, conversationId, text)` resolves to whether it was sent;
 * `onTyping(conversationId, on)` tells the customer the agent is typing;
 * `onAttach(conversationId, file)` sends a file and resolves when it is done.
 */
export function createComposer(elements, { onSubmit, onTyping, onAttach }) {
  const { form, input, sendButton, noteButton, noteMode, cannedSelect, attachButton, fileInput } = elements;
  const drafts = new Map();
  let conversationId = null;
  let enabled = false;
  let sending = false;
  let uploading = false;
  let cannedAnswers = [];
  let typingOn = false;
  let typingSentAt = 0;
  let idleTimer = null;

  function stopTyping() {
    clearTimeout(idleTimer);
    if (typingOn && conversationId) onTyping(conversationId, false);
    typingOn = false;
  }

  function noteTyping() {
    if (!enabled || noteMode.checked || !input.value.trim()) {
      stopTyping();
      return;
    }
    const now = Date.now();
    if (!typingOn || now - typingSentAt >= TYPING_REFRESH_MS) {
      onTyping(conversationId, true);
      typingOn = true;
      typingSentAt = now;
    }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function refreshControls() {
    const note = noteMode.checked;
    form.classList.toggle("composer--note", note && enabled);
    input.disabled = !enabled;
    input.placeholder = enabled ? PLACEHOLDERS[note ? MessageKind.NOTE : MessageKind.REPLY]() : PLACEHOLDERS.closed();
    sendButton.disabled = !enabled || sending;
    noteButton.disabled = !enabled || sending;
    noteMode.disabled = !enabled;
    cannedSelect.disabled = !enabled || cannedAnswers.length === 0;
    attachButton.disabled = !enabled || uploading;
    attachButton.textContent = uploading ? t("composer.attaching") : t("composer.attach");
  }

  async function attach(file) {
    if (!enabled || uploading || !conversationId) return;
    uploading = true;
    refreshControls();
    try {
      await onAttach(conversationId, file);
    } finally {
      uploading = false;
      refreshControls();
    }
  }

  async function submit(kind) {
    const text = input.value.trim();
    if (!enabled || sending || !text || !conversationId) return;
    const target = conversationId;
    sending = true;
    stopTyping();
    refreshControls();
    let sent = false;
    try {
      sent = await onSubmit(kind, target, text);
    } finally {
      sending = false;
      // The agent may have typed on, or switched conversations, while it went out.
      if (sent && target === conversationId && input.value.trim() === text) input.value = "";
      if (sent) drafts.delete(target);
      refreshControls();
      if (target === conversationId && enabled) input.focus();
    }
  }

  function insertAtCursor(text) {
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.setRangeText(text, start, end, "end");
    input.focus();
    drafts.set(conversationId, input.value);
    noteTyping();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(noteMode.checked ? MessageKind.NOTE : MessageKind.REPLY);
  });
  sendButton.addEventListener("click", (event) => {
    event.preventDefault();
    submit(MessageKind.REPLY);
  });
  noteButton.addEventListener("click", () => submit(MessageKind.NOTE));
  input.addEventListener("keydown", (event) => {
    // keyCode 229: an input method (Persian, Armenian keyboards) is composing.
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    submit(noteMode.checked ? MessageKind.NOTE : MessageKind.REPLY);
  });
  input.addEventListener("input", () => {
    if (conversationId) drafts.set(conversationId, input.value);
    noteTyping();
  });
  input.addEventListener("blur", () => stopTyping());
  noteMode.addEventListener("change", () => {
    if (noteMode.checked) stopTyping();
    refreshControls();
  });
  attachButton.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const file = fileInput.files && fileInput.files[0];
    fileInput.value = ""; // the same file may be chosen again
    if (file) attach(file);
  });
  cannedSelect.addEventListener("change", () => {
    const answer = cannedAnswers[Number(cannedSelect.value)];
    cannedSelect.value = "";
    if (answer) insertAtCursor(answer.text);
  });

  /** The canned answers as given (null while loading). */
  let cannedGiven = [];

  return {
    /** The page's language changed: placeholders again. */
    relabel() {
      this.setCanned(cannedGiven);
    },
    /** Switch to `id` (or none): the old draft is kept, typing stopped, the new draft shown. */
    open(id) {
      if (id === conversationId) return;
      stopTyping();
      conversationId = id;
      input.value = (id && drafts.get(id)) || "";
      noteMode.checked = false;
      refreshControls();
    },
    setEnabled(value) {
      enabled = Boolean(value);
      if (!enabled) stopTyping();
      refreshControls();
    },
    /** Canned answers for the open conversation's language; null while loading. */
    setCanned(answers) {
      cannedGiven = answers;
      cannedAnswers = Array.isArray(answers) ? answers : [];
      const placeholder = answers === null ? t("composer.canned_loading") : cannedAnswers.length ? t("composer.canned_insert") : t("composer.canned_none");
      replaceChildren(cannedSelect, [
        h("option", { value: "" }, [placeholder]),
        ...cannedAnswers.map((answer, index) => h("option", { value: String(index), title: answer.text }, [String(answer.title || answer.text)])),
      ]);
      refreshControls();
    },
    focus() {
      if (enabled) input.focus();
    },
    /** Put `text` in the reply box at the cursor (a suggested reply), to edit and send. */
    insert(text) {
      if (!enabled || !conversationId) return;
      if (noteMode.checked) {
        noteMode.checked = false;
        refreshControls();
      }
      insertAtCursor(text);
    },
    /** Forget a conversation's draft (it was removed from the list). */
    forget(id) {
      drafts.delete(id);
    },
    reset() {
      stopTyping();
      drafts.clear();
      conversationId = null;
      input.value = "";
      noteMode.checked = false;
      enabled = false;
      this.setCanned([]);
    },
  };
}
