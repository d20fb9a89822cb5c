// Owns photos she is asked for: the popover, the placeholder (queued, being made, failed) and the photo.
import { el, svgIcon } from "../lib/dom.js";
import { buildMessage } from "./message.js";

const CAMERA_ICON = "M4 8.5A2.5 2.5 0 0 1 6.5 6h1.6l1.4-2h5l1.4 2h1.6A2.5 2.5 0 0 1 20 8.5v8a2.5 2.5 0 0 1-2.5 2.5h-11"
  + "A2.5 2.5 0 0 1 4 16.5zM15.6 12.5a3.6 3.6 0 1 1-7.2 0 3.6 3.6 0 0 1 7.2 0z";

export function createPhotos(ctx) {
  const { girlId, companionName, list, input } = ctx;
  const button = document.getElementById("photo-button");
  const popover = document.getElementById("photo-popover");
  const contextInput = document.getElementById("photo-context");
  const finished = new Set();       // request ids already delivered or failed

  // ------------------------------------------------------------ asking

  function openPopover(open) {
    popover.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.classList.toggle("is-active", open);
    if (open) contextInput.focus();
  }

  button.addEventListener("click", () => openPopover(popover.hidden));
  document.getElementById("photo-cancel").addEventListener("click", () => {
    openPopover(false);
    button.focus();
  });
  popover.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      openPopover(false);
      button.focus();
    }
  });
  contextInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      requestPhoto();
    }
  });
  document.getElementById("photo-send").addEventListener("click", requestPhoto);

  /** A photo request goes through the outbox like a message; its client_id is its request_id. */
  function requestPhoto() {
    const item = ctx.outbox.add({ girl_id: girlId, kind: "photo", context: contextInput.value.trim() });
    placeholder(item.client_id, "queued");
    contextInput.value = "";
    openPopover(false);
    input.focus({ preventScroll: true });
    ctx.outbox.pump();
  }

  // ------------------------------------------------------------ the placeholder

  function findPlaceholder(requestId) {
    for (const node of list.querySelectorAll(".photo-pending")) {
      if (node.dataset.requestId === requestId) return node;
    }
    return null;
  }

  /** The placeholder of a photo request: queued (not acknowledged yet), making, or failed. */
  function placeholder(requestId, state) {
    let node = findPlaceholder(requestId);
    if (!node) {
      const wasAtBottom = ctx.scroll.nearBottom();
      node = el("div", "message-like message--girl message--new photo-pending");
      node.dataset.requestId = requestId;
      const bubble = el("div", "bubble photo-pending__bubble");
      const icon = el("span", "photo-pending__icon");
      icon.append(svgIcon(CAMERA_ICON, { size: 22 }));
      const progress = el("span", "photo-pending__progress");
      progress.setAttribute("role", "progressbar");
      progress.setAttribute("aria-label", "Photo progress");
      progress.setAttribute("aria-valuemin", "0");
      progress.setAttribute("aria-valuemax", "100");
      progress.hidden = true;
      progress.append(el("span", "photo-pending__bar"));
      bubble.append(icon, el("span", "photo-pending__text"), progress);
      node.append(bubble);
      list.append(node);
      if (wasAtBottom) ctx.scroll.toBottom();
    }
    setState(node, state);
    return node;
  }

  function setState(node, state, reason) {
    node.dataset.state = state;
    const text = node.querySelector(".photo-pending__text");
    const bubble = node.querySelector(".photo-pending__bubble");
    const texts = {
      queued: `Asking ${companionName} for a photo…`,
      making: `${companionName} is taking a photo…`,
      failed: reason ? `Couldn't ask for the photo: ${reason}` : "Couldn't ask for the photo.",
    };
    text.textContent = texts[state] || texts.making;
    let actions = bubble.querySelector(".photo-pending__actions");
    if (state !== "failed") {
      if (actions) actions.remove();
      return;
    }
    if (!actions) {
      actions = el("span", "photo-pending__actions");
      const retry = el("button", "button button--small button--primary", "Retry");
      retry.type = "button";
      retry.addEventListener("click", () => ctx.outboxView.retry(node.dataset.requestId));
      const discard = el("button", "button button--small button--ghost", "Discard");
      discard.type = "button";
      discard.addEventListener("click", () => {
        if (ctx.outbox.discard(node.dataset.requestId)) node.remove();
      });
      actions.append(retry, discard);
      bubble.append(actions);
    }
  }

  function remove(requestId) {
    const node = findPlaceholder(requestId);
    if (node) node.remove();
  }

  // ------------------------------------------------------------ from the outbox

  /** Restored at load: queued again, or still failed. */
  function restored(item) {
    const node = placeholder(item.client_id, item.state === "failed" ? "failed" : "queued");
    if (item.state === "failed") setState(node, "failed", item.error && item.error.message);
  }

  function queued(requestId) {
    const node = findPlaceholder(requestId);
    if (node) setState(node, "queued");
  }

  function failed(requestId, reason) {
    const node = findPlaceholder(requestId);
    if (node) setState(node, "failed", reason);
  }

  function acknowledged(item, ack) {
    const requestId = ack.request_id || item.client_id;
    const node = findPlaceholder(item.client_id) || findPlaceholder(requestId);
    if (finished.has(requestId) || ack.status === "done" || ack.status === "failed") {
      if (node) node.remove();
      return;
    }
    if (!node) return;
    if (node.dataset.confirmed === "true" || !item.resent) {
      // photo_pending came, or is on its way: she is at it.
      setState(node, "making");
      return;
    }
    // Sent again after a lost ack: the server may have made it long ago. If it had not,
    // photo_pending brings the placeholder back.
    node.remove();
  }

  // ------------------------------------------------------------ from the server

  ctx.sync.on("photo_pending", (payload) => {
    if (!payload || payload.girl_id !== girlId) return;
    const requestId = payload.request_id;
    if (!requestId || finished.has(requestId)) return;
    ctx.outbox.settle(requestId);
    placeholder(requestId, "making").dataset.confirmed = "true";
  });

  ctx.connection.socket.on("photo_progress", (payload) => {
    if (!payload || payload.girl_id !== girlId || !payload.request_id) return;
    if (finished.has(payload.request_id)) return;
    const progress = Number(payload.progress);
    if (!Number.isFinite(progress)) return;
    const node = placeholder(payload.request_id, "making");
    const value = Math.min(1, Math.max(0, progress));
    node.style.setProperty("--progress", String(value));
    const bar = node.querySelector(".photo-pending__progress");
    bar.hidden = false;
    bar.setAttribute("aria-valuenow", String(Math.round(value * 100)));
  });

  ctx.sync.on("photo_generated", (payload) => {
    if (!payload || payload.girl_id !== girlId) return;
    finished.add(payload.request_id);
    ctx.outbox.settle(payload.request_id);
    const message = { ...(payload.message || {}) };
    if (!message.photo_url) message.photo_url = payload.photo_url;
    const node = findPlaceholder(payload.request_id);
    if (node && !ctx.messages.knownMessage(message)) {
      const wasAtBottom = ctx.scroll.nearBottom();
      ctx.messages.insert(buildMessage(message), node);
      if (wasAtBottom) ctx.scroll.toBottom();
      ctx.receipts.markVisibleRead();
    } else {
      if (node) node.remove();
      ctx.messages.append(message);
    }
  });

  /** chat_error about a photo request: it will not come. */
  function gaveUp(requestId) {
    finished.add(requestId);
    ctx.outbox.settle(requestId);
    remove(requestId);
  }

  return { restored, queued, failed, acknowledged, gaveUp };
}
