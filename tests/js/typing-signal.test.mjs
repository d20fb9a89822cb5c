// static/js/chat/typing-signal.js: "I am typing" sent once, repeated while typing goes on, stopped once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TYPING_IDLE_MS, TYPING_REPEAT_MS, createTypingSignal } from "../../static/js/chat/typing-signal.js";

function fakeClock() {
  let now = 0;
  let timer = null;
  return {
    now: () => now,
    setTimeout: (fn, ms) => (timer = { fn, at: now + ms }),
    clearTimeout: (t) => { if (t === timer) timer = null; },
    advance(ms) {
      now += ms;
      if (timer && timer.at <= now) { const { fn } = timer; timer = null; fn(); }
    },
  };
}

describe("typing signal", () => {
  it("says typing once, again after the repeat period, and stopped once after the idle period", () => {
    const sent = [];
    const clock = fakeClock();
    const typing = createTypingSignal((isTyping) => sent.push(isTyping), clock);
    typing.input("h");
    clock.advance(100);
    typing.input("he");
    assert.deepEqual(sent, [true]);
    clock.advance(TYPING_REPEAT_MS);
    typing.input("hel");
    assert.deepEqual(sent, [true, true]);
    clock.advance(TYPING_IDLE_MS);
    assert.deepEqual(sent, [true, true, false]);
    typing.stop();
    assert.deepEqual(sent, [true, true, false], "stopped once");
  });

  it("an emptied box or a send stops it at once", () => {
    const sent = [];
    const typing = createTypingSignal((isTyping) => sent.push(isTyping), fakeClock());
    typing.input("hi");
    typing.input("   ");
    assert.deepEqual(sent, [true, false]);
    typing.input("again");
    typing.stop();
    assert.deepEqual(sent, [true, false, true, false]);
  });
});
