// The unread counts (static/js/chat/unread.js): the ids the page rendered, then the events.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UNREAD_SHOWN, badgeText, createUnreadCounts, groupKey, parseIds, previewOf, titleWithCount } from "../../static/js/chat/unread.js";

const her = (id, girlId = "luna", extra = {}) => ({ id, girl_id: girlId, sender: "girl", type: "text", content: "hi", ...extra });
const read = (id, girlId = "luna") => ({ girl_id: girlId, message_id: id, sender: "girl" });
const range = (from, count) => Array.from({ length: count }, (_, i) => from + i);

describe("unread counts", () => {
  it("starts from the rendered ids", () => {
    const unread = createUnreadCounts({ unread: [["emma", []], ["luna", [4, 3]]] });
    assert.equal(unread.count("luna"), 2);
    assert.equal(unread.count("emma"), 0);
    assert.equal(unread.count("zoe"), 0);
    assert.equal(unread.total(), 2);
  });

  it("counts her new messages, not the user's, not the ones the user is looking at, not twice", () => {
    const unread = createUnreadCounts({ unread: [["luna", []]] });
    assert.equal(unread.received(her(5)), true);
    assert.equal(unread.received(her(5)), false);
    assert.equal(unread.received({ ...her(6), sender: "user" }), false);
    assert.equal(unread.received(her(7, "emma"), { seen: true }), false);
    assert.equal(unread.received(her(8, "luna", { read_at: "2026-12-01T00:00:00.000Z" })), false);
    assert.equal(unread.received(her(9, "luna", { type: "photo" })), true);
    assert.equal(unread.count("luna"), 2);
    assert.equal(unread.total(), 2);
  });

  it("a reply rendered and replayed (committed while the page was made) counts once, and its read clears it", () => {
    const unread = createUnreadCounts({ unread: [["luna", [10]]] });
    assert.equal(unread.received(her(10)), false);       // the replay of the message the page already counted
    assert.equal(unread.count("luna"), 1);
    assert.equal(unread.read(read(10)), true);
    assert.equal(unread.count("luna"), 0);
    assert.equal(unread.total(), 0);
  });

  it("a read removes exactly its id: unknown ids and the companion's reads change nothing", () => {
    const unread = createUnreadCounts({ unread: [["luna", [3]]] });
    unread.received(her(10));
    assert.equal(unread.read(read(10)), true);
    assert.equal(unread.read(read(10)), false);
    assert.equal(unread.read(read(2)), false);            // read before the page was rendered
    assert.equal(unread.read({ girl_id: "luna", message_id: 3, sender: "user" }), false);
    assert.equal(unread.count("luna"), 1);
    assert.equal(unread.read({ girl_id: "luna", message_id: 3 }), true);   // an old event without sender
    assert.equal(unread.count("luna"), 0);
  });

  it("deletions and clearing", () => {
    const unread = createUnreadCounts({ unread: [["luna", [1, 2, 3]], ["emma", [4]]] });
    unread.received(her(20));
    assert.equal(unread.deleted({ girl_id: "luna", message_id: 20 }), true);
    assert.equal(unread.deleted({ girl_id: "luna", message_id: 20 }), false);
    assert.equal(unread.clear("luna"), true);
    assert.equal(unread.clear("luna"), false);
    assert.equal(unread.total(), 1);
  });

  it("more than the server lists stays 99+ until the conversation is cleared", () => {
    const unread = createUnreadCounts({ unread: [["luna", range(1, UNREAD_SHOWN)]] });
    assert.equal(badgeText(unread.count("luna")), "99+");
    unread.read(read(1));
    assert.equal(badgeText(unread.count("luna")), "99+");
    unread.clear("luna");
    assert.equal(unread.count("luna"), 0);
    const fewer = createUnreadCounts({ unread: [["luna", range(1, 5)]] });
    fewer.read(read(1));
    assert.equal(fewer.count("luna"), 4);
  });

  it("a reset's server ids that include events applied later are not counted twice", () => {
    // The page counted 10; a reset holds the events while /api/conversations is fetched; the server's
    // answer already has 11 and 12, whose events are then applied after it.
    const unread = createUnreadCounts({ unread: [["luna", [10]]] });
    const refresh = unread.refresh();
    refresh.refreshed([["luna", [12, 11, 10]], ["emma", []]]);
    assert.equal(unread.count("luna"), 3);
    assert.equal(unread.received(her(11)), false);
    assert.equal(unread.received(her(12)), false);
    assert.equal(unread.count("luna"), 3);
    unread.read(read(12));
    assert.equal(unread.count("luna"), 2);
  });

  it("a late reset answer keeps the ids received live since the fetch began and drops those read", () => {
    const unread = createUnreadCounts({ unread: [["luna", [10]], ["emma", []]] });
    const refresh = unread.refresh();
    unread.received(her(20));                 // applied while the fetch was on its way...
    unread.received(her(21, "emma"));
    unread.read(read(10));                    // ...and a read the server's answer predates
    refresh.refreshed([["luna", [10]], ["emma", []]]);
    assert.equal(unread.count("luna"), 1);
    assert.equal(unread.count("emma"), 1);
    unread.read(read(20));
    assert.equal(unread.count("luna"), 0);
    // A conversation cleared during the fetch is clear, but what came after the clear counts.
    const again = unread.refresh();
    unread.clear("emma");
    unread.received(her(22, "emma"));
    again.refreshed([["luna", []], ["emma", [21, 5]]]);
    assert.equal(unread.count("emma"), 1);
    // Once applied (or cancelled) a refresh notes nothing more and cannot be applied again.
    unread.received(her(23, "emma"));
    again.refreshed([["emma", []]]);
    assert.equal(unread.count("emma"), 2);
  });

  it("reads the rendered ids", () => {
    assert.deepEqual(parseIds("12,9,4"), [12, 9, 4]);
    assert.deepEqual(parseIds(""), []);
    assert.deepEqual(parseIds(undefined), []);
    assert.deepEqual(parseIds("7,x,,0"), [7]);
  });
});

describe("title, badge and preview", () => {
  it("puts the total in front of the title, once", () => {
    assert.equal(titleWithCount("Emma · DreamChat", 2), "(2) Emma · DreamChat");
    assert.equal(titleWithCount("(2) Emma · DreamChat", 3), "(3) Emma · DreamChat");
    assert.equal(titleWithCount("(3) Emma · DreamChat", 0), "Emma · DreamChat");
    assert.equal(titleWithCount("Emma · DreamChat", 150), "(99+) Emma · DreamChat");
    assert.equal(titleWithCount("Your companions · DreamChat", 1), "(1) Your companions · DreamChat");
    assert.equal(badgeText(99), "99");
  });

  it("previews: You for the user's, Photo for photos, shortened", () => {
    assert.deepEqual(previewOf({ sender: "user", type: "text", content: "hey\nthere" }), { mine: true, text: "hey there" });
    assert.deepEqual(previewOf({ sender: "girl", type: "photo", content: "at the beach" }), { mine: false, text: "📷 Photo" });
    assert.equal(previewOf({ sender: "girl", type: "photo" }, 10).text, "📷 Photo");
    assert.equal(previewOf({ sender: "girl", type: "text", content: "x".repeat(200) }, 10).text, "xxxxxxxxx…");
  });
});

describe("group chats' unread counts", () => {
  const inGroup = (id, groupId = 7, extra = {}) => ({ id, group_id: groupId, girl_id: "emma", sender: "girl", type: "text", content: "hi", ...extra });

  it("count under the group's key, by id: a replay of a rendered or counted reply counts once", () => {
    const unread = createUnreadCounts({ unread: [["luna", [3]], [groupKey(7), [20]]] });
    assert.equal(unread.count("group:7"), 1);
    assert.equal(unread.groupReceived(inGroup(20)), false);   // rendered, then replayed
    assert.equal(unread.groupReceived(inGroup(21)), true);
    assert.equal(unread.groupReceived(inGroup(21)), false);   // the same event again (a replay after a reconnect)
    assert.equal(unread.groupReceived(inGroup(22, 7, { sender: "user", girl_id: null })), false);
    assert.equal(unread.groupReceived(inGroup(23, 8), { seen: true }), false);
    assert.equal(unread.groupReceived({ id: 24, girl_id: "emma", sender: "girl" }), false);   // not a group's
    assert.equal(unread.count("group:7"), 2);
    assert.equal(unread.count("group:8"), 0);
    assert.equal(unread.total(), 3);                           // the companions' and the groups'
  });

  it("a group read removes exactly its ids, in its group only, and twice changes nothing", () => {
    const unread = createUnreadCounts({ unread: [[groupKey(7), [20, 21]], [groupKey(8), [30]]] });
    assert.equal(unread.groupRead({ group_id: 7, message_ids: [20, 30, 99] }), true);
    assert.equal(unread.count("group:7"), 1);
    assert.equal(unread.count("group:8"), 1);
    assert.equal(unread.groupRead({ group_id: 7, message_ids: [20] }), false);
    assert.equal(unread.groupRead({ group_id: "7", message_ids: [21] }), false);
    assert.equal(unread.groupRead({ group_id: 7, message_ids: [21] }), true);
    assert.equal(unread.total(), 1);
  });

  it("a group message never counts for the companion who wrote it", () => {
    const unread = createUnreadCounts({ unread: [["emma", []]] });
    unread.groupReceived(inGroup(40));
    assert.equal(unread.count("emma"), 0);
    assert.equal(unread.count(groupKey(7)), 1);
  });

  it("after a reset, the server's group ids plus what the events did meanwhile", () => {
    const unread = createUnreadCounts({ unread: [[groupKey(7), [20]]] });
    const refresh = unread.refresh();
    unread.groupReceived(inGroup(22));
    unread.groupRead({ group_id: 7, message_ids: [21] });
    refresh.refreshed([["luna", []], [groupKey(7), [21, 20]]]);
    assert.deepEqual([unread.count("group:7"), unread.total()], [2, 2]);   // 20, 22 (21 read meanwhile)
  });
});
