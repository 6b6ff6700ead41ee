import { test } from "node:test";
import assert from "node:assert/strict";
import { createGapTracker } from "../src/gaps.js";

test("messages in order leave no gap", () => {
  const gaps = createGapTracker();
  for (const seq of [1, 2, 3]) assert.equal(gaps.seen(seq), false);
  assert.equal(gaps.through, 3);
});

test("a message out of order is a gap until the late one comes", () => {
  const gaps = createGapTracker();
  gaps.seen(1);
  assert.equal(gaps.seen(3), true);
  assert.equal(gaps.through, 1);
  assert.equal(gaps.seen(2), false);
  assert.equal(gaps.through, 3);
});

test("a lost message stays a gap until history covers it; repeats change nothing", () => {
  const gaps = createGapTracker();
  gaps.seen(1);
  gaps.seen(4);
  assert.equal(gaps.seen(1), true);
  assert.equal(gaps.missing, true);
  // The history after seq 1 went up to 5 (seq 2 was an agent's note).
  assert.equal(gaps.caughtUp(5), false);
  assert.equal(gaps.through, 5);
  assert.equal(gaps.seen(6), false);
});

test("history that stops short of a seen message keeps the gap", () => {
  const gaps = createGapTracker();
  gaps.seen(1);
  gaps.seen(5);
  assert.equal(gaps.caughtUp(3), true);
  assert.equal(gaps.through, 3);
  assert.equal(gaps.seen(4), false);
  assert.equal(gaps.through, 5);
});

test("a replayed transcript or a new session starts from its last seq", () => {
  const gaps = createGapTracker();
  gaps.seen(7);
  gaps.reset(9);
  assert.equal(gaps.missing, false);
  assert.equal(gaps.seen(10), false);
  gaps.reset();
  assert.equal(gaps.through, 0);
});
