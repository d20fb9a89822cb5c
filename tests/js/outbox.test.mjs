// static/js/chat/outbox.js: client ids, order, one send at a time, persistence, acks and failures.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createOutbox, newClientId, outboxKey, wireFormat } from "../../static/js/chat/outbox.js";
import { clearOutboxes } from "../../static/js/session.js";

/** localStorage's interface over a Map; `failWrites` makes setItem throw as a full quota does. */
class FakeStorage {
  constructor(entries = {}) {
    this.map = new Map(Object.entries(entries));
    this.failWrites = false;
  }
  get length() { return this.map.size; }
  key(index) { return [...this.map.keys()][index] ?? null; }
  getItem(key) { return this.map.has(key) ? this.map.get(key) : null; }
  setItem(key, value) {
    if (this.failWrites) {
      const error = new Error("The quota has been exceeded.");
      error.name = "QuotaExceededError";
      throw error;
    }
    this.map.set(key, String(value));
  }
  removeItem(key) { this.map.delete(key); }
}

const KEY = outboxKey("alex");

/** An outbox with a fake socket: `sent` lists the emits, `answer(i, error, ack)` acks the i-th. */
function setup({ storage = new FakeStorage(), connected = true, ids } = {}) {
  const sent = [];
  const delivered = [];
  const failed = [];
  const timers = [];
  let counter = 0;
  const state = { connected };
  const outbox = createOutbox({
    storage,
    key: KEY,
    send: (event, payload, callback) => sent.push({ event, payload, callback }),
    canSend: () => state.connected,
    onDelivered: (item, ack) => delivered.push([item.client_id, ack]),
    onFailed: (item, reason) => failed.push([item.client_id, reason]),
    newId: () => (ids ? ids.shift() : `id-${++counter}`),
    now: () => "2024-05-01T10:00:00.000Z",
    setTimer: (fn, delay) => { timers.push({ fn, delay }); return timers.length; },
    clearTimer: () => {},
  });
  const answer = (index, error, ack) => sent[index].callback(error, ack);
  const stored = () => JSON.parse(storage.getItem(KEY) || "[]");
  return { outbox, storage, sent, delivered, failed, timers, state, answer, stored };
}

const message = (content) => ({ girl_id: "emma", kind: "message", content });
const ok = (id, extra = {}) => ({ ok: true, message: { id, client_id: `id-${id}` }, seq: id, ...extra });

describe("outbox", () => {
  it("gives every item a new client id, saves it, and keeps the order", () => {
    const { outbox, stored } = setup();
    const first = outbox.add(message("one"));
    const second = outbox.add({ girl_id: "emma", kind: "photo", context: "at the beach" });
    assert.equal(first.client_id, "id-1");
    assert.equal(second.client_id, "id-2");
    assert.equal(first.state, "pending");
    assert.deepEqual([...outbox.items.keys()], ["id-1", "id-2"]);
    assert.deepEqual(stored().map((item) => [item.client_id, item.kind, item.content, item.context]),
                     [["id-1", "message", "one", undefined], ["id-2", "photo", undefined, "at the beach"]]);
    assert.equal(stored()[0].created_at, "2024-05-01T10:00:00.000Z");
  });

  it("sends one item at a time, in order, each after the previous ack", () => {
    const { outbox, sent, answer, delivered, stored } = setup();
    outbox.add(message("one"));
    outbox.add(message("two"));
    outbox.add(message("three"));
    outbox.pump();
    outbox.pump(); // still waiting for the first ack: nothing more goes out
    assert.deepEqual(sent.map((s) => s.payload.content), ["one"]);
    assert.equal(outbox.sendingId, "id-1");
    answer(0, null, ok(1));
    assert.deepEqual(sent.map((s) => s.payload.content), ["one", "two"]);
    answer(1, null, ok(2));
    answer(2, null, ok(3));
    assert.deepEqual(sent.map((s) => s.payload.content), ["one", "two", "three"]);
    assert.deepEqual(delivered.map(([id]) => id), ["id-1", "id-2", "id-3"]);
    assert.equal(outbox.items.size, 0);
    assert.deepEqual(stored(), []);
  });

  it("speaks the protocol: send_message and request_photo with the client id", () => {
    assert.deepEqual(wireFormat({ kind: "message", girl_id: "emma", content: "hi", client_id: "c1" }),
                     ["send_message", { girl_id: "emma", content: "hi", client_id: "c1" }]);
    assert.deepEqual(wireFormat({ kind: "photo", girl_id: "luna", client_id: "c2" }),
                     ["request_photo", { girl_id: "luna", context: "", client_id: "c2" }]);
    // A group chat's item, keyed "group:<id>" so no one-to-one page restores it.
    assert.deepEqual(wireFormat({ kind: "message", girl_id: "group:7", group_id: 7, content: "hey", client_id: "c3" }),
                     ["send_group_message", { group_id: 7, content: "hey", client_id: "c3" }]);
  });

  it("waits while it cannot send, and sends when it can", () => {
    const { outbox, sent, state } = setup({ connected: false });
    outbox.add(message("offline"));
    outbox.pump();
    assert.equal(sent.length, 0);
    state.connected = true;
    outbox.pump();
    assert.equal(sent.length, 1);
  });

  it("sends again with the same client id when no ack came", () => {
    const { outbox, sent, answer, delivered } = setup();
    const item = outbox.add(message("lost ack"));
    outbox.pump();
    answer(0, new Error("timeout"));
    assert.equal(item.resent, true);
    assert.equal(sent.length, 2);
    assert.equal(sent[1].payload.client_id, sent[0].payload.client_id);
    answer(1, null, ok(1));
    assert.equal(delivered.length, 1);
  });

  it("after a disconnect, ignores the old send's late ack and sends the item again", () => {
    const { outbox, sent, answer, delivered, state } = setup();
    outbox.add(message("in flight"));
    outbox.pump();
    state.connected = false;
    outbox.abandonInFlight();
    assert.equal(outbox.get("id-1").resent, true);
    answer(0, null, ok(1)); // the old callback: given up on
    assert.equal(delivered.length, 0);
    state.connected = true;
    outbox.pump();
    assert.equal(sent.length, 2);
    answer(1, null, ok(1));
    assert.equal(delivered.length, 1);
  });

  it("settles an item when its message shows up in the list, and a late ack is fine", () => {
    const { outbox, sent, answer, delivered, stored } = setup();
    outbox.add(message("one"));
    outbox.add(message("two"));
    outbox.pump();
    outbox.settle("id-1"); // message_received from another tab came first
    assert.deepEqual(stored().map((item) => item.client_id), ["id-2"]);
    answer(0, null, ok(1));
    assert.deepEqual(delivered.map(([id]) => id), ["id-1"]);
    assert.equal(sent[1].payload.content, "two");
    outbox.settle("unknown");
    outbox.settle(undefined);
  });

  it("marks an item failed when the server refuses it, and keeps it for Retry", () => {
    const { outbox, sent, answer, failed, stored } = setup();
    outbox.add(message("too fast"));
    outbox.add(message("next"));
    outbox.pump();
    answer(0, null, { ok: false, error: { code: "rate_limited", message: "Slow down." } });
    assert.deepEqual(failed, [["id-1", "Slow down."]]);
    assert.equal(outbox.get("id-1").state, "failed");
    assert.deepEqual(stored()[0].error, { code: "rate_limited", message: "Slow down." });
    assert.equal(sent[1].payload.content, "next"); // a failed item does not block the queue
    answer(1, null, ok(2));
    const item = outbox.retry("id-1");
    assert.equal(item.state, "pending");
    assert.equal(stored()[0].state, "pending");
    outbox.pump();
    assert.equal(sent[2].payload.content, "too fast");
    assert.equal(outbox.retry("nothing"), null);
  });

  it("retries `internal` errors with a growing backoff before failing", () => {
    const { outbox, sent, answer, failed, timers } = setup();
    outbox.add(message("flaky"));
    outbox.pump();
    const internal = { ok: false, error: { code: "internal", message: "Oops." } };
    for (let attempt = 0; attempt < 3; attempt += 1) {
      answer(attempt, null, internal);
      assert.equal(sent.length, attempt + 1); // waiting for the backoff
      outbox.pump(); // nothing goes while the backoff runs
      assert.equal(sent.length, attempt + 1);
      timers[attempt].fn();
      assert.equal(sent.length, attempt + 2);
    }
    assert.deepEqual(timers.map((t) => t.delay), [1000, 2000, 4000]);
    answer(3, null, internal);
    assert.deepEqual(failed, [["id-1", "Oops."]]);
    assert.equal(outbox.get("id-1").error.code, "internal");
  });

  it("discards an item unless it is being sent", () => {
    const { outbox, stored, sent } = setup();
    outbox.add(message("one"));
    outbox.add(message("two"));
    outbox.pump();
    assert.equal(outbox.discard("id-1"), false); // on its way: too late
    assert.equal(outbox.discard("id-2"), true);
    assert.deepEqual(stored().map((item) => item.client_id), ["id-1"]);
    sent[0].callback(null, ok(1));
    assert.equal(sent.length, 1);
  });

  it("survives a reload: a new page restores this companion's items in order", () => {
    const storage = new FakeStorage();
    const before = setup({ storage, connected: false });
    before.outbox.add(message("first"));
    before.outbox.add({ girl_id: "luna", kind: "message", content: "for luna" });
    before.outbox.add({ girl_id: "emma", kind: "photo", context: "" });
    before.outbox.add(message("second"));

    const after = setup({ storage, ids: [] });
    const restored = after.outbox.restore("emma");
    assert.deepEqual(restored.map((item) => [item.client_id, item.kind]),
                     [["id-1", "message"], ["id-3", "photo"], ["id-4", "message"]]);
    assert.ok(restored.every((item) => item.resent && item.state === "pending"));
    assert.deepEqual(after.outbox.restore("emma"), []); // already restored
    after.outbox.pump();
    assert.deepEqual(after.sent.map((s) => s.payload.client_id), ["id-1"]);
    // The other companion's item stays saved for its own page.
    assert.ok(after.stored().some((item) => item.girl_id === "luna"));
  });

  it("does not restore what the page already shows (its ack was lost), nor empty messages", () => {
    const storage = new FakeStorage({ [KEY]: JSON.stringify([
      { client_id: "delivered", girl_id: "emma", kind: "message", content: "hi", state: "pending" },
      { client_id: "empty", girl_id: "emma", kind: "message", content: "   ", state: "pending" },
      { client_id: "failed", girl_id: "emma", kind: "message", content: "no", state: "failed",
        error: { code: "too_long", message: "Too long." } },
      { client_id: "odd", girl_id: "emma", kind: "mystery", content: "as a message", state: "weird" },
      { girl_id: "emma", content: "no client id" },
      "garbage",
    ]) });
    const { outbox, stored } = setup({ storage });
    const restored = outbox.restore("emma", (clientId) => clientId === "delivered");
    assert.deepEqual(restored.map((item) => [item.client_id, item.kind, item.state]),
                     [["failed", "message", "failed"], ["odd", "message", "pending"]]);
    assert.equal(restored[0].error.message, "Too long.");
    assert.deepEqual(stored().map((item) => item.client_id).filter(Boolean), ["failed", "odd"]);
  });

  it("keeps other tabs' items when it saves (read-modify-write)", () => {
    const storage = new FakeStorage();
    const first = setup({ storage, ids: ["tab1-a"] });
    const second = setup({ storage, ids: ["tab2-a"] });
    first.outbox.add(message("from tab 1"));
    second.outbox.add(message("from tab 2"));
    first.outbox.settle("tab1-a");
    assert.deepEqual(first.stored().map((item) => item.client_id), ["tab2-a"]);
  });

  it("works on without storage: a full quota, no storage at all, unreadable data", () => {
    const storage = new FakeStorage();
    storage.failWrites = true;
    const full = setup({ storage });
    const item = full.outbox.add(message("kept in the page"));
    assert.equal(full.outbox.get(item.client_id), item);
    full.outbox.pump();
    full.answer(0, null, { ok: false, error: { code: "invalid", message: "No." } });
    assert.deepEqual(full.failed, [[item.client_id, "No."]]);
    assert.equal(storage.length, 0);

    const none = setup({ storage: null });
    none.outbox.add(message("no storage"));
    assert.deepEqual(none.outbox.restore("emma"), []);
    none.outbox.pump();
    none.answer(0, null, ok(1));
    assert.equal(none.delivered.length, 1);

    const broken = setup({ storage: new FakeStorage({ [KEY]: "{not json" }) });
    assert.deepEqual(broken.outbox.restore("emma"), []);
    broken.outbox.add(message("replaces the broken data"));
    assert.equal(broken.stored().length, 1);
  });

  it("keeps a reply's quote through storage and sends its reply_to_id", () => {
    const quote = { id: 42, sender: "girl", excerpt: "The gallery by the river" };
    const first = setup();
    first.outbox.add({ ...message("why that one?"), reply_to_id: 42, reply_to: quote });
    first.outbox.add(message("plain"));
    assert.deepEqual(first.stored().map((item) => [item.reply_to_id, item.reply_to]), [[42, quote], [null, null]]);

    const reloaded = setup({ storage: first.storage });
    const [restored, plain] = reloaded.outbox.restore("emma");
    assert.deepEqual([restored.reply_to_id, restored.reply_to], [42, quote]);
    reloaded.outbox.pump();
    assert.deepEqual(reloaded.sent[0].payload, { girl_id: "emma", content: "why that one?", client_id: restored.client_id,
                                                 reply_to_id: 42 });
    reloaded.answer(0, null, ok(1));
    assert.equal("reply_to_id" in reloaded.sent[1].payload, false, "a message that replies to nothing has no reply_to_id");
    assert.equal(plain.reply_to_id, null);
  });

  it("removes the storage key when the outbox is empty", () => {
    const { outbox, storage, sent } = setup();
    outbox.add(message("one"));
    outbox.pump();
    sent[0].callback(null, ok(1));
    assert.equal(storage.getItem(KEY), null);
  });
});

describe("outbox keys and sign-out", () => {
  it("names one outbox per user", () => {
    assert.equal(outboxKey("alex"), "dreamchat.outbox.alex");
    assert.equal(outboxKey(""), "dreamchat.outbox._");
  });

  it("clears every user's outbox and nothing else", () => {
    const storage = new FakeStorage({ "dreamchat.outbox.alex": "[]", "dreamchat.outbox.sam": "[]", dreamchatDebug: "1" });
    clearOutboxes(storage);
    assert.deepEqual([...storage.map.keys()], ["dreamchatDebug"]);
    clearOutboxes(null); // no storage: nothing to clear, no error
  });

  it("makes v4 UUIDs", () => {
    const ids = new Set(Array.from({ length: 50 }, newClientId));
    assert.equal(ids.size, 50);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
