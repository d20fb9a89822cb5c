// Owns scrolling the conversation: following the newest message, the "New messages" pill, loading at the top.

const NEAR_BOTTOM_PX = 96;
export const LOAD_OLDER_PX = 160;

export function createScroll(ctx) {
  const { scroller, input } = ctx;
  const pill = document.getElementById("new-messages");
  let stickToBottom = true;

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  }

  function toBottom() {
    scroller.scrollTop = scroller.scrollHeight;
    stickToBottom = true;
    pill.hidden = true;
  }

  scroller.addEventListener("scroll", () => {
    stickToBottom = nearBottom();
    if (stickToBottom) pill.hidden = true;
    if (scroller.scrollTop < LOAD_OLDER_PX) ctx.history.loadOlder();
  }, { passive: true });

  pill.addEventListener("click", () => {
    scroller.scrollTo({ top: scroller.scrollHeight, behavior: "smooth" });
    pill.hidden = true;
    input.focus({ preventScroll: true });
  });

  // The composer growing or the window shrinking should not leave the last message hidden.
  new ResizeObserver(() => {
    if (stickToBottom) scroller.scrollTop = scroller.scrollHeight;
  }).observe(scroller);

  return {
    nearBottom, toBottom,
    showPill: () => { pill.hidden = false; },
    get sticking() { return stickToBottom; },
  };
}
