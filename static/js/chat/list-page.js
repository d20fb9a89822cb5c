// Owns the companion list page (/) kept live: its socket and the user's events (replayed, then live),
// each card's unread count, preview and time, the count in the title and on the favicon, notifications.
// The chat page's connection, sync, sidebar and notify run here without the chat's other parts.
import { createConnection } from "./connection.js";
import { createNotify } from "./notify.js";
import { createSidebar } from "./sidebar.js";
import { createSync } from "./sync.js";

const nothing = () => {};

export function startListPage(root) {
  const renderedSeq = Number.parseInt(root.dataset.lastSeq, 10);
  const ctx = {
    root,
    girlId: null,                     // no conversation is open: every reply counts
    // What the connection and sync ask of the chat page's parts; the list has no messages to show.
    outbox: { pump: nothing, abandonInFlight: nothing },
    receipts: { markVisibleRead: nothing },
    stream: { showTyping: nothing, newSnapshotRound: nothing },
    menu: { close: nothing },
    history: { rebuild: () => Promise.resolve(true) },   // after a reset the cards reload themselves
  };
  ctx.connection = createConnection(ctx);
  ctx.sync = createSync(ctx, Number.isInteger(renderedSeq) && renderedSeq >= 0 ? renderedSeq : 0);
  ctx.notify = createNotify(ctx);
  ctx.sidebar = createSidebar(ctx, { root: document.getElementById("companion-list"), prefix: "companion-card" });
  ctx.connection.connect();
  return ctx;
}

const root = document.getElementById("companions");
if (root) startListPage(root);
