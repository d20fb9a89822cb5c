// Owns the unread counts of every conversation: what the page rendered, then what the events say.
// No DOM and no socket (tests/js/unread.test.mjs): the sidebar feeds it events and reads the counts.
//
// A count is the number the server rendered (`base`, whose ids the page does not know) plus the ids
// of her messages that arrived since. A read of one of those ids removes it; a read of another of her
// messages (an older one, read in another tab) takes one from the base. Events come through the
// sequencer, once each and in order, so a replay (`sync`) counts nothing twice.

/**
 * @param {object} options
 * @param {Iterable<[string, number]>} [options.counts]   girl_id -> unread count, as rendered
 */
export function createUnreadCounts({ counts = [] } = {}) {
  const conversations = new Map();   // girl_id -> { base, ids: Set of her unread message ids }

  function conversation(girlId) {
    let found = conversations.get(girlId);
    if (!found) {
      found = { base: 0, ids: new Set() };
      conversations.set(girlId, found);
    }
    return found;
  }

  /** Forget what the events said: the server's counts (after a `sync` reset, or a fresh read). */
  function reset(entries) {
    conversations.clear();
    for (const [girlId, count] of entries) {
      conversation(girlId).base = Number.isInteger(count) && count > 0 ? count : 0;
    }
  }

  reset(counts);

  /** A message arrived (message_received, photo_generated). `seen`: the user is looking at that
   * conversation, so it does not count. True when a count changed. */
  function received(message, { seen = false } = {}) {
    if (!message || message.sender !== "girl" || !Number.isInteger(message.id)) return false;
    if (seen || message.read_at || message.status === "streaming") return false;
    const { ids } = conversation(message.girl_id);
    if (ids.has(message.id)) return false;
    ids.add(message.id);
    return true;
  }

  /** message_read: `sender` "girl" is a read by the user (from any tab). An event without sender
   * (recorded before it had one) only settles ids this page counted. True when a count changed. */
  function read({ girl_id: girlId, message_id: messageId, sender } = {}) {
    if (sender === "user" || !conversations.has(girlId)) return false;
    const found = conversations.get(girlId);
    if (found.ids.delete(messageId)) return true;
    if (sender === "girl" && found.base > 0) {
      found.base -= 1;
      return true;
    }
    return false;
  }

  /** message_deleted (a reply regenerated, a failed stream): it is no longer there to read. */
  function deleted({ girl_id: girlId, message_id: messageId } = {}) {
    return conversations.has(girlId) && conversations.get(girlId).ids.delete(messageId);
  }

  /** Everything in that conversation is read (the user opened it). */
  function clear(girlId) {
    const found = conversations.get(girlId);
    if (!found || (!found.base && !found.ids.size)) return false;
    found.base = 0;
    found.ids.clear();
    return true;
  }

  function count(girlId) {
    const found = conversations.get(girlId);
    return found ? found.base + found.ids.size : 0;
  }

  function total() {
    let sum = 0;
    for (const girlId of conversations.keys()) sum += count(girlId);
    return sum;
  }

  return { reset, received, read, deleted, clear, count, total };
}

/** The badge text: up to 99, then "99+" (as the companion list). */
export function badgeText(count) {
  return count > 99 ? "99+" : String(count);
}

/** The title with the total in front: "(2) Emma · DreamChat". */
export function titleWithCount(title, total) {
  const plain = title.replace(/^\(\d+\+?\) /, "");
  return total > 0 ? `(${badgeText(total)}) ${plain}` : plain;
}

/** A message's preview line: "You: ..." for the user's, "📷 Photo" for photos. */
export function previewOf(message, maxLength = 140) {
  const text = message.type === "photo" ? "📷 Photo" : message.type === "voice" ? "🎤 Voice note" : String(message.content || "").replace(/\s+/g, " ").trim();
  return {
    mine: message.sender === "user",
    text: text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text,
  };
}
