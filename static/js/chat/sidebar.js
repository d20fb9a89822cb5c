// Owns the list of conversations: each companion's last message, its time and unread count, kept live
// by the events of every conversation (the user's room gets them all), across replays and resets.
// The chat page's sidebar (templates/chat/_sidebar.html) and the companion list (templates/chat/index.html).
// Group chats are entries too, keyed "group:<id>" (groupKey): their group_message_received and
// group_message_read count the same way, by message id, so a replay never counts twice.
import { localizeTimes } from "../lib/time.js";
import { badgeText, createUnreadCounts, groupKey, parseIds, previewOf } from "./unread.js";

/**
 * @param {object} ctx   the page's parts: sync, connection, notify; girlId (the open conversation, if any)
 * @param {object} [view]   root: the list's element; prefix: its entries' class ("sidebar-chat", "companion-card")
 */
export function createSidebar(ctx, { root = document.getElementById("sidebar"), prefix = "sidebar-chat" } = {}) {
  const { girlId } = ctx;
  const items = new Map();          // girl_id or "group:<id>" -> its entry (a.sidebar-chat, a.companion-card)
  for (const item of root ? root.querySelectorAll(`.${prefix}[data-girl-id]`) : []) {
    items.set(item.dataset.girlId, item);
  }
  // The group chats: in the sidebar's second list; on the companion list, in #group-list beside it.
  const groupRoot = prefix === "companion-card" ? document.getElementById("group-list") : root;
  for (const item of groupRoot ? groupRoot.querySelectorAll(`.${prefix}[data-group-id]`) : []) {
    items.set(groupKey(item.dataset.groupId), item);
  }
  const unread = createUnreadCounts({
    unread: [...items].map(([id, item]) => [id, parseIds(item.dataset.unreadIds)]),
  });

  /** The user is looking at this conversation now: her messages there are read as they come. */
  function looking(id) {
    const open = ctx.groupId ? groupKey(ctx.groupId) : girlId;
    return id === open && document.visibilityState === "visible";
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
    item.classList.toggle(`${prefix}--unread`, count > 0);
    const badge = item.querySelector(`.${prefix}__badge`);
    if (!badge) return;
    badge.hidden = count === 0;
    // The sidebar's badge has a count element; the companion card's has the count as its first text.
    const counter = badge.querySelector(`.${prefix}__count`);
    if (counter) counter.textContent = badgeText(count);
    else if (badge.firstChild && badge.firstChild.nodeType === Node.TEXT_NODE) badge.firstChild.nodeValue = badgeText(count);
    else badge.prepend(badgeText(count));
  }

  function showAllCounts() {
    for (const id of items.keys()) showCount(id);
    ctx.notify.showTotal(unread.total());
  }

  function countsChanged(id) {
    showCount(id);
    ctx.notify.showTotal(unread.total());
  }

  /** The preview line and time of the newest message (an older one changes nothing). `author`: the
   * companion's name in front of her message ("Emma: ..."), in a group. */
  function showLast(message, { force = false, key = message.girl_id, author = "" } = {}) {
    const item = items.get(key);
    if (!item || !Number.isInteger(message.id)) return;
    const lastId = Number.parseInt(item.dataset.lastId, 10) || 0;
    if (!force && message.id < lastId) return;
    item.dataset.lastId = String(message.id);
    const { mine, text } = previewOf(message);
    const preview = item.querySelector(`.${prefix}__preview`);
    if (preview) {
      const you = document.createElement("span");
      you.className = `${prefix}__you`;
      you.textContent = "You: ";
      const body = document.createElement("span");
      body.className = `${prefix}__text`;
      body.textContent = text;
      preview.classList.remove(`${prefix}__preview--empty`);
      if (!mine && author) you.textContent = `${author}: `;
      preview.replaceChildren(...(mine || author ? [you, body] : [body]));
    }
    const time = item.querySelector(`.${prefix}__time`);
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
    else if (girlId && message.girl_id === girlId) ctx.notify.userSent();
  }

  /** A message of a group chat (hers or the user's, from another tab or the ack). */
  function groupArrived(message) {
    if (!message || !Number.isInteger(message.group_id)) return;
    const key = groupKey(message.group_id);
    const item = items.get(key);
    const author = message.sender === "user" ? "" : nameOf(message.girl_id);
    showLast(message, { key, author });
    if (unread.groupReceived(message, { seen: looking(key) })) countsChanged(key);
    if (message.sender !== "user" && ctx.notify.groupArrived) {
      ctx.notify.groupArrived(message, { name: (item && item.dataset.name) || "", author });
    }
  }

  ctx.sync.on("message_received", (payload) => arrived(payload && payload.message));
  ctx.sync.on("group_message_received", (payload) => groupArrived(payload && payload.message));
  ctx.sync.on("group_message_read", (payload) => {
    if (payload && unread.groupRead(payload)) countsChanged(groupKey(payload.group_id));
  });
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

  // Too much to replay: the server's ids and previews, with what the events did while they came.
  ctx.connection.socket.on("sync", (data) => {
    if (data && data.reset) reload({ counts: true });
  });

  /** The list from GET /api/conversations: the previews, and the unread ids too when asked. */
  function reload({ counts }) {
    const refresh = counts ? unread.refresh() : null;
    return fetch("/api/conversations", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data || !Array.isArray(data.conversations)) return;
        for (const conversation of data.conversations) {
          if (items.has(conversation.girl_id) && conversation.last_message) {
            showLast({ ...conversation.last_message, girl_id: conversation.girl_id }, { force: true });
          }
        }
        const groups = Array.isArray(data.groups) ? data.groups : [];
        for (const group of groups) {
          const key = groupKey(group.group_id);
          const last = group.last_message;
          if (items.has(key) && last) {
            showLast({ ...last, group_id: group.group_id }, { force: true, key, author: last.sender === "user" ? "" : last.girl_name || "" });
          }
        }
        if (!refresh) return;
        refresh.refreshed([
          ...data.conversations.map((c) => [c.girl_id, looking(c.girl_id) ? [] : c.unread_ids]),
          ...groups.map((g) => [groupKey(g.group_id), g.unread_ids]),
        ]);
        showAllCounts();
      })
      .catch(() => {})
      .finally(() => refresh && refresh.cancel());
  }

  ctx.notify.showTotal(unread.total());

  return {
    count: (id) => unread.count(id),
    get total() { return unread.total(); },
  };
}
