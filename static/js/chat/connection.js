// Owns the Socket.IO connection: the socket, acked requests, the connection indicator, leaving for login.
// States: connecting -> syncing (the replay not applied yet) -> connected; reconnecting; disconnected (Retry).
import { io } from "../../vendor/socket.io.esm.min.js";
import { debug, debugEnabled } from "../lib/debug.js";
import { clearOutboxes } from "../session.js";

const ACK_TIMEOUT_MS = 10000;
const SYNC_TIMEOUT_MS = 5000;       // no `sync` after connecting: ask for it

/** The server's message in a failed ack, or the fallback. */
export function errorText(ack, fallback) {
  return (ack && ack.error && ack.error.message) || fallback;
}

/** The browser's IANA time zone ("Europe/Paris"), or "" when it cannot tell. */
export function timeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

export function createConnection(ctx) {
  const { root } = ctx;
  const statusBox = document.getElementById("connection-status");
  const statusText = statusBox.querySelector(".connection__text");
  const reconnectButton = document.getElementById("reconnect-button");
  const pageUrl = location.pathname + location.search;
  let connectedOnce = false;
  let leaving = false;
  let syncTimer = 0;
  let synced = false;               // this connection's replay is applied
  let canSend = false;              // connected and caught up: the outbox may go out

  // The transports the server accepts (SOCKETIO_TRANSPORTS, on the page): websocket first, long-polling
  // as the fallback; with "websocket" alone there is no polling to fall back to (no sticky sessions needed).
  const allowed = (root.dataset.transports || "polling,websocket").split(",");
  const transports = ["websocket", "polling"].filter((name) => allowed.includes(name));

  const socket = io({
    // Sent on every (re)connection: the server replays what this page has not seen yet, and keeps
    // the browser's time zone (so she never writes first at the user's night).
    auth: (send) => send({ last_seq: ctx.sync.lastSeq, tz: timeZone() }),
    autoConnect: false,             // connect() once every module listens
    transports: transports.length ? transports : ["websocket", "polling"],
    tryAllTransports: transports.length !== 1,
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

  function goToLogin(withNext = true) {
    if (leaving) return;
    leaving = true;
    socket.disconnect();
    location.assign(withNext ? `/login?next=${encodeURIComponent(pageUrl)}` : "/login");
  }

  /** The page cannot go on (a rebuild failed): load it again. */
  function reload() {
    if (leaving) return;
    leaving = true;
    location.reload();
  }

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
    if (!leaving) setConnection("syncing", "Syncing…");
  });

  socket.on("connect", () => {
    debug("connect", socket.id);
    connectedOnce = true;
    // python-socketio sends the events of its connect handler (`sync` among them) before the
    // namespace CONNECT packet, and socket.io-client delivers them just before `connect`:
    // usually the replay is applied already.
    if (synced) return;
    setConnection("syncing", "Syncing…");
    clearTimeout(syncTimer);
    syncTimer = setTimeout(() => {
      if (synced || !socket.connected) return;
      request("sync", { last_seq: ctx.sync.lastSeq }, (error, ack) => {
        if ((error || !ack || !ack.ok) && !synced && socket.connected) caughtUp();
      });
    }, SYNC_TIMEOUT_MS);
  });

  /** A `sync` is applied: the first one of a connection means we are caught up. */
  function syncApplied() {
    if (!synced && socket.connected) caughtUp();
  }

  function caughtUp() {
    clearTimeout(syncTimer);
    synced = true;
    setConnection("connected", "Connected");
    canSend = true;
    ctx.outbox.pump();
    ctx.receipts.markVisibleRead();
  }

  socket.on("disconnect", (reason) => {
    debug("disconnect", reason);
    synced = false;
    canSend = false;
    clearTimeout(syncTimer);
    ctx.outbox.abandonInFlight();
    ctx.stream.showTyping(false);
    ctx.menu.close();
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
    clearOutboxes();
    goToLogin(false);
  });

  return {
    socket, request, goToLogin, reload, reconnectNow, syncApplied,
    connect: () => socket.connect(),
    get connected() { return socket.connected; },
    get canSend() { return canSend && socket.connected; },
    get leaving() { return leaving; },
    get disconnected() { return statusBox.dataset.state === "disconnected"; },
  };
}
