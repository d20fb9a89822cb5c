// Owns ordered delivery: events applied in seq order exactly once; early ones wait, duplicates are dropped.
// No DOM and no socket: its I/O is parameters (tests/js/sequencer.test.mjs).
//
// Every conversation event carries the user's next `seq` (docs/protocol.md). A replay overlapping live
// events brings some twice: the second copy is dropped. An event that arrives before a missing one waits
// for it; after `gapDelay` ms the owner is told (onGap) and asks the server for a replay (`sync`), and
// skipGap() goes on when the server cannot fill it.

/**
 * @param {object} options
 * @param {number} options.lastSeq       the last seq already shown (the page renders data-last-seq)
 * @param {(name: string, payload: object) => void} options.apply   applies one event
 * @param {(lastSeq: number) => void} [options.onGap]   a gap is still open after gapDelay
 * @param {(error: unknown, name: string) => void} [options.onError]   apply threw (the order goes on)
 */
export function createSequencer({
  lastSeq = 0, apply, onGap = () => {}, onError = (error, name) => console.error("[dreamchat] handling", name, "failed", error),
  gapDelay = 1000, setTimer = setTimeout, clearTimer = clearTimeout, log = () => {},
}) {
  let last = lastSeq;
  const early = new Map();          // seq -> [name, payload], waiting for the seqs before it
  let gapTimer = 0;
  let holding = false;              // the list is being rebuilt: events wait until resume()

  /** An event from the socket or a replay. False when it was dropped (a duplicate, no seq). */
  function accept(name, payload) {
    const seq = payload && payload.seq;
    if (!Number.isInteger(seq)) {
      log("event without seq dropped", name);
      return false;
    }
    if (seq <= last || early.has(seq)) {
      log("duplicate dropped", name, seq);
      return false;
    }
    early.set(seq, [name, payload]);
    drain();
    return true;
  }

  function drain() {
    if (holding) return;
    while (early.has(last + 1)) {
      last += 1;
      const [name, payload] = early.get(last);
      early.delete(last);
      try {
        apply(name, payload);
      } catch (error) {
        onError(error, name);
      }
    }
    for (const seq of early.keys()) if (seq <= last) early.delete(seq);
    if (!early.size) {
      clearTimer(gapTimer);
      gapTimer = 0;
    } else if (!gapTimer) {
      // Give an in-flight ack a moment to fill the gap, then report it.
      gapTimer = setTimer(gapTimedOut, gapDelay);
    }
  }

  function gapTimedOut() {
    gapTimer = 0;
    if (early.size) onGap(last);
  }

  /** Never stall: when the server cannot fill a gap, go on from the first event we have. */
  function skipGap() {
    if (!early.size || holding) return;
    last = Math.min(...early.keys()) - 1;
    drain();
  }

  /** A `sync` replay: its events, then the server's last_seq (nothing up to it is missing now). */
  function replay(events, serverLastSeq) {
    for (const event of Array.isArray(events) ? events : []) {
      if (event && event.payload) accept(event.name, event.payload);
    }
    if (Number.isInteger(serverLastSeq) && serverLastSeq > last) last = serverLastSeq;
    drain();
    skipGap();
  }

  /** A `sync` with reset: numbering goes on from the server's last_seq, and events wait until resume(). */
  function hold(serverLastSeq) {
    holding = true;
    if (Number.isInteger(serverLastSeq)) {
      last = serverLastSeq;
      for (const seq of early.keys()) if (seq <= last) early.delete(seq);
    }
  }

  /** The rebuilt list is in place: apply what waited. */
  function resume() {
    holding = false;
    drain();
    skipGap();
  }

  return {
    accept, replay, skipGap, hold, resume,
    get lastSeq() { return last; },
    get holding() { return holding; },
    get waiting() { return early.size; },
  };
}
