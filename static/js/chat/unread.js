// Owns the unread counts of every conversation: the ids of her unread messages, rendered, then evented.
// No DOM and no socket (tests/js/unread.test.mjs): the sidebar and the companion list feed it events.
//
// A count is a set of ids: the server renders, per companion, the ids of her unread messages (the newest
// UNREAD_SHOWN); a message that arrives adds its id, a read or a deletion removes exactly its id. So a
// message both rendered and replayed by `sync` (it was committed while the page was being made) counts
// once. When the server listed UNREAD_SHOWN ids there may be more: the count stays "99+" until the
// conversation is cleared. After a `sync` reset, refresh() starts noting what the events do while
// /api/conversations is fetched, and refreshed() applies that on top of the server's ids.

export const UNREAD_SHOWN = 100;   // as dreamchat.chat.routes.UNREAD_SHOWN

function validIds(ids) {
  return (Array.isArray(ids) ? ids : []).filter((id) => Number.isInteger(id) && id > 0);
}

/**
 * @param {object} options
 * @param {Iterable<[string, number[]]>} [options.unread]   girl_id -> the ids of her unread messages, as rendered
 */
export function createUnreadCounts({ unread = [] } = {}) {
  const conversations = new Map();   // girl_id -> { ids: Set of her unread message ids, more: boolean }
  const refreshes = new Set();       // per refresh under way, the changes since it began

  function conversation(girlId) {
    let found = conversations.get(girlId);
    if (!found) {
      found = { ids: new Set(), more: false };
      conversations.set(girlId, found);
    }
    return found;
  }

  function replaceAll(entries) {
    conversations.clear();
    for (const [girlId, ids] of entries) {
      const valid = validIds(ids);
      conversations.set(girlId, { ids: new Set(valid), more: valid.length >= UNREAD_SHOWN });
    }
  }

  replaceAll(unread);

  function noted(change) {
    for (const changes of refreshes) changes.push(change);
  }

  function apply([kind, girlId, id]) {
    const found = conversation(girlId);
    if (kind === "add") found.ids.add(id);
    else if (kind === "remove") found.ids.delete(id);
    else {
      found.ids.clear();
      found.more = false;
    }
  }

  /** A message arrived (message_received, photo_generated). `seen`: the user is looking at that
   * conversation, so it does not count. True when a count changed. */
  function received(message, { seen = false } = {}) {
    if (!message || message.sender !== "girl" || !Number.isInteger(message.id)) return false;
    if (seen || message.read_at || message.status === "streaming") return false;
    noted(["add", message.girl_id, message.id]);
    const { ids } = conversation(message.girl_id);
    if (ids.has(message.id)) return false;
    ids.add(message.id);
    return true;
  }

  /** One of her messages is gone from the unread: read (from any tab) or deleted. */
  function removed(girlId, messageId) {
    if (!Number.isInteger(messageId)) return false;
    noted(["remove", girlId, messageId]);
    const found = conversations.get(girlId);
    return Boolean(found && found.ids.delete(messageId));
  }

  /** message_read: a read of that id by the user, from any tab ("user": the companion read the
   * user's message, nothing to count). True when a count changed. */
  function read({ girl_id: girlId, message_id: messageId, sender } = {}) {
    return sender === "user" ? false : removed(girlId, messageId);
  }

  /** message_deleted (a reply regenerated, a failed stream): it is no longer there to read. */
  function deleted({ girl_id: girlId, message_id: messageId } = {}) {
    return removed(girlId, messageId);
  }

  /** group_message_received: a companion's message in a group chat counts under groupKey(group_id),
   * by its id like hers one-to-one (a replay counts once). True when a count changed. */
  function groupReceived(message, options = {}) {
    if (!message || !Number.isInteger(message.group_id)) return false;
    return received({ ...message, girl_id: groupKey(message.group_id) }, options);
  }

  /** group_message_read: the ids the user has read in that group, from any tab. True when a count changed. */
  function groupRead({ group_id: groupId, message_ids: messageIds } = {}) {
    if (!Number.isInteger(groupId) || !Array.isArray(messageIds)) return false;
    let changed = false;
    for (const id of messageIds) changed = removed(groupKey(groupId), id) || changed;
    return changed;
  }

  /** Everything in that conversation is read (the user opened it). */
  function clear(girlId) {
    noted(["clear", girlId]);
    const found = conversations.get(girlId);
    if (!found || (!found.more && !found.ids.size)) return false;
    apply(["clear", girlId]);
    return true;
  }

  /** A fetch of the server's ids begins (after a `sync` reset): its refreshed(entries) replaces the
   * counts with the server's ids, plus the ids received since it began, minus those read since. */
  function refresh() {
    const changes = [];
    refreshes.add(changes);
    return {
      refreshed(entries) {
        if (!refreshes.delete(changes)) return;
        replaceAll(entries);
        for (const change of changes) apply(change);
      },
      cancel() {
        refreshes.delete(changes);
      },
    };
  }

  function count(girlId) {
    const found = conversations.get(girlId);
    if (!found) return 0;
    return found.more ? Math.max(found.ids.size, UNREAD_SHOWN) : found.ids.size;
  }

  function total() {
    let sum = 0;
    for (const girlId of conversations.keys()) sum += count(girlId);
    return sum;
  }

  return { received, read, deleted, clear, groupReceived, groupRead, refresh, count, total };
}

/** A group chat's key among the counts (beside the companions' slugs): "group:7". */
export function groupKey(groupId) {
  return `group:${groupId}`;
}

/** The rendered data-unread-ids ("12,9,4") as ids. */
export function parseIds(text) {
  return String(text || "").split(",").map((part) => Number.parseInt(part, 10)).filter((id) => id > 0);
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
