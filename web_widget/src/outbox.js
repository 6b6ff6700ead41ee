// Customer messages not yet acknowledged by the server. Kept in localStorage so
// a message typed while offline, or just before the page was left, is sent on
// the next connection. Resending is safe: the server ignores a client_message_id
// it has already stored.

import { OUTBOX_TTL_MS } from "./constants.js";

/** A unique id for one outgoing message (≤ 64 characters, as the protocol asks). */
export function newClientMessageId() {
  const cryptoApi = typeof crypto !== "undefined" ? crypto : null;
  if (cryptoApi && typeof cryptoApi.randomUUID === "function") return cryptoApi.randomUUID();
  const bytes = new Uint8Array(16);
  if (cryptoApi && typeof cryptoApi.getRandomValues === "function") cryptoApi.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // RFC 4122 version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function isValidItem(item, now) {
  return (
    item &&
    typeof item.clientMessageId === "string" &&
    typeof item.text === "string" &&
    typeof item.createdAt === "number" &&
    now - item.createdAt < OUTBOX_TTL_MS
  );
}

/** The queue of unsent messages, persisted through `storage`. */
export function createOutbox(storage, now = Date.now()) {
  let items = storage.loadOutbox().filter((item) => isValidItem(item, now));
  storage.saveOutbox(items);

  return {
    /** Items in the order they were written. */
    items() {
      return items.slice();
    },
    has(clientMessageId) {
      return items.some((item) => item.clientMessageId === clientMessageId);
    },
    add(item) {
      items.push(item);
      storage.saveOutbox(items);
    },
    /** Forget a message the server stored (or refused); true if it was queued. */
    remove(clientMessageId) {
      const before = items.length;
      items = items.filter((item) => item.clientMessageId !== clientMessageId);
      if (items.length !== before) storage.saveOutbox(items);
      return items.length !== before;
    },
  };
}
