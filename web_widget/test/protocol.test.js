import { test } from "node:test";
import assert from "node:assert/strict";
import {
  messageFromBotUttered,
  messageFromHistoryEntry,
  offlineTicketPayload,
  parseCustomData,
  parseHandoffStatus,
  parseIdentity,
  parseWelcome,
  ratingPayload,
  sessionRequestPayload,
  transcriptEmailPayload,
  userUtteredPayload,
} from "../src/protocol.js";
import { splitLinks, safeHref } from "../src/view/links.js";
import { newClientMessageId } from "../src/outbox.js";

test("client payloads follow docs/protocol.md", () => {
  assert.deepEqual(sessionRequestPayload(null), {});
  assert.deepEqual(sessionRequestPayload("abc"), { session_id: "abc" });
  const item = { clientMessageId: "id-1", text: "/ask_shipping", language: "fa" };
  assert.deepEqual(userUtteredPayload(item, "abc"), {
    message: "/ask_shipping",
    client_message_id: "id-1",
    customData: { language: "fa" },
    session_id: "abc",
  });
  assert.deepEqual(userUtteredPayload(item, null, { plan: "gold", language: "en" }).customData, { plan: "gold", language: "fa" });
  const identity = { user: { id: "42", name: "Sara" }, signature: "ab12" };
  assert.deepEqual(sessionRequestPayload("abc", "fa", identity), { session_id: "abc", language: "fa", identity });
  assert.deepEqual(ratingPayload(4, "  "), { score: 4 });
  assert.deepEqual(ratingPayload(5, " great "), { score: 5, comment: "great" });
  assert.deepEqual(offlineTicketPayload(" sara@example.com ", " call me back\n"), { email: "sara@example.com", message: "call me back" });
  assert.deepEqual(transcriptEmailPayload(" sara@example.com "), { email: "sara@example.com" });
});

test("bot_uttered and history entries become message records", () => {
  const fromAgent = messageFromBotUttered({
    text: "Hi",
    quick_replies: [{ content_type: "text", title: "Yes", payload: "/affirm" }, { title: "" }],
    metadata: { sender: "agent", seq: 7, language: "en", agent_name: "Anna" },
  });
  assert.equal(fromAgent.sender, "agent");
  assert.equal(fromAgent.seq, 7);
  assert.equal(fromAgent.agentName, "Anna");
  assert.deepEqual(fromAgent.quickReplies, [{ title: "Yes", payload: "/affirm" }]);
  const entry = messageFromHistoryEntry({ seq: 3, sender: "customer", text: "hello", ts: 10, language: "en", client_message_id: "c1", extra: {} });
  assert.equal(entry.ts, 10_000);
  assert.equal(entry.clientMessageId, "c1");
  assert.equal(messageFromHistoryEntry({ seq: 1, sender: "nobody", text: "x" }), null);
});

test("handoff_status is normalised", () => {
  assert.deepEqual(parseHandoffStatus({ state: "queued", position: 2, estimated_wait_s: 180 }), {
    state: "queued",
    position: 2,
    waitSeconds: 180,
    agentName: "",
    teamAvailable: true,
    transcriptEmail: false,
  });
  assert.equal(parseHandoffStatus({ state: "resolved", transcript_email: true }).transcriptEmail, true);
  assert.equal(parseHandoffStatus({ state: "resolved", transcript_email: "yes" }).transcriptEmail, false);
  assert.equal(parseHandoffStatus({ state: "assigned", agent: { name: "Anna" } }).agentName, "Anna");
  assert.equal(parseHandoffStatus({ state: "queued", team_available: false }).teamAvailable, false);
  assert.equal(parseHandoffStatus({ state: "queued", team_available: true }).teamAvailable, true);
  assert.equal(parseHandoffStatus({ state: "weird" }), null);
});

test("only http and https addresses become links, without trailing punctuation", () => {
  assert.equal(safeHref("javascript:alert(1)"), null);
  assert.deepEqual(splitLinks("See https://example.com/a. Or javascript:alert(1)"), [
    { text: "See " },
    { text: "https://example.com/a", href: "https://example.com/a" },
    { text: ". Or javascript:alert(1)" },
  ]);
  assert.deepEqual(
    splitLinks("(http://w.org/Foo_(bar)), ok").map((p) => p.href).filter(Boolean),
    ["http://w.org/Foo_(bar)"],
  );
  assert.equal(splitLinks("ببینید https://example.com/fa؟")[1].href, "https://example.com/fa");
});

test("client message ids are unique UUIDs", () => {
  const ids = new Set(Array.from({ length: 100 }, newClientMessageId));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("welcome: the greeting with its starting quick replies, or nothing", () => {
  const welcome = parseWelcome({
    text: "Hi! **How can I help?**",
    quick_replies: [{ title: "Where is my order?", payload: "Where is my order?" }, { title: "", payload: "/x" }, "junk"],
    language: "en",
  });
  assert.deepEqual(welcome, { text: "Hi! **How can I help?**", quickReplies: [{ title: "Where is my order?", payload: "Where is my order?" }] });
  assert.equal(parseWelcome({ quick_replies: [] }), null);
  assert.equal(parseWelcome(null), null);
});

test("identify() takes a user with an id and a signature, nothing less", () => {
  assert.deepEqual(parseIdentity({ id: 42, name: " Sara ", email: "sara@example.com", extra: 1 }, "ab12"), {
    user: { id: "42", name: "Sara", email: "sara@example.com" },
    signature: "ab12",
  });
  assert.equal(parseIdentity({ id: "42" }, ""), null);
  assert.equal(parseIdentity({ name: "Sara" }, "ab12"), null);
  assert.equal(parseIdentity({ id: 4.5 }, "ab12"), null);
  assert.equal(parseIdentity(null, "ab12"), null);
});

test("setCustomData() keeps plain values only", () => {
  assert.deepEqual(parseCustomData({ plan: "gold", orders: 3, vip: true, cart: { a: 1 }, f: () => 1 }), { plan: "gold", orders: 3, vip: true });
  assert.deepEqual(parseCustomData("plan"), {});
});
