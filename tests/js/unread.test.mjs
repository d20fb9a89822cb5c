// The sidebar's unread counts (static/js/chat/unread.js): what the page rendered, then the events.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { badgeText, createUnreadCounts, previewOf, titleWithCount } from "../../static/js/chat/unread.js";

const her = (id, girlId = "luna", extra = {}) => ({ id, girl_id: girlId, sender: "girl", type: "text", content: "hi", ...extra });

describe("unread counts", () => {
  it("starts from the rendered counts", () => {
    const unread = createUnreadCounts({ counts: [["emma", 0], ["luna", 2]] });
    assert.equal(unread.count("luna"), 2);
    assert.equal(unread.count("emma"), 0);
    assert.equal(unread.count("zoe"), 0);
    assert.equal(unread.total(), 2);
  });

  it("counts her new messages, not the user's, not the ones the user is looking at, not twice", () => {
    const unread = createUnreadCounts({ counts: [["luna", 0]] });
    assert.equal(unread.received(her(5)), true);
    assert.equal(unread.received(her(5)), false);
    assert.equal(unread.received({ ...her(6), sender: "user" }), false);
    assert.equal(unread.received(her(7, "emma"), { seen: true }), false);
    assert.equal(unread.received(her(8, "luna", { read_at: "2026-12-01T00:00:00.000Z" })), false);
    assert.equal(unread.received(her(9, "luna", { type: "photo" })), true);
    assert.equal(unread.count("luna"), 2);
    assert.equal(unread.total(), 2);
  });

  it("a read in another tab takes the message off, or one off the rendered count", () => {
    const unread = createUnreadCounts({ counts: [["luna", 1]] });
    unread.received(her(10));
    assert.equal(unread.count("luna"), 2);
    assert.equal(unread.read({ girl_id: "luna", message_id: 10, sender: "girl" }), true);
    assert.equal(unread.count("luna"), 1);
    assert.equal(unread.read({ girl_id: "luna", message_id: 3, sender: "girl" }), true);
    assert.equal(unread.count("luna"), 0);
    // Never below zero, and the companion reading the user's messages changes nothing.
    assert.equal(unread.read({ girl_id: "luna", message_id: 4, sender: "girl" }), false);
    unread.received(her(11));
    assert.equal(unread.read({ girl_id: "luna", message_id: 12, sender: "user" }), false);
    assert.equal(unread.count("luna"), 1);
  });

  it("an old read event without sender only settles the ids it knows", () => {
    const unread = createUnreadCounts({ counts: [["luna", 1]] });
    unread.received(her(10));
    assert.equal(unread.read({ girl_id: "luna", message_id: 9 }), false);
    assert.equal(unread.read({ girl_id: "luna", message_id: 10 }), true);
    assert.equal(unread.count("luna"), 1);
  });

  it("deletions, clearing and a reset", () => {
    const unread = createUnreadCounts({ counts: [["luna", 3], ["emma", 1]] });
    unread.received(her(20));
    assert.equal(unread.deleted({ girl_id: "luna", message_id: 20 }), true);
    assert.equal(unread.deleted({ girl_id: "luna", message_id: 20 }), false);
    assert.equal(unread.clear("luna"), true);
    assert.equal(unread.clear("luna"), false);
    assert.equal(unread.total(), 1);
    unread.received(her(21));
    unread.reset([["luna", 4]]);
    assert.equal(unread.count("luna"), 4);
    assert.equal(unread.count("emma"), 0);
  });
});

describe("title, badge and preview", () => {
  it("puts the total in front of the title, once", () => {
    assert.equal(titleWithCount("Emma · DreamChat", 2), "(2) Emma · DreamChat");
    assert.equal(titleWithCount("(2) Emma · DreamChat", 3), "(3) Emma · DreamChat");
    assert.equal(titleWithCount("(3) Emma · DreamChat", 0), "Emma · DreamChat");
    assert.equal(titleWithCount("Emma · DreamChat", 150), "(99+) Emma · DreamChat");
    assert.equal(badgeText(99), "99");
  });

  it("previews: You for the user's, Photo for photos, shortened", () => {
    assert.deepEqual(previewOf({ sender: "user", type: "text", content: "hey\nthere" }), { mine: true, text: "hey there" });
    assert.deepEqual(previewOf({ sender: "girl", type: "photo", content: "at the beach" }), { mine: false, text: "📷 Photo" });
    assert.equal(previewOf({ sender: "girl", type: "text", content: "x".repeat(200) }, 10).text, "xxxxxxxxx…");
  });
});
