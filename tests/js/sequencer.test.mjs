// static/js/chat/sequencer.js: events applied in seq order, once, with gaps reported and skipped.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createSequencer } from "../../static/js/chat/sequencer.js";

/** Timers run by hand: fire() runs the pending one, as if its delay had passed. */
function fakeTimers() {
  const pending = new Map();
  let next = 1;
  return {
    setTimer: (fn, delay) => { pending.set(next, { fn, delay }); return next++; },
    clearTimer: (id) => { pending.delete(id); },
    get count() { return pending.size; },
    fire() {
      const entries = [...pending.entries()];
      pending.clear();
      for (const [, { fn }] of entries) fn();
      return entries.length;
    },
  };
}

function setup(options = {}) {
  const applied = [];
  const gaps = [];
  const errors = [];
  const timers = fakeTimers();
  const sequencer = createSequencer({
    lastSeq: 0,
    apply: (name, payload) => applied.push(`${name}#${payload.seq}`),
    onGap: (last) => gaps.push(last),
    onError: (error, name) => errors.push([name, error.message]),
    setTimer: timers.setTimer,
    clearTimer: timers.clearTimer,
    ...options,
  });
  const event = (seq, name = "message_received") => sequencer.accept(name, { seq });
  return { sequencer, applied, gaps, errors, timers, event };
}

describe("sequencer", () => {
  it("applies events in order as they come", () => {
    const { sequencer, applied, timers, event } = setup();
    event(1);
    event(2, "message_read");
    event(3);
    assert.deepEqual(applied, ["message_received#1", "message_read#2", "message_received#3"]);
    assert.equal(sequencer.lastSeq, 3);
    assert.equal(timers.count, 0);
  });

  it("starts after the seq the page was rendered with", () => {
    const { sequencer, applied, event } = setup({ lastSeq: 41 });
    assert.equal(event(41), false); // already in the page
    event(42);
    assert.deepEqual(applied, ["message_received#42"]);
    assert.equal(sequencer.lastSeq, 42);
  });

  it("holds an early event until the missing one arrives, then applies both in order", () => {
    const { sequencer, applied, gaps, timers, event } = setup();
    event(1);
    event(3);
    assert.deepEqual(applied, ["message_received#1"]);
    assert.equal(sequencer.waiting, 1);
    assert.equal(timers.count, 1); // the gap timer
    event(2);
    assert.deepEqual(applied, ["message_received#1", "message_received#2", "message_received#3"]);
    assert.equal(sequencer.waiting, 0);
    assert.equal(timers.count, 0); // cancelled: the gap filled itself
    assert.deepEqual(gaps, []);
  });

  it("puts several early events in order whatever order they arrive in", () => {
    const { applied, event } = setup();
    for (const seq of [5, 3, 4, 2]) event(seq);
    assert.deepEqual(applied, []);
    event(1);
    assert.deepEqual(applied.map((a) => Number(a.split("#")[1])), [1, 2, 3, 4, 5]);
  });

  it("drops duplicates: already applied, or already waiting", () => {
    const { sequencer, applied, event } = setup();
    assert.equal(event(1), true);
    assert.equal(event(1), false);
    assert.equal(event(3), true);
    assert.equal(event(3), false);
    event(2);
    event(2);
    assert.deepEqual(applied, ["message_received#1", "message_received#2", "message_received#3"]);
    assert.equal(sequencer.lastSeq, 3);
  });

  it("drops events without a seq", () => {
    const { applied, event, sequencer } = setup();
    assert.equal(sequencer.accept("message_received", { message: {} }), false);
    assert.equal(sequencer.accept("message_received", null), false);
    assert.equal(event("7"), false);
    assert.deepEqual(applied, []);
  });

  it("reports a gap that does not fill itself, once, with the last seq applied", () => {
    const { gaps, timers, event } = setup();
    event(1);
    event(4);
    event(5); // the timer is already running: not started again
    assert.equal(timers.count, 1);
    assert.equal(timers.fire(), 1);
    assert.deepEqual(gaps, [1]);
  });

  it("skips a gap the server cannot fill and goes on from the first event it has", () => {
    const { sequencer, applied, event } = setup();
    event(1);
    event(4);
    event(6);
    sequencer.skipGap();
    assert.deepEqual(applied, ["message_received#1", "message_received#4"]);
    assert.equal(sequencer.lastSeq, 4);
    sequencer.skipGap();
    assert.deepEqual(applied, ["message_received#1", "message_received#4", "message_received#6"]);
    event(2); // too late: dropped, never applied out of order
    event(5);
    assert.equal(applied.length, 3);
  });

  it("applies a replay that overlaps live events once each", () => {
    const { sequencer, applied, event } = setup();
    event(1);
    event(3); // live, early
    sequencer.replay([1, 2, 3, 4].map((seq) => ({ name: "message_received", payload: { seq } })), 4);
    assert.deepEqual(applied.map((a) => Number(a.split("#")[1])), [1, 2, 3, 4]);
    assert.equal(sequencer.lastSeq, 4);
    assert.equal(sequencer.waiting, 0);
  });

  it("takes the server's last_seq after a replay (nothing up to it is missing)", () => {
    const { sequencer, applied, event } = setup();
    sequencer.replay([], 10); // events this page does not need (other users' companions, gone rows)
    assert.equal(sequencer.lastSeq, 10);
    event(11);
    assert.deepEqual(applied, ["message_received#11"]);
    sequencer.replay([], 3); // an older answer never moves backwards
    assert.equal(sequencer.lastSeq, 11);
  });

  it("ignores malformed replay entries", () => {
    const { sequencer, applied } = setup();
    sequencer.replay([null, { name: "x" }, { name: "message_read", payload: { seq: 1 } }], 1);
    sequencer.replay(undefined, 1);
    assert.deepEqual(applied, ["message_read#1"]);
  });

  it("holds everything during a reset, continues from the server's numbering, then resumes", () => {
    const { sequencer, applied, gaps, timers, event } = setup({ lastSeq: 999 }); // a bogus rendered seq
    event(1000); // applied against the bogus numbering
    applied.length = 0;
    sequencer.hold(20);
    assert.equal(sequencer.holding, true);
    assert.equal(sequencer.lastSeq, 20);
    event(21);
    event(22);
    event(20); // part of the rebuilt list
    assert.deepEqual(applied, []);
    sequencer.skipGap(); // no skipping while holding
    assert.deepEqual(applied, []);
    sequencer.resume();
    assert.equal(sequencer.holding, false);
    assert.deepEqual(applied, ["message_received#21", "message_received#22"]);
    assert.equal(timers.count, 0);
    assert.deepEqual(gaps, []);
  });

  it("drops events at or before the reset's last_seq that were waiting", () => {
    const { sequencer, applied, event } = setup();
    event(3);
    event(8);
    sequencer.hold(5);
    sequencer.resume();
    assert.deepEqual(applied, ["message_received#8"]);
    assert.equal(sequencer.lastSeq, 8);
  });

  it("skips a gap left after a reset instead of stalling", () => {
    const { sequencer, applied, event } = setup();
    sequencer.hold(5);
    event(7);
    sequencer.resume();
    assert.deepEqual(applied, ["message_received#7"]);
  });

  it("goes on in order when a handler throws", () => {
    const applied = [];
    const errors = [];
    const sequencer = createSequencer({
      apply: (name, payload) => {
        if (payload.seq === 2) throw new Error("boom");
        applied.push(payload.seq);
      },
      onError: (error, name) => errors.push(`${name}: ${error.message}`),
      setTimer: () => 1,
      clearTimer: () => {},
    });
    for (const seq of [3, 2, 1]) sequencer.accept("message_updated", { seq });
    assert.deepEqual(applied, [1, 3]);
    assert.deepEqual(errors, ["message_updated: boom"]);
    assert.equal(sequencer.lastSeq, 3);
  });
});
