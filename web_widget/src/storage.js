// What the widget keeps in the browser, under keys built here and nowhere else.
//
// localStorage (per page origin, and namespaced by the chat server's base URL):
//   the session id with its expiry, the outbox of unsent messages, and the
//   titles of quick replies the customer pressed.
// sessionStorage: whether the panel is open, so it stays so across page loads.
// Storage can be missing or full (private modes, blocked third-party storage):
// every access is guarded and the widget then works for the page's lifetime only.

import { NAMESPACE, STORAGE_VERSION, SESSION_TTL_MS, MAX_REMEMBERED_TITLES } from "./constants.js";

/**
 * `demo-shop-support:v1:<server>:<name>`, where <server> is the base URL
 * without its trailing slash: the origin for a gateway at the root (the keys
 * of widgets before sub-paths were possible), `https://shop.example/support` under a prefix.
 */
export function storageKey(serverBase, name) {
  return `${NAMESPACE}:v${STORAGE_VERSION}:${serverBase.replace(/\/$/, "")}:${name}`;
}

function readJson(store, key) {
  try {
    const raw = store && store.getItem(key);
    return raw ? JSON.parse(raw) : null;
  } catch (error) {
    return null; // blocked storage or a corrupt entry: behave as if nothing was stored
  }
}

function writeJson(store, key, value) {
  try {
    if (value === null || value === undefined) store.removeItem(key);
    else store.setItem(key, JSON.stringify(value));
  } catch (error) {
    // Quota or privacy mode: keep working in memory only.
  }
}

function safeStore(name) {
  try {
    return window[name];
  } catch (error) {
    return null; // accessing storage itself can throw in sandboxed frames
  }
}

/** The widget's persistent state for one chat server. */
export function createStorage(serverBase) {
  const local = safeStore("localStorage");
  const session = safeStore("sessionStorage");
  const keys = {
    session: storageKey(serverBase, "session"),
    outbox: storageKey(serverBase, "outbox"),
    titles: storageKey(serverBase, "titles"),
    open: storageKey(serverBase, "open"),
  };

  return {
    /** The stored session id, or null when none or expired. */
    loadSessionId(now = Date.now()) {
      const entry = readJson(local, keys.session);
      if (!entry || typeof entry.id !== "string" || !(entry.expires > now)) {
        if (entry) writeJson(local, keys.session, null);
        return null;
      }
      return entry.id;
    },
    /** Store (or refresh the expiry of) the session id the server confirmed. */
    saveSessionId(id, now = Date.now()) {
      writeJson(local, keys.session, { id, expires: now + SESSION_TTL_MS });
    },
    clearSessionId() {
      writeJson(local, keys.session, null);
    },
    loadOutbox() {
      const items = readJson(local, keys.outbox);
      return Array.isArray(items) ? items : [];
    },
    saveOutbox(items) {
      writeJson(local, keys.outbox, items.length ? items : null);
    },
    /** Quick-reply titles by client_message_id, to show "Shipping" rather than "/ask_shipping". */
    loadTitles() {
      const titles = readJson(local, keys.titles);
      return titles && typeof titles === "object" ? titles : {};
    },
    rememberTitle(clientMessageId, title) {
      const titles = this.loadTitles();
      titles[clientMessageId] = title;
      const ids = Object.keys(titles);
      for (const id of ids.slice(0, Math.max(0, ids.length - MAX_REMEMBERED_TITLES))) delete titles[id];
      writeJson(local, keys.titles, titles);
    },
    loadOpen() {
      return readJson(session, keys.open) === true;
    },
    saveOpen(open) {
      writeJson(session, keys.open, open ? true : null);
    },
  };
}
