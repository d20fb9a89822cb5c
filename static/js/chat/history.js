// Owns history from the HTTP API: older pages when scrolling up, and the list rebuilt after a `sync` reset.
// Opened on a message (?message=<id>, a search result: #chat[data-focus-message]) the page shows the history
// around it: it is scrolled to and highlighted, newer pages load when scrolling down until the newest, and a
// new message arriving meanwhile (or sent) brings the newest page instead of landing after the older ones.
import { debug } from "../lib/debug.js";
import { buildMessage, idOf } from "./message.js";
import { LOAD_OLDER_PX } from "./scroll.js";

const PAGE_SIZE = 50;
const FOCUS_HIGHLIGHT_MS = 2600;
const ORDERED = ".message, .photo-pending";

export function createHistory(ctx, hasMoreAtStart) {
  const { girlId, list, scroller } = ctx;
  const status = document.getElementById("history-status");
  let hasMore = hasMoreAtStart;
  let loadingOlder = false;
  const focusId = Number.parseInt(ctx.root.dataset.focusMessage, 10) || 0;
  // Opened on a message: newer messages than those shown may exist until a page of them says otherwise.
  let hasNewer = focusId > 0;
  let loadingNewer = false;
  let newestShown = 0;

  function setState(state) {
    status.dataset.state = state;
  }

  status.querySelector(".history-status__retry").addEventListener("click", () => loadOlder());

  async function fetchMessages(query) {
    const response = await fetch(`/api/conversations/${encodeURIComponent(girlId)}/messages?${query}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.status === 401 || response.redirected) {
      ctx.connection.goToLogin();
      throw new Error("signed out");
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = await response.json();
    return Array.isArray(data.messages) ? data.messages : [];
  }

  /** The page before the oldest message shown, kept in view (the scroll position does not jump). */
  async function loadOlder() {
    if (!hasMore || loadingOlder || ctx.sync.holding) return;
    const oldest = ctx.messages.firstServerId();
    if (!oldest) return;
    loadingOlder = true;
    setState("loading");
    try {
      const messages = await fetchMessages(`before=${oldest}&limit=${PAGE_SIZE}`);
      const previousHeight = scroller.scrollHeight;
      const previousTop = scroller.scrollTop;
      const fragment = document.createDocumentFragment();
      const added = [];
      for (const message of messages) {
        if (ctx.messages.knownMessage(message)) continue;
        const node = buildMessage(message);
        fragment.append(node);
        added.push(node);
      }
      list.prepend(fragment);
      for (const node of added) ctx.messages.register(node);
      ctx.messages.changed();
      scroller.scrollTop = previousTop + (scroller.scrollHeight - previousHeight);
      hasMore = messages.length >= PAGE_SIZE;
      setState(hasMore ? "more" : "start");
      if (added.length) ctx.receipts.markVisibleRead();
    } catch (error) {
      debug("loading older messages failed", error);
      setState("error");
      loadingOlder = false;
      return;
    }
    loadingOlder = false;
    // Still at the top (a short page, a tall window)? Keep going.
    if (hasMore && scroller.scrollTop < LOAD_OLDER_PX) loadOlder();
  }

  /** At the start: a window taller than the messages shown fetches older ones right away. Opened
   *  on a message: that message in the middle of the view, highlighted for a moment. */
  function fillWindow() {
    if (hasNewer) showFocus();
    if (hasMore && scroller.scrollHeight <= scroller.clientHeight + LOAD_OLDER_PX) loadOlder();
    if (hasNewer) loadNewerIfNearBottom();
  }

  function showFocus() {
    const node = ctx.messages.byId(focusId);
    newestShown = lastServerId();
    watchArrivals();
    scroller.addEventListener("scroll", loadNewerIfNearBottom, { passive: true });
    // The "New messages" pill jumps to the newest page rather than to the end of this older window.
    const pill = document.getElementById("new-messages");
    pill.addEventListener("click", () => { if (hasNewer) jumpToLatest(); });
    pill.hidden = false;
    if (!node) return;
    scroller.scrollTop += node.getBoundingClientRect().top - scroller.getBoundingClientRect().top
      - (scroller.clientHeight - node.offsetHeight) / 2;
    node.classList.add("message--focus");
    setTimeout(() => node.classList.remove("message--focus"), FOCUS_HIGHLIGHT_MS);
  }

  function lastServerId() {
    let last = 0;
    for (const node of list.querySelectorAll(".message[data-id]")) {
      const id = idOf(node);
      if (node.dataset.status !== "streaming" && id > last) last = id;
    }
    return last;
  }

  function loadNewerIfNearBottom() {
    if (hasNewer && scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < LOAD_OLDER_PX) loadNewer();
  }

  /** The page after the newest message shown, added below it (what is on screen stays put). */
  async function loadNewer() {
    if (!hasNewer || loadingNewer || ctx.sync.holding || !newestShown) return;
    loadingNewer = true;
    try {
      const messages = await fetchMessages(`after=${newestShown}&limit=${PAGE_SIZE}`);
      if (!hasNewer) return;  // the newest page came meanwhile
      const previousTop = scroller.scrollTop;
      for (const message of messages) {
        newestShown = Math.max(newestShown, message.id || 0);
        if (ctx.messages.knownMessage(message)) continue;
        const node = buildMessage(message);
        ctx.messages.place(node);
        ctx.messages.register(node);
      }
      ctx.messages.changed();
      scroller.scrollTop = previousTop;
      if (messages.length < PAGE_SIZE) hasNewer = false;
      if (messages.length) ctx.receipts.markVisibleRead();
    } catch (error) {
      debug("loading newer messages failed", error);
      return;
    } finally {
      loadingNewer = false;
    }
    loadNewerIfNearBottom();
  }

  /** While older messages are shown, a message added after them (one arriving live, one the user
   *  sends, a photo being made) would sit after a gap: the newest page replaces the list instead. */
  function watchArrivals() {
    new MutationObserver((records) => {
      if (!hasNewer) return;
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node.nodeType !== Node.ELEMENT_NODE || !node.matches(ORDERED)) continue;
          const id = idOf(node);
          if (!id || id > newestShown) {
            jumpToLatest();
            return;
          }
        }
      }
    }).observe(list, { childList: true });
  }

  async function jumpToLatest() {
    hasNewer = false;
    if (await rebuild()) {
      // What arrived while the newest page was on its way.
      newestShown = lastServerId();
      if (newestShown) {
        try {
          for (const message of await fetchMessages(`after=${newestShown}&limit=${PAGE_SIZE}`)) {
            ctx.messages.append(message);
          }
        } catch (error) {
          debug("catching up after the newest page failed", error);
        }
      }
      ctx.receipts.markVisibleRead();
    }
  }

  /** `sync` with reset: the newest page from the API, built off-DOM and swapped in at once.
   *  The user's unsent messages, streams and photo placeholders are kept. Resolves to false when
   *  that failed and the page reloads instead. */
  async function rebuild() {
    try {
      let messages;
      for (let attempt = 0; ; attempt += 1) {
        try {
          messages = await fetchMessages(`limit=${PAGE_SIZE}`);
          break;
        } catch (error) {
          if (ctx.connection.leaving || attempt >= 2) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
        }
      }
      const serverClientIds = new Set(messages.map((m) => m.client_id).filter(Boolean));
      const serverIds = new Set(messages.map((m) => m.id));
      const fragment = document.createDocumentFragment();
      const nodes = messages.map(buildMessage);
      fragment.append(...nodes);
      const kept = [];
      for (const node of list.querySelectorAll(".message, .photo-pending")) {
        const id = idOf(node);
        if (node.classList.contains("photo-pending")) kept.push(node);
        else if (node.dataset.status === "streaming" && !serverIds.has(id)) kept.push(node);
        else if (!id && node.dataset.sender === "user" && !serverClientIds.has(node.dataset.clientId)) kept.push(node);
      }
      fragment.append(...kept);
      ctx.messages.forgetAll();
      list.replaceChildren(fragment);
      for (const node of nodes) ctx.messages.register(node);
      for (const node of kept) if (node.classList.contains("message")) ctx.messages.register(node);
      for (const clientId of serverClientIds) ctx.outbox.settle(clientId);
      hasMore = messages.length >= PAGE_SIZE;
      hasNewer = false;
      setState(hasMore ? "more" : "start");
      ctx.messages.changed();
      ctx.scroll.toBottom();
      return true;
    } catch (error) {
      debug("rebuilding the conversation failed: reloading", error);
      ctx.connection.reload();
      return false;
    }
  }

  return {
    loadOlder, loadNewer, fillWindow, rebuild, jumpToLatest,
    get showingNewest() { return !hasNewer; },
  };
}
