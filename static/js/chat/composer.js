// Owns the composer: typing and sending a message, the length counter, and telling her the user is typing.
import { autoGrow } from "../lib/dom.js";

const MAX_INPUT_LINES = 6;
const TYPING_REPEAT_MS = 1500;
const TYPING_IDLE_MS = 2000;

export function createComposer(ctx) {
  const { girlId, input, maxLength } = ctx;
  const form = document.getElementById("composer");
  const sendButton = document.getElementById("send-button");
  const counter = document.getElementById("char-counter");

  /** Into the outbox, shown pending, then sent when the connection allows. */
  function send() {
    const content = input.value.trim();
    if (!content || content.length > maxLength) return;
    const item = ctx.outbox.add({ girl_id: girlId, kind: "message", content });
    ctx.outboxView.show(item);
    input.value = "";
    onInputChanged();
    stopTyping();
    ctx.outbox.pump();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
    input.focus();
  });

  input.addEventListener("keydown", (event) => {
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

  let typingActive = false;
  let lastTypingSent = 0;
  let typingIdleTimer = 0;

  function emitTyping(isTyping) {
    if (!ctx.connection.connected) return;
    ctx.connection.request("typing_indicator", { girl_id: girlId, is_typing: isTyping }, () => {});
  }

  function noteTyping() {
    if (!input.value.trim()) {
      stopTyping();
      return;
    }
    const now = Date.now();
    if (!typingActive || now - lastTypingSent >= TYPING_REPEAT_MS) {
      typingActive = true;
      lastTypingSent = now;
      emitTyping(true);
    }
    clearTimeout(typingIdleTimer);
    typingIdleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(typingIdleTimer);
    if (!typingActive) return;
    typingActive = false;
    emitTyping(false);
  }

  input.addEventListener("input", () => {
    onInputChanged();
    noteTyping();
  });

  return { onInputChanged };
}
