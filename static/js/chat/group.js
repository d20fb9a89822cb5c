// Owns the group chat page: the socket, the outbox keyed by the group, events in seq order, bubbles with each companion's name, typing per companion.
// Reuses the chat page's parts: message.js (bubbles from the same template), outbox.js, sequencer.js.
import { io } from "../../vendor/socket.io.esm.min.js";
import { el } from "../lib/dom.js";
import { buildMessage, setStatus } from "./message.js";
import { createNotify } from "./notify.js";
import { createOutbox, outboxKey } from "./outbox.js";
import { createSequencer } from "./sequencer.js";
import { createSidebar } from "./sidebar.js";
import { createTypingSignal } from "./typing-signal.js";

const ACK_TIMEOUT_MS = 10000;
const root = document.getElementById("group-chat");

if (root) startGroupChat(root);

function startGroupChat(page) {
  const groupId = Number.parseInt(page.dataset.groupId, 10);
  const outboxConversation = `group:${groupId}`;
  const list = document.getElementById("messages");
  const scroller = document.getElementById("message-scroller");
  const typingBox = document.getElementById("group-typing");
  const input = document.getElementById("message-input");
  const statusBox = document.getElementById("connection-status");
  const names = new Map([...document.getElementById("group-names").content.querySelectorAll("span")]
    .map((span) => [span.dataset.slug, span.textContent]));
  const typing = new Set();
  const sidebarHandlers = new Map();   // the sidebar's handlers of sequenced events (sidebar.js, as on the chat page)
  let canSend = false;

  const allowed = (page.dataset.transports || "polling,websocket").split(",");
  const transports = ["websocket", "polling"].filter((name) => allowed.includes(name));
  const sequencer = createSequencer({
    lastSeq: Number.parseInt(page.dataset.lastSeq, 10) || 0,
    apply,
    onGap: (last) => socket.emit("sync", { last_seq: last }),
  });
  const socket = io({
    auth: (send) => send({ last_seq: sequencer.lastSeq }),
    transports: transports.length ? transports : ["websocket", "polling"],
    reconnection: true,
    reconnectionDelay: 1000,
    randomizationFactor: 0,
  });

  let storage = null;
  try { storage = window.localStorage; } catch { storage = null; }
  const outbox = createOutbox({
    storage,
    key: outboxKey(page.dataset.username),
    send: (event, payload, callback) => socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, callback),
    canSend: () => canSend,
    onDelivered: (item, ack) => {
      const node = list.querySelector(`[data-client-id="${CSS.escape(item.client_id)}"]`);
      if (node && ack.message) {
        node.dataset.id = String(ack.message.id);
        setStatus(node, "sent");
      }
      if (Number.isInteger(ack.seq) && ack.message) sequencer.accept("group_message_received", { message: ack.message, seq: ack.seq });
    },
    onFailed: (item, reason) => {
      const node = list.querySelector(`[data-client-id="${CSS.escape(item.client_id)}"]`);
      if (node) setStatus(node, "failed", reason);
    },
  });

  /** A bubble: her messages carry the companion's name above the text (the portrait is the template's). */
  function bubble(message) {
    const node = buildMessage(message);
    node.querySelector(".message__speak")?.remove(); // her replies are read aloud on one-to-one pages only
    if (message.sender !== "user" && message.girl_id) {
      const author = el("span", "message__author", names.get(message.girl_id) || "");
      const avatar = node.querySelector(".message__avatar");
      (avatar || node.querySelector(".bubble").firstChild).after(author);
      node.dataset.girlId = message.girl_id;
    }
    return node;
  }

  function show(message) {
    if (message.group_id !== groupId) return;
    if (message.id && list.querySelector(`[data-id="${message.id}"]`)) return;
    const pending = message.client_id && list.querySelector(`[data-client-id="${CSS.escape(message.client_id)}"]`);
    if (pending) {
      pending.dataset.id = String(message.id);
      setStatus(pending, "sent");
      outbox.settle(message.client_id);
      return;
    }
    const intro = document.querySelector(".intro-card");
    if (intro) intro.remove();
    list.append(bubble(message));
    scrollDown();
    if (message.sender !== "user" && document.visibilityState === "visible") markRead([message.id]);
  }

  function apply(name, payload) {
    applyHere(name, payload);
    for (const handler of sidebarHandlers.get(name) || []) {
      try {
        handler(payload);
      } catch (error) {
        console.error("[dreamchat] the sidebar's", name, "failed", error);
      }
    }
  }

  function applyHere(name, payload) {
    if (name === "group_message_received" && payload.message) show(payload.message);
    if (name === "chat_error" && payload.group_id === groupId) {
      // The turn (or its photo) failed: said in the conversation; the message is saved and answered later.
      const notice = el("div", "system-notice", payload.message || "Something went wrong.");
      notice.setAttribute("role", "alert");
      list.append(notice);
      typing.clear();
      showTyping();
      scrollDown();
    }
    if (name === "group_message_read" && payload.group_id === groupId) {
      for (const id of payload.message_ids || []) {
        const node = list.querySelector(`[data-id="${id}"]`);
        if (node) node.dataset.read = "true";
      }
    }
  }

  function markRead(ids) {
    const wanted = ids.filter((id) => Number.isInteger(id) && id > 0);
    if (wanted.length) socket.emit("mark_group_read", { group_id: groupId, message_ids: wanted }, () => {});
  }

  function showTyping() {
    typingBox.replaceChildren(...[...typing].map((slug) => {
      const row = el("div", "message-like message--girl typing");
      const bubbleNode = el("div", "bubble typing__bubble");
      const avatar = el("img", "message__avatar");
      avatar.src = `/companions/${encodeURIComponent(slug)}/avatar?size=64`;
      avatar.alt = "";
      const dots = el("span", "typing__dots");
      dots.setAttribute("aria-hidden", "true");
      dots.append(el("span"), el("span"), el("span"));
      bubbleNode.append(avatar, dots, el("span", "typing__label", `${names.get(slug) || "She"} is typing…`));
      row.append(bubbleNode);
      row.dataset.girlId = slug;
      return row;
    }));
    if (typing.size) scrollDown();
  }

  function scrollDown() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function setConnection(state, text) {
    statusBox.dataset.state = state;
    statusBox.querySelector(".connection__text").textContent = text;
  }

  socket.on("connect", () => setConnection("connected", "Online"));
  socket.on("disconnect", () => {
    canSend = false;
    outbox.abandonInFlight();
    setConnection("disconnected", "Reconnecting…");
  });
  socket.on("sync", (data) => {
    if (!data) return;
    if (data.reset) {
      location.reload(); // too much to replay: the page renders the group again
      return;
    }
    for (const event of data.events || []) sequencer.accept(event.name, { ...event.payload });
    canSend = true;
    outbox.pump();
  });
  for (const name of ["group_message_received", "group_message_read", "chat_error"]) {
    socket.on(name, (payload) => sequencer.accept(name, payload));
  }
  socket.on("typing", (payload) => {
    if (!payload || payload.group_id !== groupId) return;
    if (payload.is_typing) typing.add(payload.girl_id);
    else typing.delete(payload.girl_id);
    showTyping();
  });

  function send(content) {
    const item = outbox.add({ kind: "message", girl_id: outboxConversation, group_id: groupId, content });
    list.append(bubble({ sender: "user", type: "text", content, client_id: item.client_id,
                         created_at: item.created_at, localStatus: "pending" }));
    document.querySelector(".intro-card")?.remove();
    scrollDown();
    outbox.pump();
  }

  for (const item of outbox.restore(outboxConversation,
    (clientId) => Boolean(list.querySelector(`[data-client-id="${CSS.escape(clientId)}"][data-id]`)))) {
    list.append(bubble({ sender: "user", type: "text", content: item.content, client_id: item.client_id,
                         created_at: item.created_at, localStatus: item.state }));
  }

  list.addEventListener("click", (event) => {
    const node = event.target.closest(".message");
    if (!node || !node.dataset.clientId) return;
    if (event.target.closest(".message__retry")) {
      outbox.retry(node.dataset.clientId);
      setStatus(node, "pending");
      outbox.pump();
    } else if (event.target.closest(".message__discard")) {
      outbox.discard(node.dataset.clientId);
      node.remove();
    }
  });

  // "I am typing" (typing_indicator with group_id), as the one-to-one composer: the turn waits for the user.
  const typingSignal = createTypingSignal((isTyping) => {
    if (socket.connected) socket.emit("typing_indicator", { group_id: groupId, is_typing: isTyping }, () => {});
  });
  const stopTyping = typingSignal.stop;
  input.addEventListener("input", () => typingSignal.input(input.value));

  document.getElementById("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const content = input.value.trim();
    if (!content) return;
    input.value = "";
    stopTyping();
    send(content);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      document.getElementById("composer").requestSubmit();
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      markRead([...list.querySelectorAll('.message--girl[data-read="false"]')].map((node) => Number(node.dataset.id)));
    }
  });

  // The sidebar kept live as on the chat page (sidebar.js): the same events, in this page's seq order;
  // a reset reloads the page, so the sidebar needs no reload of its own.
  const ctx = {
    root: page,
    girlId: null,
    groupId,
    sync: {
      on(name, handler) {
        if (!sidebarHandlers.has(name)) {
          sidebarHandlers.set(name, []);
          if (!["group_message_received", "group_message_read", "chat_error"].includes(name)) {
            socket.on(name, (payload) => sequencer.accept(name, payload));
          }
        }
        sidebarHandlers.get(name).push(handler);
      },
    },
    connection: { socket: { on: () => {} } },
    scroll: { nearBottom: () => true, toBottom: () => {} },
  };
  ctx.notify = createNotify(ctx);
  createSidebar(ctx);

  const focus = page.dataset.focusMessage && list.querySelector(`[data-id="${page.dataset.focusMessage}"]`);
  if (focus) {
    focus.classList.add("is-focused"); // a search result: shown where it is
    focus.scrollIntoView({ block: "center" });
  } else {
    scrollDown();
  }
  markRead([...list.querySelectorAll('.message--girl[data-read="false"]')].map((node) => Number(node.dataset.id)));
}
