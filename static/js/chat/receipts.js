// Owns read receipts: her messages seen are marked read (mark_read); the user's show "Read" (message_read).
import { setStatus } from "./message.js";

const MAX_IDS_PER_MARK_READ = 200;

export function createReceipts(ctx) {
  const { girlId } = ctx;
  const knownRead = new Set();     // ids reported read before their element knew its id
  const unreadFromHer = new Set(); // her message ids the server still thinks are unread
  const markingRead = new Set();   // ids in a mark_read call that has not answered yet

  /** Tell the server her messages are read while the page is visible. */
  function markVisibleRead() {
    if (document.visibilityState !== "visible" || !ctx.connection.connected) return;
    const ids = [...unreadFromHer].filter((id) => !markingRead.has(id)).slice(0, MAX_IDS_PER_MARK_READ);
    if (!ids.length) return;
    for (const id of ids) markingRead.add(id);
    ctx.connection.request("mark_read", { girl_id: girlId, message_ids: ids }, (error, ack) => {
      for (const id of ids) markingRead.delete(id);
      if (error || !ack || !ack.ok) return;
      // Ids not newly marked were already read (another tab): either way they are read now.
      for (const id of ids) {
        unreadFromHer.delete(id);
        const node = ctx.messages.byId(id);
        if (node) node.dataset.read = "true";
      }
      if (unreadFromHer.size) markVisibleRead();
    });
  }

  ctx.sync.on("message_read", (payload) => {
    if (!payload || payload.girl_id !== girlId) return;
    const id = payload.message_id;
    const node = ctx.messages.byId(id);
    if (!node) {
      knownRead.add(id);
      return;
    }
    if (node.dataset.sender === "user") {
      setStatus(node, "read");
    } else {
      node.dataset.read = "true";
      unreadFromHer.delete(id);
    }
  });

  return {
    markVisibleRead,
    noteUnread: (id) => unreadFromHer.add(id),
    dropUnread: (id) => unreadFromHer.delete(id),
    forgetUnread: () => unreadFromHer.clear(),
    /** Was this user message reported read before its element had the id? */
    wasRead: (id) => knownRead.has(id),
    /** The same, forgetting the report. */
    takeKnownRead: (id) => knownRead.delete(id),
  };
}
