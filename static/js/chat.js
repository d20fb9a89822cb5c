// DreamChat's browser side: one small module, no framework, no build.
// The conversation page talks to the server over Socket.IO as described in docs/protocol.md;
// every other page only gets local times and companion colours.
// All user and companion text goes into the page through textContent, never innerHTML.

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
const PAGE_SIZE = 50;
const ACK_TIMEOUT_MS = 10000;
const SEND_TIMEOUT_MS = 8000;       // an unanswered send is sent again (same client_id) after this
const SYNC_TIMEOUT_MS = 5000;       // no `sync` after connecting: ask for it
const STREAM_SNAPSHOT_MS = 1000;    // after a sync, streams not refreshed by then are gone
const INTERNAL_RETRIES = 3;         // `internal` error acks retried this many times, then failed
const INTERNAL_BACKOFF_MS = 1000;
const TYPING_REPEAT_MS = 1500;
const TYPING_IDLE_MS = 2000;
const MAX_INPUT_LINES = 6;
const NEAR_BOTTOM_PX = 96;
const LOAD_OLDER_PX = 160;
const MAX_IDS_PER_MARK_READ = 200;
const MORE_ICON = "M5 12h.01M12 12h.01M19 12h.01";
const EDIT_ICON = "M4 20h4L19 9a2.8 2.8 0 0 0-4-4L4 16zM13.5 6.5l4 4";
const DELETE_ICON = "M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3";
const REGENERATE_ICON = "M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7";
const CAMERA_ICON = "M4 8.5A2.5 2.5 0 0 1 6.5 6h1.6l1.4-2h5l1.4 2h1.6A2.5 2.5 0 0 1 20 8.5v8a2.5 2.5 0 0 1-2.5 2.5h-11"
  + "A2.5 2.5 0 0 1 4 16.5zM15.6 12.5a3.6 3.6 0 1 1-7.2 0 3.6 3.6 0 0 1 7.2 0z";

const debugEnabled = (() => {
  try {
    return new URLSearchParams(location.search).get("debug") === "1"
      || localStorage.getItem("dreamchatDebug") === "1";
  } catch {
    return false;
  }
})();

function debug(...args) {
  if (debugEnabled) console.log("[dreamchat]", ...args);
}

// ---------------------------------------------------------------- small helpers

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function svgIcon(pathData, { size = 16, fill = "none", stroke = "currentColor", strokeWidth = 2 } = {}) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", pathData);
  path.setAttribute("fill", fill);
  if (fill === "none") {
    path.setAttribute("stroke", stroke);
    path.setAttribute("stroke-width", String(strokeWidth));
    path.setAttribute("stroke-linecap", "round");
    path.setAttribute("stroke-linejoin", "round");
  }
  svg.append(path);
  return svg;
}

function newClientId() {
  if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // crypto.randomUUID needs a secure context; getRandomValues does not.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function parseTime(iso) {
  const date = iso ? new Date(iso) : new Date();
  return Number.isNaN(date.getTime()) ? new Date() : date;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long" });
const dateFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const longDateFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "long", year: "numeric" });

function formatClock(date) {
  return timeFormat.format(date);
}

function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

function daysAgo(date) {
  return Math.round((startOfDay(new Date()) - startOfDay(date)) / 86400000);
}

function formatDay(date) {
  const ago = daysAgo(date);
  if (ago === 0) return "Today";
  if (ago === 1) return "Yesterday";
  if (ago > 1 && ago < 7) return dayFormat.format(date);
  return date.getFullYear() === new Date().getFullYear() ? dateFormat.format(date) : longDateFormat.format(date);
}

/** The list page: "14:05" today, "Yesterday", a weekday this week, a date before. */
function formatRelative(date) {
  const ago = daysAgo(date);
  if (ago === 0) return formatClock(date);
  if (ago === 1) return "Yesterday";
  if (ago > 1 && ago < 7) return dayFormat.format(date);
  return dateFormat.format(date);
}

function localizeTimes(root) {
  for (const time of root.querySelectorAll("time[datetime]")) {
    const date = new Date(time.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) continue;
    time.textContent = time.dataset.format === "relative" ? formatRelative(date) : formatClock(date);
    time.title = date.toLocaleString();
  }
}

/** Companion colours from data-accent / data-accent2, applied through CSSOM (CSP allows it). */
function applyAccent(target, source) {
  const accent = source.dataset.accent;
  const accent2 = source.dataset.accent2;
  if (accent && HEX_COLOR.test(accent)) target.style.setProperty("--accent", accent);
  if (accent2 && HEX_COLOR.test(accent2)) target.style.setProperty("--accent-2", accent2);
}

// ---------------------------------------------------------------- every page

localizeTimes(document);
for (const card of document.querySelectorAll(".companion-card[data-accent], .memory-group[data-accent]")) {
  applyAccent(card, card);
}

// Destructive forms ask first (the memory page's "Erase everything").
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

const chatRoot = document.getElementById("chat");
if (chatRoot) {
  if (typeof window.io !== "function") {
    const status = document.getElementById("connection-status");
    if (status) {
      status.dataset.state = "disconnected";
      status.querySelector(".connection__text").textContent = "Chat unavailable";
    }
    console.error("[dreamchat] the Socket.IO client did not load");
  } else {
    startChat(chatRoot);
  }
}

// ---------------------------------------------------------------- the conversation page

function startChat(root) {
  const girlId = root.dataset.girlId;
  const companionName = root.dataset.companionName || "She";
  const username = root.dataset.username || "";
  const maxLength = Number.parseInt(root.dataset.maxLength, 10) || 4000;
  let hasMore = root.dataset.hasMore === "true";
  applyAccent(document.documentElement, root);

  const scroller = document.getElementById("message-scroller");
  const list = document.getElementById("messages");
  const typingBubble = document.getElementById("typing-indicator");
  const headerTyping = root.querySelector(".chat-header__typing");
  const headerAbout = root.querySelector(".chat-header__about");
  const historyStatus = document.getElementById("history-status");
  const newMessagesPill = document.getElementById("new-messages");
  const statusBox = document.getElementById("connection-status");
  const statusText = statusBox.querySelector(".connection__text");
  const reconnectButton = document.getElementById("reconnect-button");
  const retryBar = document.getElementById("reply-retry");
  const retryBarDetail = retryBar.querySelector(".reply-retry__detail");
  const retryBarButton = retryBar.querySelector(".reply-retry__button");
  const composer = document.getElementById("composer");
  const input = document.getElementById("message-input");
  const sendButton = document.getElementById("send-button");
  const counter = document.getElementById("char-counter");
  const photoButton = document.getElementById("photo-button");
  const photoPopover = document.getElementById("photo-popover");
  const photoContext = document.getElementById("photo-context");
  const photoSend = document.getElementById("photo-send");
  const photoCancel = document.getElementById("photo-cancel");

  const pageUrl = location.pathname + location.search;
  const byId = new Map();          // server id -> element
  const byClientId = new Map();    // client_id -> element (the user's own messages)
  const knownRead = new Set();     // ids reported read before their element knew its id
  const unreadFromHer = new Set(); // her message ids the server still thinks are unread
  const markingRead = new Set();   // ids in a mark_read call that has not answered yet
  let connectedOnce = false;
  let loadingOlder = false;
  let leaving = false;
  let stickToBottom = true;
  const renderedSeq = Number.parseInt(root.dataset.lastSeq, 10);
  let lastSeq = Number.isInteger(renderedSeq) && renderedSeq >= 0 ? renderedSeq : null;
  let sequenced = false;            // the server numbers its events (seq) and replays them (sync)

  // ------------------------------------------------------------ socket

  const socket = window.io({
    // Sent on every (re)connection: the server replays what this page has not seen yet.
    auth: (send) => send(lastSeq === null ? {} : { last_seq: lastSeq }),
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnection: true,
    reconnectionAttempts: 5,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
    randomizationFactor: 0,
  });

  if (debugEnabled) {
    socket.onAny((event, ...args) => debug("in", event, ...args));
    socket.onAnyOutgoing((event, ...args) => debug("out", event, ...args.filter((a) => typeof a !== "function")));
  }

  /** Emit with an ack timeout; callback(error, ack). An `unauthorized` ack goes to the login page. */
  function request(event, payload, callback, timeout = ACK_TIMEOUT_MS) {
    socket.timeout(timeout).emit(event, payload, (error, ack) => {
      if (error) debug("ack timeout", event, payload);
      else debug("ack", event, ack);
      if (!error && ack && ack.ok === false && ack.error && ack.error.code === "unauthorized") {
        goToLogin();
        return;
      }
      callback(error, ack);
    });
  }

  function errorText(ack, fallback) {
    return (ack && ack.error && ack.error.message) || fallback;
  }

  function goToLogin(withNext = true) {
    if (leaving) return;
    leaving = true;
    socket.disconnect();
    location.assign(withNext ? `/login?next=${encodeURIComponent(pageUrl)}` : "/login");
  }

  // ------------------------------------------------------------ ordered delivery
  // Conversation events carry a per-user `seq`. They are applied in seq order exactly once:
  // duplicates (a replay overlapping live events) are dropped, an event that arrives early
  // waits for the missing ones, which a `sync` request fetches. Events without seq (an older
  // server) are applied as they come.

  const handlers = new Map();
  const early = new Map();          // seq -> [name, payload], waiting for a gap to fill
  let gapTimer = 0;
  let resetting = false;            // the list is being rebuilt: events wait until it is in place

  function onSequenced(name, handler) {
    handlers.set(name, handler);
    socket.on(name, (payload) => accept(name, payload));
  }

  function apply(name, payload) {
    const handler = handlers.get(name);
    if (!handler) return;
    try {
      handler(payload);
    } catch (error) {
      console.error("[dreamchat] handling", name, "failed", error);
    }
  }

  function accept(name, payload) {
    const seq = payload && payload.seq;
    if (!Number.isInteger(seq)) {
      apply(name, payload);
      return;
    }
    sequenced = true;
    if (lastSeq === null) lastSeq = seq - 1;
    if (seq <= lastSeq || early.has(seq)) {
      debug("duplicate dropped", name, seq);
      return;
    }
    early.set(seq, [name, payload]);
    drain();
  }

  function drain() {
    if (resetting) return;
    while (early.has(lastSeq + 1)) {
      lastSeq += 1;
      const [name, payload] = early.get(lastSeq);
      early.delete(lastSeq);
      apply(name, payload);
    }
    for (const seq of early.keys()) if (seq <= lastSeq) early.delete(seq);
    if (!early.size) {
      clearTimeout(gapTimer);
      gapTimer = 0;
    } else if (!gapTimer) {
      // Give an in-flight ack a moment to fill the gap, then ask the server.
      gapTimer = setTimeout(requestSync, 1000);
    }
  }

  /** Never stall: when the server cannot fill a gap, go on with what we have. */
  function skipGap() {
    if (!early.size || resetting) return;
    lastSeq = Math.min(...early.keys()) - 1;
    drain();
  }

  function requestSync() {
    gapTimer = 0;
    if (!early.size) return;
    if (!socket.connected) return; // the reconnection's auth asks for the replay
    debug("gap after seq", lastSeq, "asking for a replay");
    request("sync", { last_seq: lastSeq }, (error, ack) => {
      if (error || !ack || !ack.ok) skipGap();
    });
  }

  // Each `sync` starts a new snapshot round: the server follows it with one message_delta (offset 0,
  // the whole text so far) per reply still streaming. A streaming bubble not refreshed by that
  // snapshot belongs to a stream that ended while we were away: it goes.
  let snapshotRound = 0;
  let snapshotTimer = 0;

  function sweepStaleStreams() {
    snapshotTimer = 0;
    for (const node of list.querySelectorAll('.message[data-status="streaming"]')) {
      if (Number(node.dataset.snapshot || 0) < snapshotRound) {
        debug("stream not in the snapshot: dropped", node.dataset.id);
        removeNode(node);
      }
    }
  }

  socket.on("sync", (data) => {
    if (!data) return;
    sequenced = true;
    snapshotRound += 1;
    clearTimeout(snapshotTimer);
    snapshotTimer = setTimeout(sweepStaleStreams, STREAM_SNAPSHOT_MS);
    if (data.reset) {
      // Too much to replay (or the server's numbering restarted): rebuild the list from the API.
      // Numbering goes on from the server's last_seq; events arriving meanwhile wait in `early`.
      if (Number.isInteger(data.last_seq)) {
        lastSeq = data.last_seq;
        for (const seq of early.keys()) if (seq <= lastSeq) early.delete(seq);
      }
      rebuildConversation().finally(syncApplied);
      return;
    }
    for (const event of Array.isArray(data.events) ? data.events : []) {
      if (event && event.payload) accept(event.name, event.payload);
    }
    if (Number.isInteger(data.last_seq) && (lastSeq === null || data.last_seq > lastSeq)) {
      lastSeq = data.last_seq;
    }
    drain();
    skipGap();
    syncApplied();
  });

  /** The sending tab gets its own message in the ack, not as an event: it still counts. */
  function noteAckSeq(ack) {
    if (ack && Number.isInteger(ack.seq) && ack.message) {
      accept("message_received", { message: ack.message, seq: ack.seq });
    }
  }

  // ------------------------------------------------------------ connection indicator
  // connecting -> syncing (connected, the replay not applied yet) -> connected;
  // reconnecting while socket.io retries; disconnected when it gave up (Retry button).

  let syncTimer = 0;
  let synced = false;               // this connection's replay is applied
  let canSend = false;              // connected and caught up: the outbox may go out

  function setConnection(state, text) {
    statusBox.dataset.state = state;
    statusText.textContent = text;
    reconnectButton.hidden = state !== "disconnected";
    root.dataset.connection = state;
  }

  setConnection("connecting", "Connecting…");

  // The transport is up: the server is about to replay what we missed (`sync`).
  socket.io.on("open", () => {
    debug("transport open");
    if (lastSeq !== null && !leaving) setConnection("syncing", "Syncing…");
  });

  socket.on("connect", () => {
    debug("connect", socket.id);
    const reconnected = connectedOnce;
    connectedOnce = true;
    // python-socketio sends the events of its connect handler (`sync` among them) before the
    // namespace CONNECT packet, and socket.io-client delivers them just before `connect`:
    // usually the replay is applied already.
    if (synced) return;
    if (lastSeq === null) {
      // Nothing to replay from (an older server): no sync is coming.
      caughtUp();
      if (reconnected && !sequenced) catchUp();
      return;
    }
    setConnection("syncing", "Syncing…");
    clearTimeout(syncTimer);
    syncTimer = setTimeout(() => {
      if (synced || !socket.connected) return;
      request("sync", { last_seq: lastSeq || 0 }, (error, ack) => {
        if ((error || !ack || !ack.ok) && !synced && socket.connected) caughtUp();
      });
    }, SYNC_TIMEOUT_MS);
  });

  function syncApplied() {
    if (!synced && socket.connected) caughtUp();
  }

  function caughtUp() {
    clearTimeout(syncTimer);
    synced = true;
    setConnection("connected", "Connected");
    canSend = true;
    pump();
    markVisibleRead();
  }

  socket.on("disconnect", (reason) => {
    debug("disconnect", reason);
    synced = false;
    canSend = false;
    clearTimeout(syncTimer);
    abandonInFlight();
    showTyping(false);
    closeMenu();
    if (leaving) return;
    if (socket.active) {
      setConnection("reconnecting", navigator.onLine === false ? "Offline — waiting…" : "Reconnecting…");
    } else {
      // "io server disconnect" (e.g. signed out elsewhere) or our own disconnect: no automatic retry.
      setConnection("disconnected", "Disconnected");
    }
  });

  socket.on("connect_error", (error) => {
    debug("connect_error", error && error.message);
    if (error && error.message === "unauthorized") {
      goToLogin();
      return;
    }
    if (!socket.active) setConnection("disconnected", "Disconnected");
  });

  socket.io.on("reconnect_attempt", (attempt) => {
    debug("reconnect_attempt", attempt);
    if (navigator.onLine === false) setConnection("reconnecting", "Offline — waiting…");
    else setConnection("reconnecting", `Reconnecting (attempt ${attempt})…`);
  });

  socket.io.on("reconnect_failed", () => {
    debug("reconnect_failed");
    setConnection("disconnected", "Disconnected");
  });

  /** Reconnect right away instead of waiting for socket.io's next attempt. */
  function reconnectNow() {
    if (socket.connected || leaving) return;
    socket.disconnect(); // not connected: only cancels the pending attempt, no disconnect event
    setConnection(connectedOnce ? "reconnecting" : "connecting", connectedOnce ? "Reconnecting…" : "Connecting…");
    socket.connect();
  }

  reconnectButton.addEventListener("click", reconnectNow);
  window.addEventListener("online", () => {
    debug("browser online");
    reconnectNow();
  });
  window.addEventListener("offline", () => {
    debug("browser offline");
    if (!socket.connected && statusBox.dataset.state === "reconnecting") {
      setConnection("reconnecting", "Offline — waiting…");
    }
  });

  socket.on("logged_out", () => {
    window.dreamchatSession?.clearOutboxes(); // static/js/session.js
    goToLogin(false);
  });

  // ------------------------------------------------------------ messages in the DOM

  const STATUS_LABELS = { pending: "Sending", sent: "Sent", read: "Read", failed: "Not sent" };

  function idOf(node) {
    return Number.parseInt(node.dataset.id, 10) || 0;
  }

  function textOf(node) {
    const text = node.querySelector(".message__text");
    return text ? text.textContent : "";
  }

  function setStatus(node, status, reason) {
    node.dataset.status = status;
    const label = node.querySelector(".message__status .visually-hidden");
    if (label) label.textContent = STATUS_LABELS[status] || "";
    let failure = node.querySelector(".message__failure");
    if (status !== "failed") {
      if (failure) failure.remove();
      return;
    }
    if (!failure) {
      failure = el("div", "message__failure");
      failure.setAttribute("role", "alert");
      failure.append(el("span", "message__failure-text"));
      const retry = el("button", "message__retry link-button", "Retry");
      retry.type = "button";
      retry.setAttribute("aria-label", "Retry sending this message");
      retry.addEventListener("click", () => retryItem(node.dataset.clientId));
      const discard = el("button", "message__discard link-button", "Discard");
      discard.type = "button";
      discard.setAttribute("aria-label", "Discard this message");
      discard.addEventListener("click", () => discardItem(node.dataset.clientId));
      failure.append(retry, discard);
      node.append(failure);
    }
    failure.querySelector(".message__failure-text").textContent = reason ? `Not sent: ${reason}` : "Not sent.";
  }

  function setServerId(node, id) {
    if (!id) return;
    node.dataset.id = String(id);
    byId.set(id, node);
    if (node.dataset.sender === "user" && knownRead.has(id)) {
      knownRead.delete(id);
      setStatus(node, "read");
    }
    decorate(node);
  }

  function setTime(node, iso) {
    if (!iso) return;
    node.dataset.createdAt = iso;
    const meta = node.querySelector(".message__meta");
    if (!meta) return;
    let time = meta.querySelector(".message__time");
    if (!time) {
      time = el("time", "message__time");
      meta.prepend(time);
    }
    time.dateTime = iso;
    time.textContent = formatClock(parseTime(iso));
    time.title = parseTime(iso).toLocaleString();
  }

  function setEdited(node, editedAt) {
    if (!editedAt) return;
    const meta = node.querySelector(".message__meta");
    if (!meta) return;
    let label = meta.querySelector(".message__edited");
    if (!label) {
      label = el("span", "message__edited", "edited");
      meta.prepend(label);
    }
    label.title = `Edited ${parseTime(editedAt).toLocaleString()}`;
  }

  function setText(node, content) {
    let text = node.querySelector(".message__text");
    if (!content) {
      if (text && node.dataset.type === "photo") text.remove();
      else if (text) text.textContent = "";
      return;
    }
    if (!text) {
      text = el("p", "message__text");
      node.querySelector(".bubble").insertBefore(text, node.querySelector(".message__meta"));
    }
    if (text.textContent !== content) text.textContent = content;
  }

  /** The same markup as templates/chat/_message.html. */
  function buildMessage(message) {
    const isUser = message.sender === "user";
    const isPhoto = message.type === "photo";
    const streaming = message.status === "streaming";
    const node = el("div", `message message--${isUser ? "user" : "girl"}${isPhoto ? " message--photo" : ""}`);
    node.dataset.sender = isUser ? "user" : "girl";
    node.dataset.type = isPhoto ? "photo" : "text";
    node.dataset.createdAt = message.created_at || new Date().toISOString();
    if (message.id) node.dataset.id = String(message.id);
    if (isUser) node.dataset.clientId = message.client_id || "";
    else node.dataset.read = message.read_at ? "true" : "false";
    if (streaming) node.dataset.status = "streaming";

    const bubble = el("div", "bubble");
    if (isPhoto && message.photo_url) {
      const link = el("a", "photo-link");
      link.href = message.photo_url;
      link.target = "_blank";
      link.rel = "noopener";
      const img = el("img", "photo");
      img.alt = message.content || "Photo";
      img.width = message.photo_width || message.width || 768;
      img.height = message.photo_height || message.height || 768;
      img.decoding = "async";
      img.src = message.photo_url;
      link.append(img);
      bubble.append(link);
    }
    if (message.content || streaming) bubble.append(el("p", "message__text", message.content || ""));
    const meta = el("span", "message__meta");
    if (message.edited_at) {
      const edited = el("span", "message__edited", "edited");
      edited.title = `Edited ${parseTime(message.edited_at).toLocaleString()}`;
      meta.append(edited);
    }
    if (!streaming) {
      const time = el("time", "message__time", formatClock(parseTime(message.created_at)));
      time.dateTime = node.dataset.createdAt;
      meta.append(time);
    }
    if (isUser) {
      const status = el("span", "message__status");
      status.append(el("span", "visually-hidden"));
      meta.append(status);
    }
    bubble.append(meta);
    node.append(bubble);
    if (message.safety === "crisis" && message.resources) node.append(buildCrisisCard(message.resources));
    // localStatus is the optimistic message's; a server message is sent, or read once read_at is set.
    if (isUser) setStatus(node, message.localStatus || (message.read_at ? "read" : "sent"), message.localReason);
    return node;
  }

  /** The crisis lines under a crisis reply: the same markup as crisis_card in _message.html. */
  function buildCrisisCard(resources) {
    const card = el("aside", "crisis-card");
    card.setAttribute("role", "note");
    card.setAttribute("aria-label", resources.title || "Crisis support");
    if (resources.title) card.append(el("p", "crisis-card__title", resources.title));
    if (resources.intro) card.append(el("p", "crisis-card__intro", resources.intro));
    const lines = el("ul", "crisis-card__lines");
    for (const line of resources.lines || []) {
      const item = el("li", "crisis-card__line");
      let name;
      if (line.url) {
        name = el("a", "crisis-card__name", line.name);
        name.href = line.url;
        name.target = "_blank";
        name.rel = "noopener";
      } else if (line.tel) {
        name = el("a", "crisis-card__name", line.name);
        name.href = `tel:${line.tel}`;
      } else {
        name = el("span", "crisis-card__name", line.name);
      }
      item.append(name);
      if (line.detail) item.append(el("span", "crisis-card__detail", line.detail));
      if (line.tel || line.sms) {
        const actions = el("span", "crisis-card__actions");
        for (const [scheme, number, label] of [["tel", line.tel, resources.call_label || "Call"],
                                               ["sms", line.sms, resources.text_label || "Text"]]) {
          if (!number) continue;
          const action = el("a", "crisis-card__action", `${label} ${number}`);
          action.href = `${scheme}:${number}`;
          actions.append(action);
        }
        item.append(actions);
      }
      lines.append(item);
    }
    card.append(lines);
    return card;
  }

  /** Keep the indexes and follow-up work of a message element that is now in the list. */
  function register(node) {
    const id = idOf(node);
    if (id) byId.set(id, node);
    if (node.dataset.sender === "user") {
      if (node.dataset.clientId) byClientId.set(node.dataset.clientId, node);
      if (id && knownRead.has(id)) setServerId(node, id);
      if (id && node.dataset.clientId) settleOutbox(node.dataset.clientId);
    } else if (id && node.dataset.read !== "true" && node.dataset.status !== "streaming") {
      unreadFromHer.add(id);
    }
    const img = node.querySelector("img.photo");
    if (img && !img.complete) {
      img.addEventListener("load", () => {
        if (stickToBottom) scrollToBottom();
      }, { once: true });
    }
    decorate(node);
  }

  function knownMessage(message) {
    if (message.id && byId.has(message.id)) return byId.get(message.id);
    if (message.client_id && byClientId.has(message.client_id)) return byClientId.get(message.client_id);
    return null;
  }

  /** Update an element we already show with what the server says about it. */
  function refresh(node, message) {
    if (message.id && !node.dataset.id) setServerId(node, message.id);
    if (node.dataset.sender === "user") {
      if (message.read_at) setStatus(node, "read");
      else if (node.dataset.status !== "read") setStatus(node, "sent");
      if (node.dataset.clientId) settleOutbox(node.dataset.clientId);
    } else {
      if (node.dataset.status === "streaming" && message.status !== "streaming") {
        // The final text replaces what the stream showed.
        delete node.dataset.status;
        delete node.dataset.snapshot;
        if (!message.read_at) unreadFromHer.add(message.id);
      }
      if (message.read_at && node.dataset.read !== "true") {
        node.dataset.read = "true";
        unreadFromHer.delete(message.id);
      }
    }
    if (node.dataset.status !== "streaming") {
      if (typeof message.content === "string") setText(node, message.content);
      setTime(node, message.created_at);
      if (message.safety === "crisis" && message.resources && !node.querySelector(".crisis-card")) {
        node.append(buildCrisisCard(message.resources));
      }
    }
    setEdited(node, message.edited_at);
  }

  function lastServerId() {
    let last = 0;
    for (const id of byId.keys()) if (id > last) last = id;
    return last;
  }

  function firstServerId() {
    let first = 0;
    for (const id of byId.keys()) if (!first || id < first) first = id;
    return first;
  }

  // Messages stay in id order; those without an id yet (the user's unsent ones, photo
  // placeholders) stay at the end, in the order they were made.
  const ORDERED = ".message, .photo-pending";

  function neighbour(node, direction) {
    let other = direction < 0 ? node.previousElementSibling : node.nextElementSibling;
    while (other && !other.matches(ORDERED)) {
      other = direction < 0 ? other.previousElementSibling : other.nextElementSibling;
    }
    return other;
  }

  function inPlace(node) {
    const id = idOf(node);
    const previous = neighbour(node, -1);
    const next = neighbour(node, 1);
    if (!id) return !next || !idOf(next) ? true : false;
    return (!previous || (idOf(previous) && idOf(previous) < id)) && (!next || !idOf(next) || idOf(next) > id);
  }

  /** Put a message where its id belongs (moving it only when it is out of place). */
  function place(node) {
    if (node.parentNode === list && inPlace(node)) return;
    const id = idOf(node);
    let before = null;
    if (id) {
      for (const other of list.querySelectorAll(ORDERED)) {
        if (other === node) continue;
        const otherId = idOf(other);
        if (!otherId || otherId > id) { before = other; break; }
      }
    }
    list.insertBefore(node, before);
  }

  /** Append a message from the server (or the optimistic one) unless it is already shown. */
  function appendMessage(message, { own = false } = {}) {
    const existing = knownMessage(message);
    if (existing) {
      refresh(existing, message);
      listChanged();
      return existing;
    }
    const wasAtBottom = isNearBottom();
    const node = buildMessage(message);
    node.classList.add("message--new");
    place(node);
    register(node);
    listChanged();
    if (own || wasAtBottom) {
      scrollToBottom();
    } else if (message.sender !== "user") {
      newMessagesPill.hidden = false;
    }
    if (message.sender !== "user") markVisibleRead();
    return node;
  }

  function removeNode(node) {
    const id = idOf(node);
    if (id && byId.get(id) === node) byId.delete(id);
    if (id) unreadFromHer.delete(id);
    if (node.dataset.clientId && byClientId.get(node.dataset.clientId) === node) byClientId.delete(node.dataset.clientId);
    if (openMenu && openMenu.node === node) closeMenu();
    node.remove();
    listChanged();
  }

  // Ids are not unique over time (SQLite reuses the id of a deleted newest row): what is removed
  // is the element showing that id now, and nothing remembers it.
  function removeMessage(id) {
    const node = byId.get(id);
    if (node) removeNode(node);
  }

  /** After any change to the list: dividers and the one Regenerate button. */
  function listChanged() {
    updateDayDividers();
    updateRegenerate();
  }

  /** "Today", "Yesterday"… between messages of different local days. */
  function updateDayDividers() {
    for (const old of list.querySelectorAll(".day-divider")) old.remove();
    let previousDay = null;
    for (const node of list.querySelectorAll(".message")) {
      const date = parseTime(node.dataset.createdAt);
      const day = startOfDay(date);
      if (day !== previousDay) {
        const divider = el("div", "day-divider");
        divider.setAttribute("role", "separator");
        divider.append(el("span", "day-divider__label", formatDay(date)));
        node.before(divider);
        previousDay = day;
      }
    }
  }

  // ------------------------------------------------------------ scrolling

  function isNearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  }

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
    stickToBottom = true;
    newMessagesPill.hidden = true;
  }

  scroller.addEventListener("scroll", () => {
    stickToBottom = isNearBottom();
    if (stickToBottom) newMessagesPill.hidden = true;
    if (scroller.scrollTop < LOAD_OLDER_PX) loadOlder();
  }, { passive: true });

  newMessagesPill.addEventListener("click", () => {
    scroller.scrollTo({ top: scroller.scrollHeight, behavior: "smooth" });
    newMessagesPill.hidden = true;
    input.focus({ preventScroll: true });
  });

  // The composer growing or the window shrinking should not leave the last message hidden.
  new ResizeObserver(() => {
    if (stickToBottom) scroller.scrollTop = scroller.scrollHeight;
  }).observe(scroller);

  function setHistoryState(state) {
    historyStatus.dataset.state = state;
  }

  historyStatus.querySelector(".history-status__retry").addEventListener("click", () => loadOlder());

  async function fetchMessages(query) {
    const response = await fetch(`/api/conversations/${encodeURIComponent(girlId)}/messages?${query}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.status === 401 || response.redirected) {
      goToLogin();
      throw new Error("signed out");
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = await response.json();
    return Array.isArray(data.messages) ? data.messages : [];
  }

  async function loadOlder() {
    if (!hasMore || loadingOlder || resetting) return;
    const oldest = firstServerId();
    if (!oldest) return;
    loadingOlder = true;
    setHistoryState("loading");
    try {
      const messages = await fetchMessages(`before=${oldest}&limit=${PAGE_SIZE}`);
      const previousHeight = scroller.scrollHeight;
      const previousTop = scroller.scrollTop;
      const fragment = document.createDocumentFragment();
      const added = [];
      for (const message of messages) {
        if (knownMessage(message)) continue;
        const node = buildMessage(message);
        fragment.append(node);
        added.push(node);
      }
      list.prepend(fragment);
      for (const node of added) register(node);
      listChanged();
      scroller.scrollTop = previousTop + (scroller.scrollHeight - previousHeight);
      hasMore = messages.length >= PAGE_SIZE;
      setHistoryState(hasMore ? "more" : "start");
      if (added.length) markVisibleRead();
    } catch (error) {
      debug("loading older messages failed", error);
      setHistoryState("error");
      loadingOlder = false;
      return;
    }
    loadingOlder = false;
    // Still at the top (a short page, a tall window)? Keep going.
    if (hasMore && scroller.scrollTop < LOAD_OLDER_PX) loadOlder();
  }

  /** After a reconnect to a server without seq: fetch what we missed and read states. */
  async function catchUp() {
    let after = lastServerId();
    for (const node of list.querySelectorAll('.message[data-sender="user"][data-status="sent"]')) {
      const id = idOf(node);
      if (id && id - 1 < after) after = id - 1;
    }
    try {
      for (let page = 0; page < 20; page += 1) {
        const messages = await fetchMessages(`after=${after}&limit=100`);
        for (const message of messages) {
          const fresh = !knownMessage(message);
          appendMessage(message);
          if (fresh && message.type === "photo") {
            // The photo message does not carry its request_id: retire the oldest placeholder.
            const placeholder = list.querySelector(".photo-pending[data-state='making']");
            if (placeholder) placeholder.remove();
          }
          after = Math.max(after, message.id);
        }
        if (messages.length < 100) break;
      }
    } catch (error) {
      debug("catch-up failed", error);
    }
  }

  /** `sync` with reset: the newest page from the API, built off-DOM and swapped in at once.
   *  The user's unsent messages, streams and photo placeholders are kept. */
  async function rebuildConversation() {
    resetting = true;
    try {
      let messages;
      for (let attempt = 0; ; attempt += 1) {
        try {
          messages = await fetchMessages(`limit=${PAGE_SIZE}`);
          break;
        } catch (error) {
          if (leaving || attempt >= 2) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
        }
      }
      const serverClientIds = new Set(messages.map((m) => m.client_id).filter(Boolean));
      const serverIds = new Set(messages.map((m) => m.id));
      const fragment = document.createDocumentFragment();
      const nodes = [];
      for (const message of messages) {
        const node = buildMessage(message);
        fragment.append(node);
        nodes.push(node);
      }
      const kept = [];
      for (const node of list.querySelectorAll(".message, .photo-pending")) {
        const id = idOf(node);
        if (node.classList.contains("photo-pending")) kept.push(node);
        else if (node.dataset.status === "streaming" && !serverIds.has(id)) kept.push(node);
        else if (!id && node.dataset.sender === "user" && !serverClientIds.has(node.dataset.clientId)) kept.push(node);
      }
      for (const node of kept) fragment.append(node);
      byId.clear();
      byClientId.clear();
      unreadFromHer.clear();
      if (openMenu) closeMenu();
      list.replaceChildren(fragment);
      for (const node of nodes) register(node);
      for (const node of kept) if (node.classList.contains("message")) register(node);
      for (const clientId of serverClientIds) settleOutbox(clientId);
      hasMore = messages.length >= PAGE_SIZE;
      setHistoryState(hasMore ? "more" : "start");
      listChanged();
      scrollToBottom();
    } catch (error) {
      debug("rebuilding the conversation failed: reloading", error);
      if (!leaving) {
        leaving = true;
        location.reload();
      }
      return;
    } finally {
      resetting = false;
    }
    drain();
    skipGap();
    markVisibleRead();
  }

  // ------------------------------------------------------------ read receipts

  function markVisibleRead() {
    if (document.visibilityState !== "visible" || !socket.connected) return;
    const ids = [...unreadFromHer].filter((id) => !markingRead.has(id)).slice(0, MAX_IDS_PER_MARK_READ);
    if (!ids.length) return;
    for (const id of ids) markingRead.add(id);
    request("mark_read", { girl_id: girlId, message_ids: ids }, (error, ack) => {
      for (const id of ids) markingRead.delete(id);
      if (error || !ack || !ack.ok) return;
      // Ids not newly marked were already read (another tab): either way they are read now.
      for (const id of ids) {
        unreadFromHer.delete(id);
        const node = byId.get(id);
        if (node) node.dataset.read = "true";
      }
      if (unreadFromHer.size) markVisibleRead();
    });
  }

  // A live event can be lost between processes (a Redis hiccup) with no later event to reveal
  // the gap: catch up when the page comes back into view, and once a minute while it is open.
  function catchUp() {
    if (socket.connected && !resetting) request("sync", { last_seq: lastSeq }, () => {});
  }
  setInterval(() => { if (document.visibilityState === "visible") catchUp(); }, 60000);

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      markVisibleRead();
      if (!socket.connected && statusBox.dataset.state === "disconnected") reconnectNow();
      else catchUp();
    }
  });

  onSequenced("message_read", (payload) => {
    if (!payload || payload.girl_id !== girlId) return;
    const id = payload.message_id;
    const node = byId.get(id);
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

  // ------------------------------------------------------------ her side: messages, streams, typing

  onSequenced("message_received", (payload) => {
    const message = payload && payload.message;
    if (!message || message.girl_id !== girlId) return;
    if (message.sender === "girl") {
      showTyping(false);
      hideRetryBar();
    }
    appendMessage(message);
  });

  /** Add the part of `delta` (at `offset`, counted in code points as the server counts) not shown yet. */
  function applyDelta(node, offset, delta) {
    const text = node.querySelector(".message__text");
    const current = Array.from(text.textContent).length;
    const chars = Array.from(delta);
    if (offset > current || offset + chars.length <= current) return false;
    text.append(chars.slice(current - offset).join(""));
    return true;
  }

  // A reply being written: not sequenced. The final message_received (same id) replaces the text.
  socket.on("message_delta", (payload) => {
    if (!payload || payload.girl_id !== girlId) return;
    const id = payload.message_id;
    const { offset, delta } = payload;
    if (!Number.isInteger(id) || !Number.isInteger(offset) || offset < 0 || typeof delta !== "string") return;
    let node = byId.get(id);
    if (node && node.dataset.status !== "streaming") return; // already final
    showTyping(false);
    hideRetryBar();
    const wasAtBottom = isNearBottom();
    if (!node) {
      if (offset !== 0) return; // the start went missing: the next snapshot or the final text brings it
      node = buildMessage({ id, girl_id: girlId, sender: "girl", type: "text", content: "", status: "streaming",
                            created_at: new Date().toISOString() });
      node.classList.add("message--new");
      place(node);
      register(node);
      listChanged();
    }
    node.dataset.snapshot = String(snapshotRound);
    if (applyDelta(node, offset, delta)) {
      if (wasAtBottom) scrollToBottom();
      else newMessagesPill.hidden = false;
    }
  });

  onSequenced("message_deleted", (payload) => {
    if (!payload || payload.girl_id !== girlId || !Number.isInteger(payload.message_id)) return;
    removeMessage(payload.message_id);
  });

  onSequenced("message_updated", (payload) => {
    const message = payload && payload.message;
    if (!message || message.girl_id !== girlId) return;
    const node = knownMessage(message);
    if (!node) return;
    refresh(node, message);
    listChanged();
  });

  function showTyping(on) {
    const wasAtBottom = isNearBottom();
    typingBubble.hidden = !on;
    headerTyping.hidden = !on;
    headerAbout.hidden = on;
    if (on && wasAtBottom) scrollToBottom();
  }

  socket.on("typing", (payload) => {
    if (!payload || payload.girl_id !== girlId) return;
    showTyping(Boolean(payload.is_typing));
    if (payload.is_typing) hideRetryBar();
  });

  // ------------------------------------------------------------ regenerate her last reply

  /** The ↻ button lives on the last message only, and only when that is her finished text reply. */
  function updateRegenerate() {
    const messages = list.querySelectorAll(".message");
    const last = messages[messages.length - 1];
    const eligible = Boolean(last) && last.dataset.sender === "girl" && last.dataset.type === "text"
      && idOf(last) > 0 && last.dataset.status !== "streaming";
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
        showNotice("The server did not answer. Please try again.");
        return;
      }
      if (!ack || !ack.ok) {
        showNotice(errorText(ack, "This reply can't be written again."));
        return;
      }
      // Her new reply may already be streaming under the same id: remove only a finished one.
      const old = byId.get(ack.deleted_id || idOf(node));
      if (old && old.dataset.status !== "streaming") removeNode(old);
    });
  }

  // ------------------------------------------------------------ "couldn't answer — Retry"

  function showRetryBar(detail) {
    const wasAtBottom = isNearBottom();
    retryBarDetail.textContent = detail || "Your message is saved.";
    retryBarButton.disabled = false;
    retryBar.hidden = false;
    if (wasAtBottom) scrollToBottom();
  }

  function hideRetryBar() {
    retryBar.hidden = true;
  }

  retryBarButton.addEventListener("click", () => {
    if (retryBarButton.disabled) return;
    if (!socket.connected) {
      showNotice("You're offline — retry when the connection is back.");
      return;
    }
    retryBarButton.disabled = true;
    request("retry_reply", { girl_id: girlId }, (error, ack) => {
      retryBarButton.disabled = false;
      if (error) {
        showNotice("The server did not answer. Please try again.");
        return;
      }
      if (!ack || !ack.ok) {
        if (ack && ack.error && ack.error.code === "not_found") hideRetryBar(); // nothing left to answer
        else showNotice(errorText(ack, "Couldn't ask again."));
        return;
      }
      hideRetryBar();
    });
  });

  // ------------------------------------------------------------ the outbox
  // Every message and photo request is written to localStorage first (per signed-in user), shown
  // pending, and sent strictly in order, one at a time: the next goes only when the previous one
  // is acknowledged (the server handles events concurrently, so pipelining could reorder them).
  // Unanswered sends go again with the same client_id, which the server stores only once.

  const OUTBOX_KEY = `dreamchat.outbox.${username || "_"}`;
  const items = new Map();          // client_id -> item of this page, in sending order
  let sending = null;               // { clientId, token } of the one send waiting for its ack
  let backoffTimer = 0;

  function readOutbox() {
    try {
      const stored = JSON.parse(localStorage.getItem(OUTBOX_KEY) || "[]");
      return Array.isArray(stored)
        ? stored.filter((item) => item && typeof item.client_id === "string" && typeof item.girl_id === "string")
        : [];
    } catch {
      return [];
    }
  }

  function writeOutbox(stored) {
    try {
      if (stored.length) localStorage.setItem(OUTBOX_KEY, JSON.stringify(stored));
      else localStorage.removeItem(OUTBOX_KEY);
    } catch (error) {
      debug("outbox not saved", error); // private mode, quota: the page still holds the items
    }
  }

  /** Read-modify-write, so other tabs' items survive. */
  function persist(item) {
    const stored = readOutbox();
    const record = {
      client_id: item.client_id, girl_id: item.girl_id, kind: item.kind, content: item.content,
      context: item.context, created_at: item.created_at, state: item.state, error: item.error || null,
    };
    const index = stored.findIndex((other) => other.client_id === item.client_id);
    if (index >= 0) stored[index] = record;
    else stored.push(record);
    writeOutbox(stored);
  }

  function unpersist(clientId) {
    const stored = readOutbox();
    const kept = stored.filter((item) => item.client_id !== clientId);
    if (kept.length !== stored.length) writeOutbox(kept);
  }

  /** The server has it (its message is in the list): forget it. An ack still on its way is fine. */
  function settleOutbox(clientId) {
    if (!clientId || !items.has(clientId)) return;
    items.delete(clientId);
    unpersist(clientId);
  }

  function pump() {
    if (sending || backoffTimer || !canSend || !socket.connected) return;
    let item = null;
    for (const candidate of items.values()) {
      if (candidate.state === "pending") {
        item = candidate;
        break;
      }
    }
    if (!item) return;
    const token = {};
    sending = { clientId: item.client_id, token };
    const [event, payload] = item.kind === "photo"
      ? ["request_photo", { girl_id: girlId, context: item.context || "", client_id: item.client_id }]
      : ["send_message", { girl_id: girlId, content: item.content, client_id: item.client_id }];
    request(event, payload, (error, ack) => {
      if (!sending || sending.token !== token) return; // given up at a disconnect; sent again since
      sending = null;
      settle(item, error, ack);
      pump();
    }, SEND_TIMEOUT_MS);
  }

  /** At a disconnect the ack will not come: the item goes again (same client_id) after the reconnect. */
  function abandonInFlight() {
    if (sending) {
      const item = items.get(sending.clientId);
      if (item) item.resent = true;
    }
    sending = null;
    clearTimeout(backoffTimer);
    backoffTimer = 0;
  }

  function settle(item, error, ack) {
    if (error) {
      debug("no ack: sending again", item.client_id);
      item.resent = true; // pump() sends it again now, or after the reconnect
      return;
    }
    if (ack && ack.ok) {
      complete(item, ack);
      return;
    }
    if (!items.has(item.client_id)) return; // settled meanwhile
    const code = (ack && ack.error && ack.error.code) || "internal";
    const reason = errorText(ack, "Something went wrong.");
    if (code === "internal") {
      item.internalFailures = (item.internalFailures || 0) + 1;
      if (item.internalFailures <= INTERNAL_RETRIES) {
        item.resent = true;
        backoffTimer = setTimeout(() => {
          backoffTimer = 0;
          pump();
        }, INTERNAL_BACKOFF_MS * 2 ** (item.internalFailures - 1));
        return;
      }
    }
    fail(item, code, reason);
  }

  function complete(item, ack) {
    items.delete(item.client_id);
    unpersist(item.client_id);
    if (item.kind === "photo") {
      photoAcknowledged(item, ack);
      return;
    }
    const message = ack.message || {};
    const node = byClientId.get(item.client_id);
    if (node && node.isConnected) {
      setServerId(node, message.id);
      setTime(node, message.created_at);
      if (node.dataset.status !== "read") setStatus(node, message.read_at ? "read" : "sent");
      place(node);
    }
    if (Number.isInteger(ack.seq)) noteAckSeq(ack);
    else if (message.id) appendMessage(message);
    listChanged();
    hideRetryBar(); // a new message asks for an answer to all of them
  }

  function fail(item, code, reason) {
    debug("send failed", item.client_id, code, reason);
    item.state = "failed";
    item.error = { code, message: reason };
    persist(item);
    if (item.kind === "photo") {
      const placeholder = findPlaceholder(item.client_id);
      if (placeholder) setPlaceholderState(placeholder, "failed", reason);
      return;
    }
    const node = byClientId.get(item.client_id);
    if (node) setStatus(node, "failed", reason);
  }

  function retryItem(clientId) {
    const item = items.get(clientId);
    if (!item) return;
    item.state = "pending";
    item.error = null;
    item.internalFailures = 0;
    persist(item);
    if (item.kind === "photo") {
      const placeholder = findPlaceholder(clientId);
      if (placeholder) setPlaceholderState(placeholder, "queued");
    } else {
      const node = byClientId.get(clientId);
      if (node) setStatus(node, "pending");
    }
    pump();
  }

  function discardItem(clientId) {
    const item = items.get(clientId);
    if (sending && sending.clientId === clientId) return; // on its way: too late
    items.delete(clientId);
    unpersist(clientId);
    if (item && item.kind === "photo") {
      const placeholder = findPlaceholder(clientId);
      if (placeholder) placeholder.remove();
      return;
    }
    const node = byClientId.get(clientId);
    if (node && !idOf(node)) removeNode(node);
  }

  /** At load: this companion's unsent items, after the history (unless the server has them). */
  function loadOutbox() {
    for (const stored of readOutbox()) {
      if (stored.girl_id !== girlId || items.has(stored.client_id)) continue;
      if (stored.kind !== "photo" && byClientId.has(stored.client_id)) {
        unpersist(stored.client_id); // delivered: its ack was lost with the page
        continue;
      }
      const item = { ...stored, kind: stored.kind === "photo" ? "photo" : "message", resent: true,
                     state: stored.state === "failed" ? "failed" : "pending" };
      if (item.kind === "message" && (typeof item.content !== "string" || !item.content.trim())) {
        unpersist(item.client_id);
        continue;
      }
      items.set(item.client_id, item);
      if (item.kind === "photo") {
        const placeholder = photoPlaceholder(item.client_id, item.state === "failed" ? "failed" : "queued");
        if (item.state === "failed") setPlaceholderState(placeholder, "failed", item.error && item.error.message);
      } else {
        appendMessage({
          sender: "user", type: "text", content: item.content, client_id: item.client_id, girl_id: girlId,
          created_at: item.created_at, localStatus: item.state,
          localReason: item.state === "failed" && item.error ? item.error.message : undefined,
        }, { own: true });
      }
    }
  }

  // ------------------------------------------------------------ sending

  function send() {
    const content = input.value.trim();
    if (!content || content.length > maxLength) return;
    const item = { client_id: newClientId(), girl_id: girlId, kind: "message", content,
                   created_at: new Date().toISOString(), state: "pending" };
    items.set(item.client_id, item);
    persist(item);
    appendMessage({
      sender: "user", type: "text", content, client_id: item.client_id, girl_id: girlId,
      created_at: item.created_at, localStatus: "pending",
    }, { own: true });
    input.value = "";
    onInputChanged();
    stopTyping();
    pump();
  }

  composer.addEventListener("submit", (event) => {
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

  function autoGrow(area, maxLines) {
    area.style.setProperty("height", "auto");
    const styles = getComputedStyle(area);
    const lineHeight = Number.parseFloat(styles.lineHeight) || 22;
    const padding = Number.parseFloat(styles.paddingTop) + Number.parseFloat(styles.paddingBottom);
    const border = Number.parseFloat(styles.borderTopWidth) + Number.parseFloat(styles.borderBottomWidth);
    const max = lineHeight * maxLines + padding + border;
    const wanted = area.scrollHeight + border;
    area.style.setProperty("height", `${Math.min(wanted, max)}px`);
    return wanted > max;
  }

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
    if (!socket.connected) return;
    request("typing_indicator", { girl_id: girlId, is_typing: isTyping }, () => {});
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

  // ------------------------------------------------------------ photos

  function openPhotoPopover(open) {
    photoPopover.hidden = !open;
    photoButton.setAttribute("aria-expanded", String(open));
    photoButton.classList.toggle("is-active", open);
    if (open) photoContext.focus();
  }

  photoButton.addEventListener("click", () => openPhotoPopover(photoPopover.hidden));
  photoCancel.addEventListener("click", () => {
    openPhotoPopover(false);
    photoButton.focus();
  });
  photoPopover.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      openPhotoPopover(false);
      photoButton.focus();
    }
  });
  photoContext.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      requestPhoto();
    }
  });
  photoSend.addEventListener("click", requestPhoto);

  /** A photo request goes through the outbox like a message; its client_id is its request_id. */
  function requestPhoto() {
    const item = { client_id: newClientId(), girl_id: girlId, kind: "photo", context: photoContext.value.trim(),
                   created_at: new Date().toISOString(), state: "pending" };
    items.set(item.client_id, item);
    persist(item);
    photoPlaceholder(item.client_id, "queued");
    photoContext.value = "";
    openPhotoPopover(false);
    input.focus({ preventScroll: true });
    pump();
  }

  const finishedPhotos = new Set(); // request ids already delivered or failed

  function findPlaceholder(requestId) {
    for (const node of list.querySelectorAll(".photo-pending")) {
      if (node.dataset.requestId === requestId) return node;
    }
    return null;
  }

  /** The placeholder of a photo request: queued (not acknowledged yet), making, or failed. */
  function photoPlaceholder(requestId, state) {
    let node = findPlaceholder(requestId);
    if (!node) {
      const wasAtBottom = isNearBottom();
      node = el("div", "message-like message--girl message--new photo-pending");
      node.dataset.requestId = requestId;
      const bubble = el("div", "bubble photo-pending__bubble");
      const icon = el("span", "photo-pending__icon");
      icon.append(svgIcon(CAMERA_ICON, { size: 22 }));
      const progress = el("span", "photo-pending__progress");
      progress.setAttribute("role", "progressbar");
      progress.setAttribute("aria-label", "Photo progress");
      progress.setAttribute("aria-valuemin", "0");
      progress.setAttribute("aria-valuemax", "100");
      progress.hidden = true;
      progress.append(el("span", "photo-pending__bar"));
      bubble.append(icon, el("span", "photo-pending__text"), progress);
      node.append(bubble);
      list.append(node);
      if (wasAtBottom) scrollToBottom();
    }
    setPlaceholderState(node, state);
    return node;
  }

  function setPlaceholderState(node, state, reason) {
    node.dataset.state = state;
    const text = node.querySelector(".photo-pending__text");
    const bubble = node.querySelector(".photo-pending__bubble");
    const texts = {
      queued: `Asking ${companionName} for a photo…`,
      making: `${companionName} is taking a photo…`,
      failed: reason ? `Couldn't ask for the photo: ${reason}` : "Couldn't ask for the photo.",
    };
    text.textContent = texts[state] || texts.making;
    let actions = bubble.querySelector(".photo-pending__actions");
    if (state !== "failed") {
      if (actions) actions.remove();
      return;
    }
    if (!actions) {
      actions = el("span", "photo-pending__actions");
      const retry = el("button", "button button--small button--primary", "Retry");
      retry.type = "button";
      retry.addEventListener("click", () => retryItem(node.dataset.requestId));
      const discard = el("button", "button button--small button--ghost", "Discard");
      discard.type = "button";
      discard.addEventListener("click", () => discardItem(node.dataset.requestId));
      actions.append(retry, discard);
      bubble.append(actions);
    }
  }

  /** Her photo is being made (this tab's request or any other's): settle the outbox item. */
  function showPhotoPending(requestId) {
    if (!requestId || finishedPhotos.has(requestId)) return;
    settleOutbox(requestId);
    const node = photoPlaceholder(requestId, "making");
    node.dataset.confirmed = "true";
  }

  function photoAcknowledged(item, ack) {
    const requestId = ack.request_id || item.client_id;
    const placeholder = findPlaceholder(item.client_id) || findPlaceholder(requestId);
    if (finishedPhotos.has(requestId) || ack.status === "done" || ack.status === "failed") {
      if (placeholder) placeholder.remove();
      return;
    }
    if (!placeholder) return;
    if (placeholder.dataset.confirmed === "true" || !item.resent) {
      // photo_pending came, or is on its way: she is at it.
      setPlaceholderState(placeholder, "making");
      return;
    }
    // Sent again after a lost ack: the server may have made it long ago. If it had not,
    // photo_pending brings the placeholder back.
    placeholder.remove();
  }

  onSequenced("photo_pending", (payload) => {
    if (!payload || payload.girl_id !== girlId) return;
    showPhotoPending(payload.request_id);
  });

  socket.on("photo_progress", (payload) => {
    if (!payload || payload.girl_id !== girlId || !payload.request_id) return;
    if (finishedPhotos.has(payload.request_id)) return;
    const progress = Number(payload.progress);
    if (!Number.isFinite(progress)) return;
    const node = photoPlaceholder(payload.request_id, "making");
    const value = Math.min(1, Math.max(0, progress));
    node.style.setProperty("--progress", String(value));
    const bar = node.querySelector(".photo-pending__progress");
    bar.hidden = false;
    bar.setAttribute("aria-valuenow", String(Math.round(value * 100)));
  });

  onSequenced("photo_generated", (payload) => {
    if (!payload || payload.girl_id !== girlId) return;
    finishedPhotos.add(payload.request_id);
    settleOutbox(payload.request_id);
    const message = { ...(payload.message || {}) };
    if (!message.photo_url) message.photo_url = payload.photo_url;
    const placeholder = findPlaceholder(payload.request_id);
    if (placeholder && !knownMessage(message)) {
      const wasAtBottom = isNearBottom();
      const node = buildMessage(message);
      node.classList.add("message--new");
      placeholder.replaceWith(node);
      place(node);
      register(node);
      listChanged();
      if (wasAtBottom) scrollToBottom();
      markVisibleRead();
    } else {
      if (placeholder) placeholder.remove();
      appendMessage(message);
    }
  });

  onSequenced("chat_error", (payload) => {
    if (!payload || payload.girl_id !== girlId) return;
    if (payload.request_id) {
      finishedPhotos.add(payload.request_id);
      settleOutbox(payload.request_id);
      const placeholder = findPlaceholder(payload.request_id);
      if (placeholder) placeholder.remove();
      showNotice(payload.message || "The photo could not be made.");
      return;
    }
    showTyping(false);
    if (payload.retry === "reply") showRetryBar(payload.message);
    else showNotice(payload.message || "Something went wrong.");
  });

  // A notice from DreamChat itself (not from her): the break reminder.
  onSequenced("system_notice", (payload) => {
    if (!payload || payload.girl_id !== girlId || typeof payload.message !== "string") return;
    const wasAtBottom = isNearBottom();
    const notice = el("div", "system-notice");
    notice.setAttribute("role", "status");
    notice.dataset.kind = payload.kind || "";
    notice.append(el("span", "system-notice__label", "DreamChat"), el("p", "system-notice__text", payload.message));
    list.append(notice);
    if (wasAtBottom) scrollToBottom();
  });

  // ------------------------------------------------------------ her own messages: edit, delete
  // A small ⋯ button beside each of the user's sent messages (on hover with a mouse; a tap on the
  // bubble on touch screens) opens Edit and Delete.

  const touchScreen = window.matchMedia("(hover: none)");
  let openMenu = null;              // { node, menu }

  /** Extra controls for a message element; called whenever it is (re)registered. */
  function decorate(node) {
    if (node.dataset.sender !== "user" || node.dataset.type !== "text" || !idOf(node)) return;
    if (node.querySelector(".message__more")) return;
    const more = el("button", "message__more");
    more.type = "button";
    more.setAttribute("aria-label", "Message actions");
    more.setAttribute("aria-haspopup", "menu");
    more.setAttribute("aria-expanded", "false");
    more.append(svgIcon(MORE_ICON, { size: 18, strokeWidth: 3.2 }));
    more.addEventListener("click", (event) => {
      event.stopPropagation();
      toggleMenu(node);
    });
    node.prepend(more);
  }

  function toggleMenu(node) {
    if (openMenu && openMenu.node === node) closeMenu();
    else openMessageMenu(node);
  }

  function menuItem(label, icon, className) {
    const item = el("button", `message-menu__item ${className}`);
    item.type = "button";
    item.setAttribute("role", "menuitem");
    item.append(svgIcon(icon, { size: 16 }), el("span", null, label));
    return item;
  }

  function openMessageMenu(node) {
    closeMenu();
    if (!socket.connected) {
      showNotice("You're offline — edit or delete when the connection is back.");
      return;
    }
    const menu = el("div", "message-menu");
    menu.setAttribute("role", "menu");
    menu.setAttribute("aria-label", "Message actions");
    const edit = menuItem("Edit", EDIT_ICON, "message-menu__edit");
    const remove = menuItem("Delete", DELETE_ICON, "message-menu__delete");
    edit.addEventListener("click", () => {
      closeMenu();
      startEdit(node);
    });
    remove.addEventListener("click", () => confirmDelete(node, menu));
    menu.append(edit, remove);
    node.append(menu);
    node.classList.add("is-menu-open");
    const more = node.querySelector(".message__more");
    if (more) more.setAttribute("aria-expanded", "true");
    openMenu = { node, menu };
    positionMenu(node, menu);
    edit.focus({ preventScroll: true });
  }

  /** Above the bubble, or below it when the top of the list has no room. */
  function positionMenu(node, menu) {
    menu.classList.remove("message-menu--below");
    const room = node.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
    if (room < menu.offsetHeight + 12) menu.classList.add("message-menu--below");
  }

  function closeMenu() {
    if (!openMenu) return;
    const { node, menu } = openMenu;
    openMenu = null;
    menu.remove();
    node.classList.remove("is-menu-open");
    const more = node.querySelector(".message__more");
    if (more) more.setAttribute("aria-expanded", "false");
  }

  function confirmDelete(node, menu) {
    menu.replaceChildren();
    menu.classList.add("message-menu--confirm");
    menu.setAttribute("role", "group");
    menu.setAttribute("aria-label", "Delete this message?");
    const question = el("p", "message-menu__question", "Delete this message?");
    const row = el("div", "message-menu__row");
    const cancel = el("button", "button button--ghost button--small message-menu__cancel", "Cancel");
    cancel.type = "button";
    cancel.addEventListener("click", closeMenu);
    const confirm = el("button", "button button--danger button--small message-menu__confirm", "Delete");
    confirm.type = "button";
    confirm.addEventListener("click", () => {
      const id = idOf(node);
      confirm.disabled = true;
      request("delete_message", { girl_id: girlId, message_id: id }, (error, ack) => {
        closeMenu();
        if (error) {
          showNotice("The server did not answer; the message was not deleted.");
          return;
        }
        if (!ack || !ack.ok) {
          if (ack && ack.error && ack.error.code === "not_found") removeMessage(id); // already gone
          else showNotice(errorText(ack, "The message could not be deleted."));
          return;
        }
        removeMessage(id);
      });
    });
    row.append(cancel, confirm);
    menu.append(question, row);
    positionMenu(node, menu);
    confirm.focus({ preventScroll: true });
  }

  document.addEventListener("pointerdown", (event) => {
    if (openMenu && !openMenu.node.contains(event.target)) closeMenu();
  }, true);

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !openMenu) return;
    const more = openMenu.node.querySelector(".message__more");
    closeMenu();
    if (more) more.focus({ preventScroll: true });
  });

  // On touch screens there is no hover: a tap on one's own bubble opens its menu.
  list.addEventListener("click", (event) => {
    if (!touchScreen.matches) return;
    const bubble = event.target.closest(".message--user > .bubble");
    if (!bubble || event.target.closest("a, button, textarea, form")) return;
    const node = bubble.parentNode;
    if (!idOf(node) || node.classList.contains("message--editing")) return;
    toggleMenu(node);
  });

  function startEdit(node) {
    if (node.classList.contains("message--editing")) return;
    const bubble = node.querySelector(".bubble");
    const original = textOf(node);
    const form = el("form", "message-editor");
    const area = el("textarea", "message-editor__input");
    area.value = original;
    area.rows = 1;
    area.maxLength = maxLength;
    area.setAttribute("aria-label", "Edit your message");
    area.setAttribute("enterkeyhint", "done");
    const actions = el("div", "message-editor__actions");
    const hint = el("span", "message-editor__hint", "Enter to save · Esc to cancel");
    const cancel = el("button", "message-editor__button message-editor__cancel", "Cancel");
    cancel.type = "button";
    const save = el("button", "message-editor__button message-editor__save", "Save");
    save.type = "submit";
    actions.append(hint, cancel, save);
    form.append(area, actions);
    bubble.append(form);
    node.classList.add("message--editing");
    autoGrow(area, 8);
    area.focus({ preventScroll: true });
    area.setSelectionRange(area.value.length, area.value.length);

    const finish = () => {
      form.remove();
      node.classList.remove("message--editing");
      input.focus({ preventScroll: true });
    };
    cancel.addEventListener("click", finish);
    area.addEventListener("input", () => autoGrow(area, 8));
    area.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        finish();
      } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const content = area.value.trim();
      if (save.disabled) return;
      if (!content || content.length > maxLength) {
        area.focus();
        return;
      }
      if (content === original) {
        finish();
        return;
      }
      save.disabled = true;
      area.readOnly = true;
      request("edit_message", { girl_id: girlId, message_id: idOf(node), content }, (error, ack) => {
        save.disabled = false;
        area.readOnly = false;
        if (error) {
          showNotice("The server did not answer; the message was not changed.");
          return;
        }
        if (!ack || !ack.ok) {
          showNotice(errorText(ack, "The message could not be changed."));
          return;
        }
        finish();
        if (ack.message) {
          refresh(node, ack.message);
          listChanged();
        }
      });
    });
  }

  // ------------------------------------------------------------ notices

  function showNotice(text) {
    const wasAtBottom = isNearBottom();
    const notice = el("div", "notice");
    notice.setAttribute("role", "alert");
    notice.append(el("span", "notice__text", text));
    const close = el("button", "notice__close icon-button icon-button--small");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss");
    close.append(svgIcon("M6 6l12 12M18 6L6 18", { size: 14 }));
    close.addEventListener("click", () => notice.remove());
    notice.append(close);
    list.append(notice);
    if (wasAtBottom) scrollToBottom();
  }

  // ------------------------------------------------------------ start

  // Adopt the server-rendered messages (and the reply being streamed, if any), then the outbox.
  for (const node of list.querySelectorAll(".message")) register(node);
  localizeTimes(list);
  loadOutbox();
  listChanged();
  onInputChanged();
  scrollToBottom();
  if (hasMore && scroller.scrollHeight <= scroller.clientHeight + LOAD_OLDER_PX) loadOlder();

  // A handle for the browser console and tests.
  if (debugEnabled) window.dreamchat = { socket, items, outboxKey: OUTBOX_KEY };
}
