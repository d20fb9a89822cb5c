// Owns the conversations beside the chat: each companion's last message, its time and unread count,
// kept live by the events of every conversation (the user's room gets them all), across replays.
import { localizeTimes } from "../lib/time.js";
import { badgeText, createUnreadCounts, previewOf } from "./unread.js";

export function createSidebar(ctx) {
  const { girlId } = ctx;
  const root = document.getElementById("sidebar");
  const items = new Map();          // girl_id -> its <a class="sidebar-chat">
  for (const item of root ? root.querySelectorAll(".sidebar-chat[data-girl-id]") : []) {
    items.set(item.dataset.girlId, item);
  }
  const unread = createUnreadCounts({
    counts: [...items].map(([id, item]) => [id, Number.parseInt(item.dataset.unread, 10) || 0]),
  });

  /** The user is looking at this conversation now: her messages there are read as they come. */
  function looking(id) {
    return id === girlId && document.visibilityState === "visible";
  }

  function nameOf(id) {
    const item = items.get(id);
    return (item && item.dataset.name) || (id === girlId ? ctx.companionName : "");
  }

  function showCount(id) {
    const item = items.get(id);
    if (!item) return;
    const count = unread.count(id);
    item.dataset.unread = String(count);
    item.classList.toggle("sidebar-chat--unread", count > 0);
    const badge = item.querySelector(".sidebar-chat__badge");
    if (badge) {
      badge.hidden = count === 0;
      badge.querySelector(".sidebar-chat__count").textContent = badgeText(count);
    }
  }

  function countsChanged(id) {
    showCount(id);
    ctx.notify.showTotal(unread.total());
  }

  /** The preview line and time of the newest message (an older one changes nothing). */
  function showLast(message, { force = false } = {}) {
    const item = items.get(message.girl_id);
    if (!item || !Number.isInteger(message.id)) return;
    const lastId = Number.parseInt(item.dataset.lastId, 10) || 0;
    if (!force && message.id < lastId) return;
    item.dataset.lastId = String(message.id);
    const { mine, text } = previewOf(message);
    const preview = item.querySelector(".sidebar-chat__preview");
    const you = document.createElement("span");
    you.className = "sidebar-chat__you";
    you.textContent = "You: ";
    const body = document.createElement("span");
    body.className = "sidebar-chat__text";
    body.textContent = text;
    preview.replaceChildren(...(mine ? [you, body] : [body]));
    const time = item.querySelector(".sidebar-chat__time");
    if (time && message.created_at) {
      time.setAttribute("datetime", message.created_at);
      localizeTimes(item);
    }
  }

  function arrived(message) {
    if (!message || typeof message.girl_id !== "string") return;
    showLast(message);
    if (unread.received(message, { seen: looking(message.girl_id) })) countsChanged(message.girl_id);
    if (message.sender === "girl") ctx.notify.arrived(message, nameOf(message.girl_id));
    else if (message.girl_id === girlId) ctx.notify.userSent();
  }

  ctx.sync.on("message_received", (payload) => arrived(payload && payload.message));
  ctx.sync.on("photo_generated", (payload) => arrived(payload && payload.message));

  ctx.sync.on("message_updated", (payload) => {
    const message = payload && payload.message;
    const item = message && items.get(message.girl_id);
    if (item && String(message.id) === item.dataset.lastId) showLast(message, { force: true });
  });

  ctx.sync.on("message_read", (payload) => {
    if (payload && unread.read(payload)) countsChanged(payload.girl_id);
  });

  ctx.sync.on("message_deleted", (payload) => {
    if (!payload) return;
    if (unread.deleted(payload)) countsChanged(payload.girl_id);
    const item = items.get(payload.girl_id);
    if (item && String(payload.message_id) === item.dataset.lastId) reload({ counts: false });
  });

  // Too much to replay: the server's counts and previews replace what the events said.
  ctx.connection.socket.on("sync", (data) => {
    if (data && data.reset) reload({ counts: true });
  });

  /** The sidebar from GET /api/conversations: the previews, and the counts too when asked. */
  function reload({ counts }) {
    return fetch("/api/conversations", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data || !Array.isArray(data.conversations)) return;
        for (const conversation of data.conversations) {
          const item = items.get(conversation.girl_id);
          if (!item) continue;
          if (conversation.last_message) {
            showLast({ ...conversation.last_message, girl_id: conversation.girl_id }, { force: true });
          }
        }
        if (!counts) return;
        unread.reset(data.conversations.map((c) => [c.girl_id, looking(c.girl_id) ? 0 : c.unread]));
        for (const id of items.keys()) showCount(id);
        ctx.notify.showTotal(unread.total());
      })
      .catch(() => {});
  }

  ctx.notify.showTotal(unread.total());

  return {
    count: (id) => unread.count(id),
    get total() { return unread.total(); },
  };
}
