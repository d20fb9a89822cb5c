// Owns catching up: sequenced events through the sequencer, `sync` replays and resets, gap and periodic checks.
import { debug } from "../lib/debug.js";
import { createSequencer } from "./sequencer.js";

const CATCH_UP_EVERY_MS = 60000;

export function createSync(ctx, lastSeq) {
  const { socket, request } = ctx.connection;
  const handlers = new Map();       // event name -> the handlers of its payload, in registration order

  const sequencer = createSequencer({
    lastSeq,
    apply: (name, payload) => {
      // Each handler on its own: one that throws does not keep the others (sidebar, notify...) from the event.
      for (const handler of handlers.get(name) || []) {
        try {
          handler(payload);
        } catch (error) {
          console.error("[dreamchat] handling", name, "failed", error);
        }
      }
    },
    onGap: requestReplay,
    log: debug,
  });

  /** Handle a sequenced event (one that carries seq): in order, once. Several parts may handle one event. */
  function on(name, handler) {
    if (!handlers.has(name)) {
      handlers.set(name, []);
      socket.on(name, (payload) => sequencer.accept(name, payload));
    }
    handlers.get(name).push(handler);
  }

  function requestReplay(last) {
    if (!ctx.connection.connected) return; // the reconnection's auth asks for the replay
    debug("gap after seq", last, "asking for a replay");
    request("sync", { last_seq: last }, (error, ack) => {
      if (error || !ack || !ack.ok) sequencer.skipGap();
    });
  }

  socket.on("sync", (data) => {
    if (!data) return;
    ctx.stream.newSnapshotRound();
    if (data.reset) {
      // Too much to replay (or the server's numbering restarted): rebuild the list from the API.
      // Numbering goes on from the server's last_seq; events arriving meanwhile wait.
      sequencer.hold(data.last_seq);
      ctx.history.rebuild()
        .then((rebuilt) => {
          if (!rebuilt) return; // the page is reloading
          sequencer.resume();
          ctx.receipts.markVisibleRead();
        })
        .finally(ctx.connection.syncApplied);
      return;
    }
    sequencer.replay(data.events, data.last_seq);
    ctx.connection.syncApplied();
  });

  /** The sending tab gets its own message in the ack, not as an event: it still counts. */
  function noteAck(ack) {
    if (ack && Number.isInteger(ack.seq) && ack.message) {
      sequencer.accept("message_received", { message: ack.message, seq: ack.seq });
    }
  }

  // A live event can be lost between processes (a Redis hiccup) with no later event to reveal
  // the gap: catch up when the page comes back into view, and once a minute while it is open.
  function catchUp() {
    if (ctx.connection.connected && !sequencer.holding) request("sync", { last_seq: sequencer.lastSeq }, () => {});
  }
  setInterval(() => { if (document.visibilityState === "visible") catchUp(); }, CATCH_UP_EVERY_MS);

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    ctx.receipts.markVisibleRead();
    if (!ctx.connection.connected && ctx.connection.disconnected) ctx.connection.reconnectNow();
    else catchUp();
  });

  return {
    on, noteAck,
    get lastSeq() { return sequencer.lastSeq; },
    get holding() { return sequencer.holding; },
  };
}
