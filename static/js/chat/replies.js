// Owns asking her to write a reply again: the Retry bar after a failed reply, and the Regenerate button.
import { el, svgIcon } from "../lib/dom.js";
import { errorText } from "./connection.js";
import { idOf } from "./message.js";

const REGENERATE_ICON = "M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7";

export function createReplies(ctx) {
  const { girlId, list } = ctx;
  const { request } = ctx.connection;
  const bar = document.getElementById("reply-retry");
  const barDetail = bar.querySelector(".reply-retry__detail");
  const barButton = bar.querySelector(".reply-retry__button");

  // ------------------------------------------------------------ the Retry bar

  function showRetryBar(detail) {
    const wasAtBottom = ctx.scroll.nearBottom();
    barDetail.textContent = detail || "Your message is saved.";
    barButton.disabled = false;
    bar.hidden = false;
    if (wasAtBottom) ctx.scroll.toBottom();
  }

  function hideRetryBar() {
    bar.hidden = true;
  }

  barButton.addEventListener("click", () => {
    if (barButton.disabled) return;
    if (!ctx.connection.connected) {
      ctx.notices.show("You're offline — retry when the connection is back.");
      return;
    }
    barButton.disabled = true;
    request("retry_reply", { girl_id: girlId }, (error, ack) => {
      barButton.disabled = false;
      if (error) {
        ctx.notices.show("The server did not answer. Please try again.");
        return;
      }
      if (!ack || !ack.ok) {
        if (ack && ack.error && ack.error.code === "not_found") hideRetryBar(); // nothing left to answer
        else ctx.notices.show(errorText(ack, "Couldn't ask again."));
        return;
      }
      hideRetryBar();
    });
  });

  // ------------------------------------------------------------ Regenerate

  /** The ↻ button lives on the last message only, and only when that is her finished text reply
   *  (not a message she wrote first: it answers nothing). */
  function updateRegenerate() {
    const messages = list.querySelectorAll(".message");
    const last = messages[messages.length - 1];
    const eligible = Boolean(last) && last.dataset.sender === "girl" && last.dataset.type === "text"
      && idOf(last) > 0 && last.dataset.status !== "streaming" && !last.querySelector(".message__first");
    for (const tools of list.querySelectorAll(".message__tools")) {
      if (!eligible || tools.parentNode !== last) tools.remove();
    }
    if (!eligible || last.querySelector(".message__tools")) return;
    const tools = el("div", "message__tools");
    const button = el("button", "message__regenerate");
    button.type = "button";
    button.title = "Write this reply again";
    button.append(svgIcon(REGENERATE_ICON, { size: 14 }), el("span", "message__regenerate-label", "Regenerate"));
    button.addEventListener("click", () => regenerate(last, button));
    tools.append(button);
    last.append(tools);
  }

  function regenerate(node, button) {
    if (button.disabled) return;
    button.disabled = true;
    request("regenerate_reply", { girl_id: girlId }, (error, ack) => {
      button.disabled = false;
      if (error) {
        ctx.notices.show("The server did not answer. Please try again.");
        return;
      }
      if (!ack || !ack.ok) {
        ctx.notices.show(errorText(ack, "This reply can't be written again."));
        return;
      }
      // The old reply goes now (message_deleted may have removed it already); her new one has a new id.
      const old = ctx.messages.byId(ack.deleted_id || idOf(node));
      if (old) ctx.messages.remove(old);
    });
  }

  return { showRetryBar, hideRetryBar, updateRegenerate };
}
