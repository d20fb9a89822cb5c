// Owns notices in the conversation: dismissible alerts, chat_error from the server, and system_notice.
import { el, svgIcon } from "../lib/dom.js";

const CLOSE_ICON = "M6 6l12 12M18 6L6 18";

export function createNotices(ctx) {
  const { girlId, list } = ctx;

  function show(text) {
    const wasAtBottom = ctx.scroll.nearBottom();
    const notice = el("div", "notice");
    notice.setAttribute("role", "alert");
    notice.append(el("span", "notice__text", text));
    const close = el("button", "notice__close icon-button icon-button--small");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss");
    close.append(svgIcon(CLOSE_ICON, { size: 14 }));
    close.addEventListener("click", () => notice.remove());
    notice.append(close);
    list.append(notice);
    if (wasAtBottom) ctx.scroll.toBottom();
  }

  ctx.sync.on("chat_error", (payload) => {
    if (!payload || payload.girl_id !== girlId) return;
    if (payload.request_id) {
      ctx.photos.gaveUp(payload.request_id);
      show(payload.message || "The photo could not be made.");
      return;
    }
    ctx.stream.showTyping(false);
    if (payload.retry === "reply") ctx.replies.showRetryBar(payload.message);
    else show(payload.message || "Something went wrong.");
  });

  // A notice from DreamChat itself, not from her: the break reminder.
  ctx.sync.on("system_notice", (payload) => {
    if (!payload || payload.girl_id !== girlId || typeof payload.message !== "string") return;
    const wasAtBottom = ctx.scroll.nearBottom();
    const notice = el("div", "system-notice");
    notice.setAttribute("role", "status");
    notice.dataset.kind = payload.kind || "";
    notice.append(el("span", "system-notice__label", "DreamChat"), el("p", "system-notice__text", payload.message));
    list.append(notice);
    if (wasAtBottom) ctx.scroll.toBottom();
  });

  return { show };
}
