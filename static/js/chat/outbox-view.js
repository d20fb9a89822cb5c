// Owns the outbox on the page: unsent messages (pending; failed with Retry, Discard), acks, restoring at load.
// The queue itself is outbox.js; photo requests are shown by photos.js.
import { debug } from "../lib/debug.js";
import { createOutbox, outboxKey } from "./outbox.js";
import { idOf, setStatus, setTime } from "./message.js";

const SEND_TIMEOUT_MS = 8000;       // an unanswered send is sent again (same client_id) after this

function browserStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;                    // storage disabled by a policy: the page still holds the items
  }
}

export function createOutboxView(ctx) {
  const { girlId, list, username } = ctx;
  const key = outboxKey(username);
  const outbox = createOutbox({
    storage: browserStorage(),
    key,
    send: (event, payload, callback) => ctx.connection.request(event, payload, callback, SEND_TIMEOUT_MS),
    canSend: () => ctx.connection.canSend,
    onDelivered: delivered,
    onFailed: failed,
    log: debug,
  });
  ctx.outbox = outbox;

  /** A new or restored message item in the list, pending or failed. */
  function show(item) {
    ctx.messages.append({
      sender: "user", type: "text", content: item.content, client_id: item.client_id, girl_id: girlId,
      created_at: item.created_at, localStatus: item.state, reply_to: item.reply_to_id ? item.reply_to : null,
      localReason: item.state === "failed" && item.error ? item.error.message : undefined,
    }, { own: true });
  }

  function delivered(item, ack) {
    if (item.kind === "photo") {
      ctx.photos.acknowledged(item, ack);
      return;
    }
    const message = ack.message || {};
    const node = ctx.messages.byClientId(item.client_id);
    if (node && node.isConnected) {
      ctx.messages.setServerId(node, message.id);
      setTime(node, message.created_at);
      if (node.dataset.status !== "read") setStatus(node, message.read_at ? "read" : "sent");
      ctx.messages.place(node);
    }
    if (Number.isInteger(ack.seq)) ctx.sync.noteAck(ack);
    else if (message.id) ctx.messages.append(message); // a duplicate send: the server had it already
    ctx.messages.changed();
    ctx.replies.hideRetryBar(); // a new message asks for an answer to all of them
  }

  function failed(item, reason) {
    if (item.kind === "photo") {
      ctx.photos.failed(item.client_id, reason);
      return;
    }
    const node = ctx.messages.byClientId(item.client_id);
    if (node) setStatus(node, "failed", reason);
  }

  function retry(clientId) {
    const item = outbox.retry(clientId);
    if (!item) return;
    if (item.kind === "photo") {
      ctx.photos.queued(clientId);
    } else {
      const node = ctx.messages.byClientId(clientId);
      if (node) setStatus(node, "pending");
    }
    outbox.pump();
  }

  function discardMessage(clientId) {
    if (!outbox.discard(clientId)) return; // on its way: too late
    const node = ctx.messages.byClientId(clientId);
    if (node && !idOf(node)) ctx.messages.remove(node);
  }

  // The Retry and Discard buttons under a failed message (message.js: setStatus).
  list.addEventListener("click", (event) => {
    const button = event.target.closest(".message__retry, .message__discard");
    if (!button) return;
    const clientId = button.closest(".message").dataset.clientId;
    if (button.classList.contains("message__retry")) retry(clientId);
    else discardMessage(clientId);
  });

  /** At load: this companion's unsent items, after the history (unless the server has them). */
  function restore() {
    for (const item of outbox.restore(girlId, (clientId) => Boolean(ctx.messages.byClientId(clientId)))) {
      if (item.kind === "photo") ctx.photos.restored(item);
      else show(item);
    }
  }

  return { key, show, retry, restore };
}
