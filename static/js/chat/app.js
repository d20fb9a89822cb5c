// Owns the chat page's assembly: creates every part with the shared context (ctx), adopts the page, connects.
// Parts reach each other through ctx when they run, not when they are created.
import { applyAccent } from "../lib/dom.js";
import { localizeTimes } from "../lib/time.js";
import { debugEnabled } from "../lib/debug.js";
import { createComposer } from "./composer.js";
import { createConnection } from "./connection.js";
import { createHistory } from "./history.js";
import { createMessageList } from "./message-list.js";
import { createMessageMenu } from "./message-menu.js";
import { createNotices } from "./notices.js";
import { createNotify } from "./notify.js";
import { createOutboxView } from "./outbox-view.js";
import { createPhotos } from "./photos.js";
import { createProactive } from "./proactive.js";
import { createReceipts } from "./receipts.js";
import { createReplies } from "./replies.js";
import { createScroll } from "./scroll.js";
import { createSidebar } from "./sidebar.js";
import { createStream } from "./stream.js";
import { createSync } from "./sync.js";
import { createVoiceRecorder } from "./voice.js";
import { createVoicePlayer } from "./voice-player.js";

export function startChat(root) {
  const renderedSeq = Number.parseInt(root.dataset.lastSeq, 10);
  const ctx = {
    root,
    girlId: root.dataset.girlId,
    companionName: root.dataset.companionName || "She",
    username: root.dataset.username || "",
    maxLength: Number.parseInt(root.dataset.maxLength, 10) || 4000,
    list: document.getElementById("messages"),
    scroller: document.getElementById("message-scroller"),
    input: document.getElementById("message-input"),
  };
  applyAccent(document.documentElement, root);

  // The connection (the socket) first and sync (ctx.sync.on) second; the rest in any order.
  ctx.connection = createConnection(ctx);
  ctx.sync = createSync(ctx, Number.isInteger(renderedSeq) && renderedSeq >= 0 ? renderedSeq : 0);
  ctx.scroll = createScroll(ctx);
  ctx.receipts = createReceipts(ctx);
  ctx.messages = createMessageList(ctx);
  ctx.outboxView = createOutboxView(ctx);  // also sets ctx.outbox, the queue (outbox.js)
  ctx.history = createHistory(ctx, root.dataset.hasMore === "true");
  ctx.stream = createStream(ctx);
  ctx.replies = createReplies(ctx);
  ctx.photos = createPhotos(ctx);
  ctx.menu = createMessageMenu(ctx);
  ctx.notices = createNotices(ctx);
  ctx.composer = createComposer(ctx);
  ctx.voice = createVoiceRecorder(ctx);
  ctx.player = createVoicePlayer(ctx);
  ctx.notify = createNotify(ctx);
  ctx.proactive = createProactive(ctx);
  ctx.sidebar = createSidebar(ctx);   // the conversation's own handlers of the same events run first

  // Adopt the server-rendered messages (and the reply being streamed, if any), then the outbox.
  for (const node of ctx.list.querySelectorAll(".message")) ctx.messages.register(node);
  localizeTimes(ctx.list);
  ctx.outboxView.restore();
  ctx.messages.changed();
  ctx.composer.onInputChanged();
  ctx.scroll.toBottom();
  ctx.history.fillWindow();
  ctx.connection.connect();

  // A handle for the browser console (?debug=1).
  if (debugEnabled) {
    window.dreamchat = { socket: ctx.connection.socket, items: ctx.outbox.items, outboxKey: ctx.outboxView.key, ctx };
  }
}
