// Owns reactions and quotes in bubbles: the emoji picker of the message menu, react_message, the
// message_reaction event in every tab, and a quote's jump to the message it quotes ("Deleted message" once it goes).
import { el } from "../lib/dom.js";
import { errorText } from "./connection.js";
import { companionName, idOf, reactionOf, setReaction, showQuoteDeleted } from "./message.js";

/** The picker's emoji, as the server allows them (dreamchat/actions/reactions.py). */
export const REACTIONS = ["❤️", "😂", "😮", "😢", "👍", "🔥"];
const FOCUS_MS = 1600;

export function createReactions(ctx) {
  const { girlId, list, scroller } = ctx;
  const { request } = ctx.connection;

  /** The row of emoji for the menu of one message: the current one is checked, choosing it again removes it. */
  function picker(node, done) {
    const row = el("div", "reaction-picker");
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", "React");
    const current = reactionOf(node);
    for (const emoji of REACTIONS) {
      const button = el("button", "reaction-picker__emoji", emoji);
      button.type = "button";
      button.setAttribute("role", "menuitemcheckbox");
      button.setAttribute("aria-checked", String(emoji === current));
      button.setAttribute("aria-label", emoji === current ? `Remove reaction ${emoji}` : `React ${emoji}`);
      button.addEventListener("click", () => {
        done();
        react(node, emoji === current ? null : emoji);
      });
      row.append(button);
    }
    return row;
  }

  /** Shown at once; put back when the server refuses. Every tab (this one too) gets message_reaction. */
  function react(node, emoji) {
    const id = idOf(node);
    if (!id) return;
    const previous = reactionOf(node);
    setReaction(node, emoji);
    request("react_message", { girl_id: girlId, message_id: id, emoji }, (error, ack) => {
      if (!error && ack && ack.ok) return;
      if (reactionOf(node) === emoji) setReaction(node, previous);
      if (error) ctx.notices.show("The server did not answer; the reaction was not saved.");
      else if (ack && ack.error && ack.error.code === "not_found") ctx.messages.removeById(id);
      else ctx.notices.show(errorText(ack, "The reaction could not be saved."));
    });
  }

  ctx.sync.on("message_reaction", (payload) => {
    if (!payload || payload.girl_id !== girlId || !Number.isInteger(payload.message_id)) return;
    const node = ctx.messages.byId(payload.message_id);
    if (node) setReaction(node, payload.emoji || null);
  });

  // The quotes of a deleted message say so; a reply being written to it loses its quote.
  ctx.sync.on("message_deleted", (payload) => {
    if (!payload || payload.girl_id !== girlId || !Number.isInteger(payload.message_id)) return;
    for (const button of list.querySelectorAll(`.message__quote[data-quote-id="${payload.message_id}"]`)) {
      showQuoteDeleted(button);
    }
    if (ctx.composer && ctx.composer.replyingTo() === payload.message_id) ctx.composer.cancelReply();
  });

  /** Server-rendered quotes of her messages get her name (the template only knows "her"). */
  function nameQuote(node) {
    const sender = node.querySelector('.message__quote[data-quote-sender="girl"] .message__quote-sender');
    if (sender) sender.textContent = companionName();
  }

  // A quote jumps to the message it quotes when that is loaded.
  list.addEventListener("click", (event) => {
    const button = event.target.closest(".message__quote");
    if (!button || button.disabled) return;
    const target = ctx.messages.byId(Number.parseInt(button.dataset.quoteId, 10) || 0);
    if (!target) {
      ctx.notices.show("That message is further up: scroll up to load it.");
      return;
    }
    scroller.scrollTop += target.getBoundingClientRect().top - scroller.getBoundingClientRect().top
      - (scroller.clientHeight - target.offsetHeight) / 2;
    target.classList.remove("message--quoted");
    void target.offsetWidth; // restart the highlight
    target.classList.add("message--quoted");
    setTimeout(() => target.classList.remove("message--quoted"), FOCUS_MS);
  });

  return { picker, react, nameQuote };
}
