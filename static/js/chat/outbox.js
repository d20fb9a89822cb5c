// Owns the outbox queue: client ids, sending in order one at a time until acked, persistence to a storage object.
// No DOM and no socket: storage, sending and timers are parameters (tests/js/outbox.test.mjs).
//
// The next item goes only when the previous one is acknowledged (the server handles events concurrently,
// so pipelining could reorder them). An unanswered send goes again with the same client_id, which the
// server stores only once. Storage is read-modify-write, so the items of other tabs survive.

import { OUTBOX_PREFIX } from "../session.js";

export const outboxKey = (username) => `${OUTBOX_PREFIX}${username || "_"}`;

/** A random v4 UUID: crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newClientId() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The socket event and payload that deliver an item (docs/protocol.md). */
export function wireFormat(item) {
  // A group chat's item: keyed by girl_id "group:<id>" (so no one-to-one page restores it), sent to its group.
  if (Number.isInteger(item.group_id) && item.group_id > 0) {
    return ["send_group_message", { group_id: item.group_id, content: item.content, client_id: item.client_id }];
  }
  return item.kind === "photo"
    ? ["request_photo", { girl_id: item.girl_id, context: item.context || "", client_id: item.client_id }]
    : ["send_message", {
      girl_id: item.girl_id, content: item.content, client_id: item.client_id,
      ...(Number.isInteger(item.reply_to_id) && item.reply_to_id > 0 ? { reply_to_id: item.reply_to_id } : {}),
    }];
}

/**
 * @param {object} options
 * @param {Storage|null} options.storage  localStorage, or null when it is unavailable
 * @param {string} options.key            outboxKey(username)
 * @param {(event: string, payload: object, callback: (error: unknown, ack: object) => void) => void} options.send
 *        emits with an ack timeout; the callback gets an error when no ack came
 * @param {() => boolean} options.canSend  connected and caught up
 * @param {(item: object, ack: object) => void} options.onDelivered  the server has the item
 * @param {(item: object, reason: string) => void} options.onFailed   the server refused it
 */
export function createOutbox({
  storage, key, send, canSend, onDelivered = () => {}, onFailed = () => {},
  newId = newClientId, now = () => new Date().toISOString(),
  setTimer = setTimeout, clearTimer = clearTimeout, log = () => {},
  internalRetries = 3, internalBackoffMs = 1000,
}) {
  const items = new Map();          // client_id -> item of this page, in sending order
  let sending = null;               // { clientId, token } of the one send waiting for its ack
  let backoffTimer = 0;

  // ---------------------------------------------------------------- storage

  function read() {
    try {
      const stored = JSON.parse(storage.getItem(key) || "[]");
      return Array.isArray(stored)
        ? stored.filter((item) => item && typeof item.client_id === "string" && typeof item.girl_id === "string")
        : [];
    } catch {
      return [];                    // no storage, or not JSON
    }
  }

  function write(stored) {
    try {
      if (stored.length) storage.setItem(key, JSON.stringify(stored));
      else storage.removeItem(key);
    } catch (error) {
      log("outbox not saved", error); // private mode, quota: the page still holds the items
    }
  }

  function persist(item) {
    const stored = read();
    const record = {
      client_id: item.client_id, girl_id: item.girl_id, kind: item.kind, content: item.content,
      context: item.context, created_at: item.created_at, state: item.state, error: item.error || null,
      reply_to_id: item.reply_to_id || null, reply_to: item.reply_to || null,
      ...(item.group_id ? { group_id: item.group_id } : {}),
    };
    const index = stored.findIndex((other) => other.client_id === item.client_id);
    if (index >= 0) stored[index] = record;
    else stored.push(record);
    write(stored);
  }

  function unpersist(clientId) {
    const stored = read();
    const kept = stored.filter((item) => item.client_id !== clientId);
    if (kept.length !== stored.length) write(kept);
  }

  // ---------------------------------------------------------------- items

  /** A new message ({kind: "message", content, reply_to_id?, reply_to?: the quote to show}) or photo
   *  request ({kind: "photo", context}), saved first. */
  function add(fields) {
    const item = { ...fields, client_id: newId(), created_at: now(), state: "pending" };
    items.set(item.client_id, item);
    persist(item);
    return item;
  }

  /** At load: this companion's saved items not delivered yet (`delivered(clientId)`: the page shows it). */
  function restore(girlId, delivered = () => false) {
    const restored = [];
    for (const stored of read()) {
      if (stored.girl_id !== girlId || items.has(stored.client_id)) continue;
      const item = { ...stored, kind: stored.kind === "photo" ? "photo" : "message", resent: true,
                     state: stored.state === "failed" ? "failed" : "pending" };
      if (item.kind === "message" && (delivered(item.client_id)
          || typeof item.content !== "string" || !item.content.trim())) {
        unpersist(item.client_id); // delivered (its ack was lost with the page), or nothing to send
        continue;
      }
      items.set(item.client_id, item);
      restored.push(item);
    }
    return restored;
  }

  /** The server has it (its message is in the list): forget it. An ack still on its way is fine. */
  function settle(clientId) {
    if (!clientId || !items.has(clientId)) return;
    items.delete(clientId);
    unpersist(clientId);
  }

  /** A failed item goes back in the queue. Returns it, or null. Call pump() to send. */
  function retry(clientId) {
    const item = items.get(clientId);
    if (!item) return null;
    item.state = "pending";
    item.error = null;
    item.internalFailures = 0;
    persist(item);
    return item;
  }

  /** Forget an item; false when it is being sent (too late). */
  function discard(clientId) {
    if (sending && sending.clientId === clientId) return false;
    items.delete(clientId);
    unpersist(clientId);
    return true;
  }

  // ---------------------------------------------------------------- sending

  /** Send the first pending item, unless one is waiting for its ack. */
  function pump() {
    if (sending || backoffTimer || !canSend()) return;
    let item = null;
    for (const candidate of items.values()) {
      if (candidate.state === "pending") {
        item = candidate;
        break;
      }
    }
    if (!item) return;
    const token = {};
    sending = { clientId: item.client_id, token };
    const [event, payload] = wireFormat(item);
    send(event, payload, (error, ack) => {
      if (!sending || sending.token !== token) return; // given up at a disconnect; sent again since
      sending = null;
      acknowledged(item, error, ack);
      pump();
    });
  }

  /** At a disconnect the ack will not come: the item goes again (same client_id) after the reconnect. */
  function abandonInFlight() {
    if (sending) {
      const item = items.get(sending.clientId);
      if (item) item.resent = true;
    }
    sending = null;
    clearTimer(backoffTimer);
    backoffTimer = 0;
  }

  function acknowledged(item, error, ack) {
    if (error) {
      log("no ack: sending again", item.client_id);
      item.resent = true;             // pump() sends it again now, or after the reconnect
      return;
    }
    if (ack && ack.ok) {
      items.delete(item.client_id);
      unpersist(item.client_id);
      onDelivered(item, ack);
      return;
    }
    if (!items.has(item.client_id)) return; // settled meanwhile
    const code = (ack && ack.error && ack.error.code) || "internal";
    const reason = (ack && ack.error && ack.error.message) || "Something went wrong.";
    if (code === "internal") {
      item.internalFailures = (item.internalFailures || 0) + 1;
      if (item.internalFailures <= internalRetries) {
        item.resent = true;
        backoffTimer = setTimer(() => {
          backoffTimer = 0;
          pump();
        }, internalBackoffMs * 2 ** (item.internalFailures - 1));
        return;
      }
    }
    log("send failed", item.client_id, code, reason);
    item.state = "failed";
    item.error = { code, message: reason };
    persist(item);
    onFailed(item, reason);
  }

  return {
    items, add, restore, settle, retry, discard, pump, abandonInFlight,
    get(clientId) { return items.get(clientId); },
    get sendingId() { return sending ? sending.clientId : null; },
  };
}
