import { test } from "node:test";
import assert from "node:assert/strict";
import { Status, createTranscript } from "../src/transcript.js";

const bot = (seq, text = `bot ${seq}`) => ({ sender: "bot", seq, text, ts: 0 });
const customer = (seq, clientMessageId, text = "hi") => ({ sender: "customer", seq, text, ts: 0, clientMessageId });
const shape = (transcript) => transcript.ordered().map((m) => [m.sender, m.seq, m.status]);

test("messages are de-duplicated by seq and ordered by it", () => {
  const transcript = createTranscript();
  assert.equal(transcript.addIncoming(bot(2)), true);
  assert.equal(transcript.addIncoming(bot(1)), true);
  assert.equal(transcript.addIncoming(bot(2, "again")), false);
  assert.deepEqual(shape(transcript), [["bot", 1, "sent"], ["bot", 2, "sent"]]);
});

test("a pending message sits after the last stored one until acknowledged", () => {
  const transcript = createTranscript();
  transcript.addIncoming(bot(1));
  transcript.addPending({ clientMessageId: "a", text: "hello", ts: 0 });
  assert.deepEqual(shape(transcript), [["bot", 1, "sent"], ["customer", null, "sending"]]);
  transcript.acknowledge("a", 2);
  transcript.addIncoming(bot(3));
  assert.deepEqual(shape(transcript), [["bot", 1, "sent"], ["customer", 2, "sent"], ["bot", 3, "sent"]]);
});

test("a replayed transcript replaces stored messages and settles pending ones it holds", () => {
  const transcript = createTranscript();
  transcript.addIncoming(bot(1));
  transcript.addLocalNote("note");
  transcript.addPending({ clientMessageId: "stored", text: "one", ts: 0 });
  transcript.addPending({ clientMessageId: "lost", text: "two", ts: 0 });
  const seen = transcript.replaceStored([bot(1), customer(2, "stored", "one"), bot(3), bot(3)]);
  assert.deepEqual([...seen], ["stored"]);
  assert.deepEqual(shape(transcript), [
    ["bot", 1, "sent"],
    ["customer", 2, "sent"],
    ["bot", 3, "sent"],
    ["customer", null, "sending"],
  ]);
});

test("an element key survives acknowledgement, so the view reuses the element", () => {
  const transcript = createTranscript();
  const pending = transcript.addPending({ clientMessageId: "a", text: "x", ts: 0 });
  transcript.acknowledge("a", 5);
  assert.equal(transcript.ordered()[0].key, pending.key);
});

test("a local note keeps its place when later messages are stored", () => {
  const transcript = createTranscript();
  transcript.clearStored();
  transcript.addLocalNote("new conversation");
  transcript.addPending({ clientMessageId: "a", text: "again", ts: 0 });
  transcript.acknowledge("a", 1);
  transcript.addIncoming(bot(2));
  assert.deepEqual(shape(transcript), [["system", null, "sent"], ["customer", 1, "sent"], ["bot", 2, "sent"]]);
});

test("failed messages are not counted as waiting for the server", () => {
  const transcript = createTranscript();
  transcript.addPending({ clientMessageId: "a", text: "x", ts: 0 });
  transcript.setStatus("a", Status.FAILED);
  assert.deepEqual(transcript.unacknowledged(), []);
});
