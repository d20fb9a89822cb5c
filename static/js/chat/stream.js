// Owns her side while she writes: the typing indicator, and replies streamed as message_delta.
// Deltas are not sequenced; the final message_received with the same id replaces the text.
import { debug } from "../lib/debug.js";
import { buildMessage } from "./message.js";

const STREAM_SNAPSHOT_MS = 1000;    // after a sync, streams not refreshed by then are gone

export function createStream(ctx) {
  const { girlId, list, root } = ctx;
  const typingBubble = document.getElementById("typing-indicator");
  const headerTyping = root.querySelector(".chat-header__typing");
  const headerAbout = root.querySelector(".chat-header__about");

  // Each `sync` starts a new snapshot round: the server follows it with one message_delta (offset 0,
  // the whole text so far) per reply still streaming. A streaming bubble not refreshed by that
  // snapshot belongs to a stream that ended while we were away: it goes.
  let snapshotRound = 0;
  let snapshotTimer = 0;

  function newSnapshotRound() {
    snapshotRound += 1;
    clearTimeout(snapshotTimer);
    snapshotTimer = setTimeout(sweepStaleStreams, STREAM_SNAPSHOT_MS);
  }

  function sweepStaleStreams() {
    snapshotTimer = 0;
    for (const node of list.querySelectorAll('.message[data-status="streaming"]')) {
      if (Number(node.dataset.snapshot || 0) < snapshotRound) {
        debug("stream not in the snapshot: dropped", node.dataset.id);
        ctx.messages.remove(node);
      }
    }
  }

  /** Add the part of `delta` (at `offset`, counted in code points as the server counts) not shown yet. */
  function applyDelta(node, offset, delta) {
    const text = node.querySelector(".message__text");
    const current = Array.from(text.textContent).length;
    const chars = Array.from(delta);
    if (offset > current || offset + chars.length <= current) return false;
    text.append(chars.slice(current - offset).join(""));
    return true;
  }

  ctx.connection.socket.on("message_delta", (payload) => {
    if (!payload || payload.girl_id !== girlId) return;
    const id = payload.message_id;
    const { offset, delta } = payload;
    if (!Number.isInteger(id) || !Number.isInteger(offset) || offset < 0 || typeof delta !== "string") return;
    let node = ctx.messages.byId(id);
    if (node && node.dataset.status !== "streaming") return; // already final
    showTyping(false);
    ctx.replies.hideRetryBar();
    const wasAtBottom = ctx.scroll.nearBottom();
    if (!node) {
      if (offset !== 0) return; // the start went missing: the next snapshot or the final text brings it
      node = buildMessage({ id, girl_id: girlId, sender: "girl", type: "text", content: "", status: "streaming",
                            created_at: new Date().toISOString() });
      ctx.messages.insert(node);
    }
    node.dataset.snapshot = String(snapshotRound);
    if (applyDelta(node, offset, delta)) {
      if (wasAtBottom) ctx.scroll.toBottom();
      else ctx.scroll.showPill();
    }
  });

  function showTyping(on) {
    const wasAtBottom = ctx.scroll.nearBottom();
    typingBubble.hidden = !on;
    headerTyping.hidden = !on;
    headerAbout.hidden = on;
    if (on && wasAtBottom) ctx.scroll.toBottom();
  }

  ctx.connection.socket.on("typing", (payload) => {
    if (!payload || payload.group_id || payload.girl_id !== girlId) return; // a group chat's typing is not hers here
    showTyping(Boolean(payload.is_typing));
    if (payload.is_typing) ctx.replies.hideRetryBar();
  });

  return { newSnapshotRound, showTyping };
}
