// Catching up (static/js/chat/sync.js): every handler of an event runs, even after one of them throws.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createSync } from "../../static/js/chat/sync.js";

function fakeSocket() {
  const listeners = new Map();
  return {
    on(name, listener) { listeners.set(name, [...(listeners.get(name) || []), listener]); },
    fire(name, payload) { for (const listener of listeners.get(name) || []) listener(payload); },
  };
}

describe("sync", () => {
  const saved = {};
  let logged;

  beforeEach(() => {
    saved.document = globalThis.document;
    saved.setInterval = globalThis.setInterval;
    saved.error = console.error;
    globalThis.document = { visibilityState: "visible", addEventListener() {} };
    globalThis.setInterval = () => 0;     // no periodic catch-up in a test
    logged = [];
    console.error = (...args) => logged.push(args);
  });

  afterEach(() => {
    globalThis.document = saved.document;
    globalThis.setInterval = saved.setInterval;
    console.error = saved.error;
  });

  it("runs every handler of an event when one throws, and logs the throw", () => {
    const socket = fakeSocket();
    const ctx = { connection: { socket, request() {}, connected: true, syncApplied() {} } };
    const sync = createSync(ctx, 0);
    const seen = [];
    sync.on("message_received", (payload) => seen.push(["conversation", payload.seq]));
    sync.on("message_received", () => { throw new Error("a broken handler"); });
    sync.on("message_received", (payload) => seen.push(["sidebar", payload.seq]));
    sync.on("message_read", (payload) => seen.push(["read", payload.seq]));

    socket.fire("message_received", { seq: 1, message: {} });
    socket.fire("message_read", { seq: 2 });
    socket.fire("message_received", { seq: 3, message: {} });

    assert.deepEqual(seen, [["conversation", 1], ["sidebar", 1], ["read", 2], ["conversation", 3], ["sidebar", 3]]);
    assert.equal(logged.length, 2);
    assert.match(String(logged[0]), /message_received/);
    assert.equal(logged[0].at(-1).message, "a broken handler");
    assert.equal(sync.lastSeq, 3);
  });
});
