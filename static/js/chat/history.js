// Owns history from the HTTP API: older pages when scrolling up, and the list rebuilt after a `sync` reset.
import { debug } from "../lib/debug.js";
import { buildMessage, idOf } from "./message.js";
import { LOAD_OLDER_PX } from "./scroll.js";

const PAGE_SIZE = 50;

export function createHistory(ctx, hasMoreAtStart) {
  const { girlId, list, scroller } = ctx;
  const status = document.getElementById("history-status");
  let hasMore = hasMoreAtStart;
  let loadingOlder = false;

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

  /** At the start: a window taller than the messages shown fetches older ones right away. */
  function fillWindow() {
    if (hasMore && scroller.scrollHeight <= scroller.clientHeight + LOAD_OLDER_PX) loadOlder();
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

  return { loadOlder, fillWindow, rebuild };
}
