// The conversation as the widget shows it: messages the server stored (they
// have a `seq`), customer messages still on their way, and local notes.
// Messages are de-duplicated by seq and by client_message_id; the order is
// by seq, and a message without one sits after the last stored message.

import { Sender } from "./generated/constants.js";

export const Status = Object.freeze({ SENT: "sent", SENDING: "sending", FAILED: "failed" });

export function createTranscript() {
  /** key → message; a message keeps its key for life so the view can reuse its element. */
  const messages = new Map();
  let counter = 0;
  let maxSeq = 0;

  function keyOf(message) {
    if (message.sender === Sender.CUSTOMER && message.clientMessageId) return `c:${message.clientMessageId}`;
    if (message.seq) return `s:${message.seq}`;
    counter += 1;
    return `l:${counter}`;
  }

  function findBySeq(seq) {
    for (const message of messages.values()) if (message.seq === seq) return message;
    return null;
  }

  function findByClientId(clientMessageId) {
    return clientMessageId ? messages.get(`c:${clientMessageId}`) || null : null;
  }

  function insert(message) {
    counter += 1;
    const record = { status: Status.SENT, ...message, order: counter, version: 0 };
    record.key = keyOf(record);
    if (record.seq) maxSeq = Math.max(maxSeq, record.seq);
    record.sortKey = record.seq || maxSeq + 0.5;
    messages.set(record.key, record);
    return record;
  }

  /** Customer messages on their way go after the last stored one; local notes keep their place. */
  function placeUnstored() {
    for (const message of messages.values()) if (!message.seq && !message.local) message.sortKey = maxSeq + 0.5;
  }

  return {
    /** Messages in display order. */
    ordered() {
      return Array.from(messages.values()).sort((a, b) => a.sortKey - b.sortKey || a.order - b.order);
    },
    get size() {
      return messages.size;
    },
    /** Add a message from the server; false when its seq or client id is already shown. */
    addIncoming(message) {
      if (message.seq && findBySeq(message.seq)) return false;
      const pending = findByClientId(message.clientMessageId);
      if (pending) {
        Object.assign(pending, { seq: message.seq, ts: message.ts, status: Status.SENT, sortKey: message.seq || pending.sortKey });
        pending.version += 1;
        if (message.seq) maxSeq = Math.max(maxSeq, message.seq);
        return false;
      }
      insert(message);
      return true;
    },
    /** A customer message the widget is sending. */
    addPending(message) {
      return insert({ ...message, sender: Sender.CUSTOMER, seq: null, status: Status.SENDING });
    },
    /** A note of the widget's own (not stored by the server). */
    addLocalNote(text) {
      return insert({ sender: Sender.SYSTEM, seq: null, text, ts: Date.now(), local: true });
    },
    /** The server stored `clientMessageId` as `seq`. */
    acknowledge(clientMessageId, seq) {
      const message = findByClientId(clientMessageId);
      if (!message) return;
      const stored = seq ? findBySeq(seq) : null;
      if (stored && stored !== message) {
        messages.delete(message.key); // a replayed transcript already shows it
        return;
      }
      message.status = Status.SENT;
      if (seq) {
        message.seq = seq;
        message.sortKey = seq;
        maxSeq = Math.max(maxSeq, seq);
        placeUnstored();
      }
      message.version += 1;
    },
    /** Take away the customer message sent as `clientMessageId` (an upload that ended, either way). */
    remove(clientMessageId) {
      const message = findByClientId(clientMessageId);
      if (message) messages.delete(message.key);
    },
    /** The customer message sent as `clientMessageId`, or null. */
    find(clientMessageId) {
      return findByClientId(clientMessageId);
    },
    setStatus(clientMessageId, status) {
      const message = findByClientId(clientMessageId);
      if (message && message.status !== status) {
        message.status = status;
        message.version += 1;
      }
    },
    /** Customer messages still waiting for the server, oldest first. */
    unacknowledged() {
      return this.ordered().filter((m) => m.sender === Sender.CUSTOMER && m.status === Status.SENDING);
    },
    /**
     * Show `stored` (a replayed transcript) instead of every stored message and
     * local note; customer messages still on their way stay unless `stored`
     * holds them. Returns the client ids found in `stored`.
     */
    replaceStored(stored) {
      const seen = new Set(stored.map((m) => m.clientMessageId).filter(Boolean));
      for (const [key, message] of messages) {
        const inFlight = message.sender === Sender.CUSTOMER && message.status !== Status.SENT && !seen.has(message.clientMessageId);
        if (!inFlight) messages.delete(key);
      }
      maxSeq = 0;
      const bySeq = new Map();
      for (const message of stored) if (message.seq && !bySeq.has(message.seq)) bySeq.set(message.seq, message);
      for (const message of bySeq.values()) insert(message);
      placeUnstored();
      return seen;
    },
    /** Forget everything but messages still on their way (the server started a new session). */
    clearStored() {
      this.replaceStored([]);
    },
    /** Forget everything (the page reset the widget for another customer). */
    clear() {
      messages.clear();
      maxSeq = 0;
    },
  };
}
