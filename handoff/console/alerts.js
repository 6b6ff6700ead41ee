// Agent alerts: a sound and a desktop notification (the browser's Notification
// API) for a new chat in the queue and for a new customer message in a chat
// the agent is not looking at. Each agent chooses which, per kind, in the
// "Alerts" menu of the top bar; the choice is kept per agent in this browser
// (localStorage `console.alerts.<username>`). Desktop notifications are asked
// for only when the agent turns one on, with a sentence saying what for.
//
// Test ids: alerts-toggle, alerts-panel, alert-<sound|desktop>-<new_chat|new_message>,
// alerts-permission, alerts-permission-state.

import { h } from "./dom.js";
import { t } from "./i18n.js";

export const AlertKind = Object.freeze({ NEW_CHAT: "new_chat", NEW_MESSAGE: "new_message" });
export const AlertChannel = Object.freeze({ SOUND: "sound", DESKTOP: "desktop" });

const KIND_LABELS = Object.freeze({ new_chat: () => t("alerts.kind_new_chat"), new_message: () => t("alerts.kind_new_message") });
const CHANNEL_LABELS = Object.freeze({ sound: () => t("alerts.channel_sound"), desktop: () => t("alerts.channel_desktop") });
/** Sounds on, desktop off until the agent allows it: the browser must ask first. */
const DEFAULT_CHOICES = Object.freeze({ sound: { new_chat: true, new_message: true }, desktop: { new_chat: false, new_message: false } });
/** Several events at once make one sound. */
const SOUND_GAP_MS = 1_500;
/** Two short tones: higher for a new chat, lower for a message. */
const TONES = Object.freeze({ new_chat: [880, 1175], new_message: [660, 660] });
const PERMISSION_TEXT = Object.freeze({
  default: () => t("alerts.permission_default"),
  granted: () => t("alerts.permission_granted"),
  denied: () => t("alerts.permission_denied"),
  unsupported: () => t("alerts.permission_unsupported"),
});

function storageKey(username) {
  return `console.alerts.${username}`;
}

function loadChoices(username) {
  const choices = structuredClone(DEFAULT_CHOICES);
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey(username)) || "null");
    for (const channel of Object.values(AlertChannel)) {
      for (const kind of Object.values(AlertKind)) {
        if (typeof saved?.[channel]?.[kind] === "boolean") choices[channel][kind] = saved[channel][kind];
      }
    }
  } catch (error) {
    console.warn("console: alert choices unreadable; using the defaults", error);
  }
  return choices;
}

function permission() {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

/**
 * The alerts and their menu. `onOpen(conversationId)`: a notification was
 * clicked (the console shows that conversation, or the queue for a new chat).
 * Returns {menu (the top-bar element), setAgent(username), alert(kind, {title, body, conversationId})}.
 */
export function createAlerts({ onOpen }) {
  let username = null;
  let choices = structuredClone(DEFAULT_CHOICES);
  let audio = null;
  let lastSoundAt = 0;

  const panel = h("div", { id: "alerts-panel", class: "alerts__panel", "data-testid": "alerts-panel", hidden: true });
  const toggle = h(
    "button",
    { type: "button", class: "button button--quiet alerts__toggle", "data-testid": "alerts-toggle", "aria-expanded": "false", "aria-controls": "alerts-panel", "data-i18n": "alerts.toggle" },
    [t("alerts.toggle")],
  );
  const menu = h("div", { class: "alerts" }, [toggle, panel]);

  toggle.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) renderPanel();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) {
      panel.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  });

  function save() {
    if (username) localStorage.setItem(storageKey(username), JSON.stringify(choices));
  }

  async function choose(channel, kind, on) {
    choices[channel][kind] = on;
    if (channel === AlertChannel.DESKTOP && on && permission() === "default") await askPermission();
    save();
    renderPanel();
  }

  async function askPermission() {
    try {
      await Notification.requestPermission();
    } catch (error) {
      console.warn("console: notification permission request failed", error);
    }
    renderPanel();
  }

  function renderPanel() {
    const state = permission();
    const rows = Object.values(AlertKind).map((kind) =>
      h("fieldset", { class: "alerts__kind" }, [
        h("legend", {}, [KIND_LABELS[kind]()]),
        ...Object.values(AlertChannel).map((channel) => {
          const id = `alert-${channel}-${kind}`;
          const box = h("input", { type: "checkbox", id, "data-testid": id });
          box.checked = choices[channel][kind];
          box.disabled = channel === AlertChannel.DESKTOP && (state === "denied" || state === "unsupported");
          box.addEventListener("change", () => choose(channel, kind, box.checked));
          return h("label", { class: "checkbox", for: id }, [box, ` ${CHANNEL_LABELS[channel]()}`]);
        }),
      ]),
    );
    const ask = h("button", { type: "button", class: "button button--small", "data-testid": "alerts-permission", hidden: state !== "default" }, [t("alerts.allow")]);
    ask.addEventListener("click", askPermission);
    panel.replaceChildren(
      ...rows,
      h("p", { class: "alerts__permission", "data-testid": "alerts-permission-state", "data-permission": state }, [PERMISSION_TEXT[state]()]),
      ask,
    );
  }

  function beep(kind) {
    const now = Date.now();
    if (now - lastSoundAt < SOUND_GAP_MS) return;
    lastSoundAt = now;
    try {
      audio = audio || new AudioContext();
      if (audio.state === "suspended") audio.resume();
      TONES[kind].forEach((frequency, index) => {
        const start = audio.currentTime + index * 0.18;
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.15);
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(start);
        oscillator.stop(start + 0.16);
      });
    } catch (error) {
      console.warn("console: could not play the alert sound", error);
    }
  }

  function show(kind, { title, body, conversationId }) {
    if (permission() !== "granted") return;
    try {
      const notification = new Notification(title, { body, tag: `${kind}:${conversationId || ""}`, lang: "" });
      notification.onclick = () => {
        window.focus();
        onOpen(conversationId || null);
        notification.close();
      };
    } catch (error) {
      console.warn("console: could not show a desktop notification", error);
    }
  }

  return {
    menu,
    /** The page's language changed: an open menu is drawn again in it. */
    relabel() {
      if (!panel.hidden) renderPanel();
    },
    /** The signed-in agent (null: signed out): their choices are loaded. */
    setAgent(name) {
      username = name || null;
      choices = username ? loadChoices(username) : structuredClone(DEFAULT_CHOICES);
      panel.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
    },
    /** Alert the agent of `kind` as they chose. */
    alert(kind, details) {
      if (!username) return;
      if (choices.sound[kind]) beep(kind);
      if (choices.desktop[kind]) show(kind, details);
    },
  };
}
