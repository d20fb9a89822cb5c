// Owns "I am typing": tells the server the user is typing, again every TYPING_REPEAT_MS while they go on,
// and that they stopped after TYPING_IDLE_MS without a key, on an empty box or on send. No DOM.

export const TYPING_REPEAT_MS = 1500;
export const TYPING_IDLE_MS = 2000;

/**
 * @param {(isTyping: boolean) => void} emit  sends typing_indicator (for a conversation or a group)
 * @param {object} [clock]  setTimeout/clearTimeout/now, for tests
 */
const realClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer),
  now: () => Date.now(),
};

export function createTypingSignal(emit, clock = realClock) {
  let active = false;
  let lastSent = 0;
  let idleTimer = 0;

  function stop() {
    clock.clearTimeout(idleTimer);
    if (!active) return;
    active = false;
    emit(false);
  }

  /** The box changed: its text now. */
  function input(text) {
    if (!text.trim()) {
      stop();
      return;
    }
    const now = clock.now();
    if (!active || now - lastSent >= TYPING_REPEAT_MS) {
      active = true;
      lastSent = now;
      emit(true);
    }
    clock.clearTimeout(idleTimer);
    idleTimer = clock.setTimeout(stop, TYPING_IDLE_MS);
  }

  return { input, stop };
}
