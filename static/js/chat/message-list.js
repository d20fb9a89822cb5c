// Owns the list of messages: indexes by id and client id, id order, add/update/remove, day dividers.
// Also the sequenced events that change it: message_received, message_updated, message_deleted.
import { el } from "../lib/dom.js";
import { formatDay, parseTime, startOfDay } from "../lib/time.js";
import { buildMessage, idOf, setEdited, setStatus, setText, setTime, setVoice, buildCrisisCard } from "./message.js";

// Messages stay in id order; those without an id yet (the user's unsent ones, photo
// placeholders) stay at the end, in the order they were made.
const ORDERED = ".message, .photo-pending";

export function createMessageList(ctx) {
  const { list, girlId } = ctx;
  const byId = new Map();          // server id -> element
  const byClientId = new Map();    // client_id -> element (the user's own messages)

  /** The server has given the element its id. */
  function setServerId(node, id) {
    if (!id) return;
    node.dataset.id = String(id);
    byId.set(id, node);
    if (node.dataset.sender === "user" && ctx.receipts.takeKnownRead(id)) setStatus(node, "read");
    ctx.menu.decorate(node);
  }

  /** Keep the indexes and follow-up work of a message element that is now in the list. */
  function register(node) {
    const id = idOf(node);
    if (id) byId.set(id, node);
    if (node.dataset.sender === "user") {
      if (node.dataset.clientId) byClientId.set(node.dataset.clientId, node);
      if (id && ctx.receipts.wasRead(id)) setServerId(node, id);
      if (id && node.dataset.clientId) ctx.outbox.settle(node.dataset.clientId);
    } else if (id && node.dataset.read !== "true" && node.dataset.status !== "streaming") {
      ctx.receipts.noteUnread(id);
    }
    const img = node.querySelector("img.photo");
    if (img && !img.complete) {
      img.addEventListener("load", () => {
        if (ctx.scroll.sticking) ctx.scroll.toBottom();
      }, { once: true });
    }
    ctx.menu.decorate(node);
  }

  function knownMessage(message) {
    if (message.id && byId.has(message.id)) return byId.get(message.id);
    if (message.client_id && byClientId.has(message.client_id)) return byClientId.get(message.client_id);
    return null;
  }

  /** Update an element we already show with what the server says about it. */
  function refresh(node, message) {
    if (message.id && !node.dataset.id) setServerId(node, message.id);
    if (node.dataset.sender === "user") {
      if (message.read_at) setStatus(node, "read");
      else if (node.dataset.status !== "read") setStatus(node, "sent");
      if (node.dataset.clientId) ctx.outbox.settle(node.dataset.clientId);
    } else {
      if (node.dataset.status === "streaming" && message.status !== "streaming") {
        // The final text replaces what the stream showed.
        delete node.dataset.status;
        delete node.dataset.snapshot;
        if (!message.read_at) ctx.receipts.noteUnread(message.id);
      }
      if (message.read_at && node.dataset.read !== "true") {
        node.dataset.read = "true";
        ctx.receipts.dropUnread(message.id);
      }
    }
    if (node.dataset.status !== "streaming") {
      if (typeof message.content === "string") setText(node, message.content);
      if (message.type === "voice") setVoice(node, message);
      setTime(node, message.created_at);
      if (message.safety === "crisis" && message.resources && !node.querySelector(".crisis-card")) {
        node.append(buildCrisisCard(message.resources));
      }
    }
    setEdited(node, message.edited_at);
  }

  function firstServerId() {
    let first = 0;
    for (const id of byId.keys()) if (!first || id < first) first = id;
    return first;
  }

  function neighbour(node, direction) {
    let other = direction < 0 ? node.previousElementSibling : node.nextElementSibling;
    while (other && !other.matches(ORDERED)) {
      other = direction < 0 ? other.previousElementSibling : other.nextElementSibling;
    }
    return other;
  }

  function inPlace(node) {
    const id = idOf(node);
    const previous = neighbour(node, -1);
    const next = neighbour(node, 1);
    if (!id) return !next || !idOf(next);
    return (!previous || (idOf(previous) && idOf(previous) < id)) && (!next || !idOf(next) || idOf(next) > id);
  }

  /** Put a message where its id belongs (moving it only when it is out of place). */
  function place(node) {
    if (node.parentNode === list && inPlace(node)) return;
    const id = idOf(node);
    let before = null;
    if (id) {
      for (const other of list.querySelectorAll(ORDERED)) {
        if (other === node) continue;
        const otherId = idOf(other);
        if (!otherId || otherId > id) { before = other; break; }
      }
    }
    list.insertBefore(node, before);
  }

  /** A new element in the list: placed, indexed, dividers updated. `replacing` (a photo placeholder) goes. */
  function insert(node, replacing = null) {
    node.classList.add("message--new");
    if (replacing) replacing.replaceWith(node);
    place(node);
    register(node);
    changed();
  }

  /** Append a message from the server (or the user's unsent one) unless it is already shown. */
  function append(message, { own = false } = {}) {
    const existing = knownMessage(message);
    if (existing) {
      refresh(existing, message);
      changed();
      return existing;
    }
    const wasAtBottom = ctx.scroll.nearBottom();
    const node = buildMessage(message);
    insert(node);
    if (own || wasAtBottom) {
      ctx.scroll.toBottom();
    } else if (message.sender !== "user") {
      ctx.scroll.showPill();
    }
    if (message.sender !== "user") ctx.receipts.markVisibleRead();
    return node;
  }

  function remove(node) {
    const id = idOf(node);
    if (id && byId.get(id) === node) byId.delete(id);
    if (id) ctx.receipts.dropUnread(id);
    if (node.dataset.clientId && byClientId.get(node.dataset.clientId) === node) byClientId.delete(node.dataset.clientId);
    ctx.menu.closeFor(node);
    node.remove();
    changed();
  }

  // Ids are never reused (migration 0006), so an id names one message for good.
  function removeById(id) {
    const node = byId.get(id);
    if (node) remove(node);
  }

  /** Before the list is rebuilt from scratch. */
  function forgetAll() {
    byId.clear();
    byClientId.clear();
    ctx.receipts.forgetUnread();
    ctx.menu.close();
  }

  /** After any change to the list: dividers and the one Regenerate button. */
  function changed() {
    updateDayDividers();
    ctx.replies.updateRegenerate();
  }

  /** "Today", "Yesterday"… between messages of different local days. */
  function updateDayDividers() {
    for (const old of list.querySelectorAll(".day-divider")) old.remove();
    let previousDay = null;
    for (const node of list.querySelectorAll(".message")) {
      const date = parseTime(node.dataset.createdAt);
      const day = startOfDay(date);
      if (day !== previousDay) {
        const divider = el("div", "day-divider");
        divider.setAttribute("role", "separator");
        divider.append(el("span", "day-divider__label", formatDay(date)));
        node.before(divider);
        previousDay = day;
      }
    }
  }

  ctx.sync.on("message_received", (payload) => {
    const message = payload && payload.message;
    if (!message || message.girl_id !== girlId) return;
    if (message.sender === "girl") {
      ctx.stream.showTyping(false);
      ctx.replies.hideRetryBar();
    }
    append(message);
  });

  ctx.sync.on("message_deleted", (payload) => {
    if (!payload || payload.girl_id !== girlId || !Number.isInteger(payload.message_id)) return;
    removeById(payload.message_id);
  });

  ctx.sync.on("message_updated", (payload) => {
    const message = payload && payload.message;
    if (!message || message.girl_id !== girlId) return;
    const node = knownMessage(message);
    if (!node) return;
    refresh(node, message);
    changed();
  });

  return {
    register, knownMessage, refresh, setServerId, place, insert, append, remove, removeById, forgetAll, changed,
    firstServerId,
    byId: (id) => byId.get(id),
    byClientId: (clientId) => byClientId.get(clientId),
  };
}
