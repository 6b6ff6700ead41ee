// The widget's screen: launcher bubble, and the panel with its header,
// banners, message list, quick replies, leave-a-message and rating forms, and
// composer. It shows what the controller tells it and reports what the
// customer does; it holds no conversation state of its own.

import { h, icon, replaceChildren } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { createMessageList, lastQuickReplies, renderChips } from "./messages.js";
import { createOfflineForm } from "./offline.js";
import { renderEmailCopyForm } from "./email-copy.js";
import { renderRatingForm } from "./rating.js";
import { ACCEPTED_TYPES } from "../attachments.js";
import { COUNTER_FROM_CHARS, MAX_MESSAGE_CHARS } from "../constants.js";
import { HandoffState, Sender } from "../generated/constants.js";

const NEAR_BOTTOM_PX = 80;
const MAX_INPUT_HEIGHT_PX = 140;
/** Let the customer ask again if the server never answered a request for a person. */
const HUMAN_PENDING_MAX_MS = 15_000;

/** Whether `status` says the customer waits with nobody from the team able to answer: offer to leave a message. */
export function isTeamUnavailable(status) {
  return Boolean(status && status.state === HandoffState.QUEUED && status.teamAvailable === false);
}

/** The banner text for a `handoff_status`, or "" when there is nothing to say. */
export function handoffText(status, i18n) {
  if (!status) return "";
  if (isTeamUnavailable(status)) return i18n.t("team_unavailable");
  if (status.state === HandoffState.QUEUED) {
    if (status.position && status.waitSeconds !== null) {
      const minutes = Math.max(1, Math.round(status.waitSeconds / 60));
      return i18n.plural("queue_position_wait", minutes, { position: status.position, minutes });
    }
    if (status.position) return i18n.t("queue_position", { position: status.position });
    return i18n.t("queue_waiting");
  }
  if (status.state === HandoffState.ASSIGNED) {
    return status.agentName ? i18n.t("assigned", { agent: status.agentName }) : i18n.t("assigned_anonymous");
  }
  return "";
}

/**
 * Build the widget inside `shadowRoot`.
 * `actions`: {toggle, close, send(text), choose(reply), requestHuman, retry(id), attach(file), rate(score, comment), typing(),
 * leaveMessage(email, message) → Promise of an offline.js TicketResult, knownEmail() → the signed-in customer's address or "",
 * emailTranscript(email) → Promise of an email-copy.js CopyResult}.
 */
export function createView(shadowRoot, { i18n, title, position }, actions) {
  const ids = { panel: "dss-panel", title: "dss-title", input: "dss-input" };

  const badge = h("span", { class: "badge", "aria-hidden": "true", hidden: true });
  const launcher = h(
    "button",
    {
      type: "button",
      class: "launcher",
      "data-testid": "launcher",
      "aria-label": i18n.t("launcher_open"),
      "aria-expanded": "false",
      "aria-controls": ids.panel,
      onclick: () => actions.toggle(),
    },
    [icon("chat"), badge],
  );

  const humanLabel = h("span", { class: "human__label" }, [i18n.t("request_human")]);
  const humanButton = h(
    "button",
    { type: "button", class: "human", "data-testid": "request-human", title: i18n.t("request_human"), onclick: () => actions.requestHuman() },
    [icon("headset"), humanLabel],
  );
  const closeButton = h(
    "button",
    { type: "button", class: "close", "data-testid": "close", "aria-label": i18n.t("close"), onclick: () => actions.close() },
    [icon("close")],
  );
  const header = h("div", { class: "header" }, [
    h("h2", { class: "header__title", id: ids.title, dir: "auto" }, [title || i18n.t("title")]),
    humanButton,
    closeButton,
  ]);

  const connectionBanner = h("p", { class: "banner banner--connection", "data-testid": "connection-banner", role: "status", hidden: true });
  const handoffBanner = h("p", { class: "banner banner--handoff", "data-testid": "handoff-banner", role: "status", hidden: true });
  const errorText = h("p", { class: "notice__text", dir: "auto" });
  const errorNotice = h("div", { class: "notice", "data-testid": "error", role: "alert", hidden: true }, [
    errorText,
    h("button", { type: "button", "data-testid": "error-dismiss", "aria-label": i18n.t("dismiss"), onclick: () => hideError() }, [
      icon("close"),
    ]),
  ]);

  const list = h("div", {
    class: "messages",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-label": i18n.t("conversation_label"),
    "data-testid": "messages",
  });
  const chips = h("div", { class: "chips", role: "group", "aria-label": i18n.t("quick_replies_label"), "data-testid": "chips", hidden: true });
  const typingText = h("span", {});
  const typing = h("div", { class: "typing", "data-testid": "typing", hidden: true }, [
    h("span", { class: "dots", "aria-hidden": "true" }, [h("span"), h("span"), h("span")]),
    typingText,
  ]);
  // The greeting: the widget's own until the server sends the served model's welcome.
  const intro = h("div", { class: "intro", dir: "auto", "data-testid": "intro" }, [h("p", {}, [i18n.t("intro")])]);
  /** The welcome's starting quick replies, offered while the chat is empty. */
  let welcomeReplies = [];
  let shownMessages = [];
  const scroller = h("div", { class: "scroll" }, [intro, list, chips, typing]);
  const rating = h("div", { class: "rating-slot", "data-testid": "rating", hidden: true });
  const emailCopy = h("div", { class: "email-copy-slot", hidden: true });
  const offlineSlot = h("div", { class: "offline-slot", hidden: true });

  const input = h("textarea", {
    id: ids.input,
    class: "input",
    "data-testid": "input",
    rows: 1,
    maxlength: MAX_MESSAGE_CHARS,
    dir: "auto",
    placeholder: i18n.t("input_placeholder"),
    "aria-label": i18n.t("input_label"),
    enterkeyhint: "send",
  });
  const counter = h("p", { class: "counter", "aria-live": "polite", hidden: true });
  // Files go only to a person from the team: the paperclip shows while one has (or will have) the chat.
  const fileInput = h("input", {
    type: "file",
    class: "file-input",
    accept: ACCEPTED_TYPES.join(","),
    tabindex: "-1",
    "aria-hidden": "true",
    "data-testid": "attach-input",
    onchange: () => {
      const file = fileInput.files && fileInput.files[0];
      fileInput.value = ""; // the same file may be chosen again
      if (file) actions.attach(file);
    },
  });
  const attachButton = h(
    "button",
    { type: "button", class: "attach", "data-testid": "attach", "aria-label": i18n.t("attach"), title: i18n.t("attach"), hidden: true, onclick: () => fileInput.click() },
    [icon("clip")],
  );
  const form = h("form", { class: "composer", onsubmit: (event) => (event.preventDefault(), submitInput()) }, [
    attachButton,
    fileInput,
    h("div", { class: "composer__field" }, [input, counter]),
    h("button", { type: "submit", class: "send", "data-testid": "send", "aria-label": i18n.t("send") }, [icon("send")]),
  ]);

  const panel = h(
    "div",
    {
      id: ids.panel,
      class: "panel",
      role: "dialog",
      "aria-labelledby": ids.title,
      "data-testid": "panel",
      dir: i18n.dir,
      lang: i18n.language,
      hidden: true,
    },
    [header, connectionBanner, handoffBanner, errorNotice, scroller, offlineSlot, rating, emailCopy, form],
  );
  const root = h("div", { class: `root pos-${position}`, dir: i18n.dir, lang: i18n.language }, [launcher, panel]);
  shadowRoot.appendChild(root);

  const messages = createMessageList(list, i18n, (id) => actions.retry(id));
  const offline = createOfflineForm(
    offlineSlot,
    i18n,
    (email, message) => actions.leaveMessage(email, message),
    () => (actions.knownEmail ? actions.knownEmail() : ""),
  );
  let humanPendingTimer = null;
  /** The leave-a-message form appeared while the customer was elsewhere: focus it on the next open. */
  let offlineFocusPending = false;

  function submitInput() {
    const text = input.value.trim();
    if (!text) return;
    actions.send(text.slice(0, MAX_MESSAGE_CHARS));
    input.value = "";
    updateInput();
  }

  function updateInput() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, MAX_INPUT_HEIGHT_PX)}px`;
    const length = input.value.length;
    counter.hidden = length < COUNTER_FROM_CHARS;
    if (!counter.hidden) counter.textContent = i18n.plural("chars_left", MAX_MESSAGE_CHARS - length);
  }

  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter is a new line; never while an input method is composing.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submitInput();
    }
  });
  input.addEventListener("input", () => {
    updateInput();
    actions.typing();
  });
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) {
      event.stopPropagation();
      actions.close();
    }
  });

  function hideError() {
    errorNotice.hidden = true;
    if (!panel.hidden) input.focus();
  }

  function isNearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  }

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  return {
    isOpen() {
      return !panel.hidden;
    },
    /** Show the panel; `moveFocus` puts the caret in the input (not on a restored page load). */
    open(moveFocus) {
      panel.hidden = false;
      root.classList.add("is-open");
      launcher.setAttribute("aria-expanded", "true");
      scrollToBottom();
      if (moveFocus && !(offlineFocusPending && offline.focus())) input.focus();
      if (moveFocus) offlineFocusPending = false;
    },
    close(moveFocus) {
      const hadFocus = shadowRoot.activeElement !== null;
      panel.hidden = true;
      root.classList.remove("is-open");
      launcher.setAttribute("aria-expanded", "false");
      if (moveFocus || hadFocus) launcher.focus();
    },
    setUnread(count) {
      badge.hidden = count === 0;
      badge.textContent = count > 99 ? "99+" : String(count);
      const label = i18n.t("launcher_open");
      launcher.setAttribute("aria-label", count ? `${label}, ${i18n.plural("launcher_unread", count)}` : label);
    },
    renderMessages(ordered) {
      const stick = isNearBottom() || (ordered.length && ordered[ordered.length - 1].sender === Sender.CUSTOMER);
      shownMessages = ordered;
      messages.render(ordered);
      const replies = ordered.length ? lastQuickReplies(ordered) : welcomeReplies;
      renderChips(chips, replies, (reply) => actions.choose(reply));
      if (stick) scrollToBottom();
    },
    /** The served model's greeting (`parseWelcome`'s), in safe Markdown, with its quick replies. */
    setWelcome(welcome) {
      if (!welcome) return;
      replaceChildren(intro, [renderMarkdown(welcome.text)]);
      welcomeReplies = welcome.quickReplies;
      this.renderMessages(shownMessages);
    },
    setConnectionLost(lost) {
      connectionBanner.textContent = lost ? i18n.t("connection_lost") : "";
      connectionBanner.hidden = !lost;
    },
    /** Show where the customer stands in the handoff (`status` from parseHandoffStatus). */
    setHandoff(status) {
      const text = handoffText(status, i18n);
      handoffBanner.textContent = text;
      handoffBanner.hidden = !text;
      if (status) handoffBanner.setAttribute("data-state", status.state);
      const withPerson = status && (status.state === HandoffState.QUEUED || status.state === HandoffState.ASSIGNED);
      // The button with the keyboard focus is about to be hidden.
      const focused = shadowRoot.activeElement;
      const losesFocus = (focused === humanButton && withPerson) || (focused === attachButton && !withPerson);
      const askedNow = humanButton.disabled; // this answers the customer's "talk to a person"
      humanButton.hidden = Boolean(withPerson);
      attachButton.hidden = !withPerson;
      if (losesFocus) input.focus(); // do not drop keyboard focus on the page
      this.setHumanPending(false);
      if (!isTeamUnavailable(status)) {
        const offlineHadFocus = offline.shown && offlineSlot.contains(shadowRoot.activeElement);
        offline.hide();
        offlineFocusPending = false;
        if (offlineHadFocus && !panel.hidden) input.focus();
      } else {
        const stick = isNearBottom();
        if (offline.show()) {
          // Focus the email input when the customer is in the panel; never take it from the page.
          const inPanel = !panel.hidden && (askedNow || shadowRoot.activeElement !== null);
          if (inPanel) offline.focus();
          offlineFocusPending = !inPanel;
          if (stick) scrollToBottom();
        }
      }
    },
    /** The "talk to a person" request is on its way (until a handoff_status, or a while at most). */
    setHumanPending(pending) {
      clearTimeout(humanPendingTimer);
      if (pending) humanPendingTimer = setTimeout(() => this.setHumanPending(false), HUMAN_PENDING_MAX_MS);
      humanButton.disabled = pending;
      humanLabel.textContent = pending ? i18n.t("request_human_pending") : i18n.t("request_human");
    },
    /** `who`: null, or {sender, name} of whoever is typing. */
    setTyping(who) {
      typing.hidden = !who;
      if (!who) return;
      const stick = isNearBottom();
      if (who.sender === Sender.AGENT) {
        typingText.textContent = who.name ? i18n.t("typing_agent", { name: who.name }) : i18n.t("typing_agent_anonymous");
      } else {
        typingText.textContent = i18n.t("typing_bot");
      }
      if (stick) scrollToBottom();
    },
    showError(text) {
      errorText.textContent = text;
      errorNotice.hidden = false;
    },
    showRating() {
      const stick = isNearBottom();
      renderRatingForm(rating, i18n, {
        submit: (score, comment) => actions.rate(score, comment),
        dismiss: () => this.hideRating(true),
        done: () => this.hideRating(false),
      });
      if (stick) scrollToBottom();
    },
    hideRating(moveFocus) {
      replaceChildren(rating, []);
      rating.hidden = true;
      if (moveFocus && !panel.hidden) input.focus();
    },
    /** Offer a copy of the conversation by email (after a person resolved it). */
    showEmailCopy() {
      if (!emailCopy.hidden) return;
      renderEmailCopyForm(emailCopy, i18n, {
        send: (email) => actions.emailTranscript(email),
        knownEmail: () => (actions.knownEmail ? actions.knownEmail() : ""),
      });
    },
    hideEmailCopy() {
      replaceChildren(emailCopy, []);
      emailCopy.hidden = true;
    },
  };
}
