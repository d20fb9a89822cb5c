// Owns the composer: typing and sending a message, the length counter, telling her the user is typing, and
// the message being replied to (quoted above the composer until sent, ✕ or Escape).
import { autoGrow } from "../lib/dom.js";
import { companionName, idOf, textOf } from "./message.js";
import { createTypingSignal } from "./typing-signal.js";

const MAX_INPUT_LINES = 6;

export function createComposer(ctx) {
  const { girlId, input, maxLength } = ctx;
  const form = document.getElementById("composer");
  const sendButton = document.getElementById("send-button");
  const counter = document.getElementById("char-counter");
  const preview = document.getElementById("reply-preview");
  let replyTo = null;               // {id, sender, excerpt} of the message being replied to

  /** Into the outbox, shown pending, then sent when the connection allows. */
  function send() {
    const content = input.value.trim();
    if (!content || content.length > maxLength) return;
    const quote = replyTo ? { reply_to_id: replyTo.id, reply_to: replyTo } : {};
    const item = ctx.outbox.add({ girl_id: girlId, kind: "message", content, ...quote });
    ctx.outboxView.show(item);
    input.value = "";
    cancelReply();
    onInputChanged();
    stopTyping();
    ctx.outbox.pump();
  }

  // ------------------------------------------------------------ replying to a message

  /** Quote this message above the composer; the next message sent replies to it. */
  function startReply(node) {
    const id = idOf(node);
    if (!id || !preview) return;
    const placeholder = { photo: "Photo", voice: "Voice note" }[node.dataset.type] || "";
    const text = textOf(node).replace(/\s+/g, " ").trim() || placeholder;
    const excerpt = text.length > 120 ? `${text.slice(0, 119).trimEnd()}…` : text;
    replyTo = { id, sender: node.dataset.sender === "user" ? "user" : "girl", excerpt };
    preview.querySelector(".reply-preview__sender").textContent = replyTo.sender === "user" ? "yourself" : companionName();
    preview.querySelector(".reply-preview__text").textContent = excerpt;
    preview.hidden = false;
    input.focus({ preventScroll: true });
    if (ctx.scroll.nearBottom()) ctx.scroll.toBottom();
  }

  function cancelReply() {
    replyTo = null;
    if (preview) preview.hidden = true;
  }

  if (preview) {
    preview.querySelector(".reply-preview__cancel").addEventListener("click", () => {
      cancelReply();
      input.focus({ preventScroll: true });
    });
    preview.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      cancelReply();
      input.focus({ preventScroll: true });
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
    input.focus();
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && replyTo) {
      event.preventDefault();
      cancelReply();
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      send();
    }
  });

  function onInputChanged() {
    const length = input.value.length;
    const left = maxLength - length;
    const near = length >= Math.floor(maxLength * 0.9) || left <= 200;
    counter.hidden = !near;
    counter.textContent = near ? `${length} / ${maxLength}` : "";
    counter.classList.toggle("composer__counter--limit", left <= 0);
    sendButton.disabled = !input.value.trim() || length > maxLength;
    input.classList.toggle("composer__input--scroll", autoGrow(input, MAX_INPUT_LINES));
  }

  // ------------------------------------------------------------ "I am typing"

  const typing = createTypingSignal((isTyping) => {
    if (ctx.connection.connected) {
      ctx.connection.request("typing_indicator", { girl_id: girlId, is_typing: isTyping }, () => {});
    }
  });
  const stopTyping = typing.stop;

  input.addEventListener("input", () => {
    onInputChanged();
    typing.input(input.value);
  });

  return { onInputChanged, startReply, cancelReply, replyingTo: () => (replyTo ? replyTo.id : 0) };
}
