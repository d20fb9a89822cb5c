// DreamChat's browser side: one small module, no framework, no build.
// The conversation page talks to the server over Socket.IO as described in docs/protocol.md;
// every other page only gets local times and companion colours.
// All user and companion text goes into the page through textContent, never innerHTML.

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
const PAGE_SIZE = 50;
const ACK_TIMEOUT_MS = 10000;
const TYPING_REPEAT_MS = 1500;
const TYPING_IDLE_MS = 2000;
const MAX_INPUT_LINES = 6;
const NEAR_BOTTOM_PX = 96;
const LOAD_OLDER_PX = 160;
const MAX_IDS_PER_MARK_READ = 200;
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

function svgIcon(pathData, { size = 16, fill = "none", stroke = "currentColor" } = {}) {
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
    path.setAttribute("stroke-width", "2");
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
for (const card of document.querySelectorAll(".companion-card[data-accent]")) applyAccent(card, card);

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
  const outbox = new Map();        // client_id -> content, waiting for a connection
  const inFlight = new Set();      // client_ids emitted and not yet acknowledged
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

  /** Emit with a 10 s ack timeout; callback(error, ack). */
  function request(event, payload, callback) {
    socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (error, ack) => {
      if (error) debug("ack timeout", event, payload);
      else debug("ack", event, ack);
      if (!error && ack && ack.ok === false && ack.error && ack.error.code === "unauthorized") {
        goToLogin();
        return;
      }
      callback(error, ack);
    });
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
    if (!early.size) return;
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

  socket.on("sync", (data) => {
    if (!data) return;
    sequenced = true;
    if (data.reset) {
      // Too much to replay (or the server's numbering restarted): the page reloads its state.
      debug("sync reset: reloading");
      if (!leaving) {
        leaving = true;
        location.reload();
      }
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
  });

  /** The sending tab gets its own message in the ack, not as an event: it still counts. */
  function noteAckSeq(ack) {
    if (ack && Number.isInteger(ack.seq) && ack.message) {
      accept("message_received", { message: ack.message, seq: ack.seq });
    }
  }

  // ------------------------------------------------------------ connection indicator

  function setConnection(state, text) {
    statusBox.dataset.state = state;
    statusText.textContent = text;
    reconnectButton.hidden = state !== "disconnected";
    root.dataset.connection = state;
  }

  setConnection("connecting", "Connecting…");

  socket.on("connect", () => {
    debug("connect", socket.id);
    setConnection("connected", "Connected");
    const reconnected = connectedOnce;
    connectedOnce = true;
    flushOutbox();
    if (reconnected && !sequenced) catchUp();
    markVisibleRead();
  });

  socket.on("disconnect", (reason) => {
    debug("disconnect", reason);
    showTyping(false);
    if (leaving) return;
    if (socket.active) {
      setConnection("reconnecting", "Reconnecting…");
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
    setConnection("reconnecting", `Reconnecting (attempt ${attempt})…`);
  });

  socket.io.on("reconnect_failed", () => {
    debug("reconnect_failed");
    setConnection("disconnected", "Disconnected");
  });

  socket.io.on("reconnect", (attempt) => {
    debug("reconnect", attempt);
    setConnection("connected", "Connected");
  });

  reconnectButton.addEventListener("click", () => {
    setConnection("connecting", "Connecting…");
    socket.connect();
  });

  socket.on("logged_out", () => goToLogin(false));

  // ------------------------------------------------------------ messages in the DOM

  function setStatus(node, status) {
    node.dataset.status = status;
    const label = node.querySelector(".message__status .visually-hidden");
    if (label) {
      label.textContent = { pending: "Sending", sent: "Sent", read: "Read", failed: "Not sent" }[status] || "";
    }
    const failure = node.querySelector(".message__failure");
    if (status === "failed" && !failure) {
      const box = el("div", "message__failure");
      box.append(el("span", "message__failure-text", "Not sent."));
      const retry = el("button", "message__retry link-button", "Retry");
      retry.type = "button";
      retry.setAttribute("aria-label", "Retry sending this message");
      retry.addEventListener("click", () => {
        const clientId = node.dataset.clientId;
        setStatus(node, "pending");
        deliver(clientId, node.querySelector(".message__text").textContent);
      });
      box.append(retry);
      node.append(box);
    } else if (status !== "failed" && failure) {
      failure.remove();
    }
  }

  function setServerId(node, id) {
    if (!id) return;
    node.dataset.id = String(id);
    byId.set(id, node);
    if (node.dataset.sender === "user" && knownRead.has(id)) {
      knownRead.delete(id);
      setStatus(node, "read");
    }
  }

  /** The same markup as templates/chat/_message.html. */
  function buildMessage(message) {
    const isUser = message.sender === "user";
    const isPhoto = message.type === "photo";
    const node = el("div", `message message--${isUser ? "user" : "girl"}${isPhoto ? " message--photo" : ""}`);
    node.dataset.sender = isUser ? "user" : "girl";
    node.dataset.type = isPhoto ? "photo" : "text";
    node.dataset.createdAt = message.created_at || new Date().toISOString();
    if (message.id) node.dataset.id = String(message.id);
    if (isUser) node.dataset.clientId = message.client_id || "";
    else node.dataset.read = message.read_at ? "true" : "false";

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
    if (message.content) bubble.append(el("p", "message__text", message.content));
    const meta = el("span", "message__meta");
    const time = el("time", "message__time", formatClock(parseTime(message.created_at)));
    time.dateTime = node.dataset.createdAt;
    meta.append(time);
    if (isUser) {
      const status = el("span", "message__status");
      status.append(el("span", "visually-hidden"));
      meta.append(status);
    }
    bubble.append(meta);
    node.append(bubble);
    // localStatus is the optimistic message's; a server message is sent, or read once read_at is set.
    if (isUser) setStatus(node, message.localStatus || (message.read_at ? "read" : "sent"));
    return node;
  }

  /** Keep the indexes and follow-up work of a message element that is now in the list. */
  function register(node) {
    const id = Number.parseInt(node.dataset.id, 10);
    if (id) byId.set(id, node);
    if (node.dataset.sender === "user") {
      if (node.dataset.clientId) byClientId.set(node.dataset.clientId, node);
      if (id && knownRead.has(id)) setServerId(node, id);
    } else if (id && node.dataset.read !== "true") {
      unreadFromHer.add(id);
    }
    const img = node.querySelector("img.photo");
    if (img && !img.complete) {
      img.addEventListener("load", () => {
        if (stickToBottom) scrollToBottom();
      }, { once: true });
    }
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
    } else if (message.read_at && node.dataset.read !== "true") {
      node.dataset.read = "true";
      unreadFromHer.delete(message.id);
    }
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

  /** Append a message from the server (or the optimistic one) unless it is already shown. */
  function appendMessage(message, { own = false } = {}) {
    const existing = knownMessage(message);
    if (existing) {
      refresh(existing, message);
      return existing;
    }
    const wasAtBottom = isNearBottom();
    const node = buildMessage(message);
    node.classList.add("message--new");
    // Keep the list in id order: a late message (e.g. caught up after a reconnect) goes before
    // any newer one; optimistic messages without an id go last.
    let before = null;
    if (message.id) {
      for (const other of list.querySelectorAll(".message[data-id]")) {
        if (Number.parseInt(other.dataset.id, 10) > message.id) { before = other; break; }
      }
    }
    list.insertBefore(node, before);
    register(node);
    updateDayDividers();
    if (own || wasAtBottom) {
      scrollToBottom();
    } else if (message.sender !== "user") {
      newMessagesPill.hidden = false;
    }
    if (message.sender !== "user") markVisibleRead();
    return node;
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

  // Adopt the server-rendered messages.
  for (const node of list.querySelectorAll(".message")) register(node);
  localizeTimes(list);
  updateDayDividers();

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

  scrollToBottom();

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
    if (!hasMore || loadingOlder) return;
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
      updateDayDividers();
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

  if (hasMore && scroller.scrollHeight <= scroller.clientHeight + LOAD_OLDER_PX) loadOlder();

  /** After a reconnect: fetch what we missed and the read state of messages still marked sent. */
  async function catchUp() {
    let after = lastServerId();
    for (const node of list.querySelectorAll('.message[data-sender="user"][data-status="sent"]')) {
      const id = Number.parseInt(node.dataset.id, 10);
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
            const placeholder = list.querySelector(".photo-pending");
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

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") markVisibleRead();
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

  // ------------------------------------------------------------ her side: messages, typing

  onSequenced("message_received", (payload) => {
    const message = payload && payload.message;
    if (!message || message.girl_id !== girlId) return;
    if (message.sender === "girl") showTyping(false);
    appendMessage(message);
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
  });

  // ------------------------------------------------------------ sending

  function deliver(clientId, content) {
    const node = byClientId.get(clientId);
    if (!socket.connected) {
      outbox.set(clientId, content);
      if (node) setStatus(node, "pending");
      return;
    }
    outbox.delete(clientId);
    inFlight.add(clientId);
    request("send_message", { girl_id: girlId, content, client_id: clientId }, (error, ack) => {
      inFlight.delete(clientId);
      const target = byClientId.get(clientId);
      if (!target) return;
      if (error) {
        // No answer: if the connection dropped, send again (same client_id) once it is back.
        if (!socket.connected) deliver(clientId, content);
        else setStatus(target, "failed");
        return;
      }
      if (!ack || !ack.ok) {
        setStatus(target, "failed");
        const text = ack && ack.error && ack.error.message;
        if (text) showNotice(text);
        return;
      }
      const message = ack.message || {};
      setServerId(target, message.id);
      noteAckSeq(ack);
      if (message.created_at) {
        target.dataset.createdAt = message.created_at;
        const time = target.querySelector(".message__time");
        time.dateTime = message.created_at;
        time.textContent = formatClock(parseTime(message.created_at));
      }
      if (target.dataset.status !== "read") setStatus(target, message.read_at ? "read" : "sent");
    });
  }

  function flushOutbox() {
    for (const [clientId, content] of [...outbox]) {
      if (!inFlight.has(clientId)) deliver(clientId, content);
    }
  }

  function send() {
    const content = input.value.trim();
    if (!content || content.length > maxLength) return;
    const clientId = newClientId();
    appendMessage({
      sender: "user",
      type: "text",
      content,
      client_id: clientId,
      girl_id: girlId,
      created_at: new Date().toISOString(),
      localStatus: "pending",
    }, { own: true });
    input.value = "";
    onInputChanged();
    stopTyping();
    deliver(clientId, content);
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

  function autoGrow() {
    input.style.setProperty("height", "auto");
    const styles = getComputedStyle(input);
    const lineHeight = Number.parseFloat(styles.lineHeight) || 22;
    const padding = Number.parseFloat(styles.paddingTop) + Number.parseFloat(styles.paddingBottom);
    const border = Number.parseFloat(styles.borderTopWidth) + Number.parseFloat(styles.borderBottomWidth);
    const max = lineHeight * MAX_INPUT_LINES + padding + border;
    const wanted = input.scrollHeight + border;
    input.style.setProperty("height", `${Math.min(wanted, max)}px`);
    input.classList.toggle("composer__input--scroll", wanted > max);
  }

  function onInputChanged() {
    const length = input.value.length;
    const left = maxLength - length;
    const near = length >= Math.floor(maxLength * 0.9) || left <= 200;
    counter.hidden = !near;
    counter.textContent = near ? `${length} / ${maxLength}` : "";
    counter.classList.toggle("composer__counter--limit", left <= 0);
    sendButton.disabled = !input.value.trim() || length > maxLength;
    autoGrow();
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

  onInputChanged();

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

  function requestPhoto() {
    if (!socket.connected) {
      showNotice("You're offline — ask again when the connection is back.");
      return;
    }
    const context = photoContext.value.trim();
    const clientId = newClientId();
    photoSend.disabled = true;
    request("request_photo", { girl_id: girlId, context, client_id: clientId }, (error, ack) => {
      photoSend.disabled = false;
      if (error) {
        showNotice("The photo request got no answer. Please try again.");
        return;
      }
      if (!ack.ok) {
        showNotice((ack.error && ack.error.message) || "The photo could not be requested.");
        return;
      }
      showPhotoPending(ack.request_id);
    });
    photoContext.value = "";
    openPhotoPopover(false);
    input.focus({ preventScroll: true });
  }

  const finishedPhotos = new Set(); // request ids already delivered or failed

  function findPlaceholder(requestId) {
    for (const node of list.querySelectorAll(".photo-pending")) {
      if (node.dataset.requestId === requestId) return node;
    }
    return null;
  }

  function showPhotoPending(requestId) {
    if (!requestId || finishedPhotos.has(requestId) || findPlaceholder(requestId)) return;
    const wasAtBottom = isNearBottom();
    const node = el("div", "message-like message--girl message--new photo-pending");
    node.dataset.requestId = requestId;
    const bubble = el("div", "bubble photo-pending__bubble");
    const icon = el("span", "photo-pending__icon");
    icon.append(svgIcon(CAMERA_ICON, { size: 22 }));
    bubble.append(icon, el("span", "photo-pending__text", `${companionName} is taking a photo…`));
    node.append(bubble);
    list.append(node);
    if (wasAtBottom) scrollToBottom();
  }

  onSequenced("photo_pending", (payload) => {
    if (!payload || payload.girl_id !== girlId) return;
    showPhotoPending(payload.request_id);
  });

  onSequenced("photo_generated", (payload) => {
    if (!payload || payload.girl_id !== girlId) return;
    finishedPhotos.add(payload.request_id);
    const message = { ...(payload.message || {}) };
    if (!message.photo_url) message.photo_url = payload.photo_url;
    const placeholder = findPlaceholder(payload.request_id);
    if (placeholder && !knownMessage(message)) {
      const wasAtBottom = isNearBottom();
      const node = buildMessage(message);
      placeholder.replaceWith(node);
      register(node);
      updateDayDividers();
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
      const placeholder = findPlaceholder(payload.request_id);
      if (placeholder) placeholder.remove();
    } else {
      showTyping(false);
    }
    showNotice(payload.message || "Something went wrong.");
  });

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

  // A handle for the browser console and tests.
  if (debugEnabled) window.dreamchat = { socket, outbox };
}
