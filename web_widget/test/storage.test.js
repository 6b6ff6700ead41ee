import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { createStorage, storageKey } from "../src/storage.js";
import { createOutbox } from "../src/outbox.js";
import { SESSION_TTL_MS } from "../src/constants.js";

class MemoryStorage {
  constructor() {
    this.items = new Map();
  }
  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }
  setItem(key, value) {
    this.items.set(key, String(value));
  }
  removeItem(key) {
    this.items.delete(key);
  }
}

beforeEach(() => {
  globalThis.window = { localStorage: new MemoryStorage(), sessionStorage: new MemoryStorage() };
});

test("keys are namespaced by the chat server", () => {
  assert.equal(storageKey("https://chat.example", "session"), "demo-shop-support:v1:https://chat.example:session");
});

test("the session id expires after seven days", () => {
  const storage = createStorage("https://chat.example");
  storage.saveSessionId("abc", 1_000);
  assert.equal(storage.loadSessionId(1_000 + SESSION_TTL_MS - 1), "abc");
  assert.equal(storage.loadSessionId(1_000 + SESSION_TTL_MS), null);
  assert.equal(window.localStorage.items.size, 0, "an expired id is removed");
});

test("queued messages survive a reload until removed", () => {
  const storage = createStorage("https://chat.example");
  const outbox = createOutbox(storage);
  outbox.add({ clientMessageId: "a", text: "hi", language: "en", createdAt: Date.now() });
  assert.deepEqual(createOutbox(createStorage("https://chat.example")).items().map((i) => i.clientMessageId), ["a"]);
  outbox.remove("a");
  assert.deepEqual(createOutbox(storage).items(), []);
});

test("the open state lives in sessionStorage", () => {
  const storage = createStorage("https://chat.example");
  storage.saveOpen(true);
  assert.equal(storage.loadOpen(), true);
  assert.equal(window.localStorage.items.size, 0);
  storage.saveOpen(false);
  assert.equal(storage.loadOpen(), false);
});

test("blocked storage is survived", () => {
  globalThis.window = {
    get localStorage() {
      throw new Error("SecurityError");
    },
  };
  const storage = createStorage("https://chat.example");
  storage.saveSessionId("abc");
  assert.equal(storage.loadSessionId(), null);
});
