"""Message search in a real browser against the live server: type in the box, see the highlighted result,
open it with the keyboard, land on the message in its conversation with older and newer messages around it."""
from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from tests.browser_support import PHONE, WAIT_MS, horizontal_overflow, send, sign_up

# Imported after browser_support, which skips this module when Chromium is missing.
from playwright.sync_api import expect

expect.set_options(timeout=WAIT_MS)
ROOT = Path(__file__).resolve().parent.parent
LIVE_SERVER_ENV = {"REPLY_DELAY_SCALE": "0"}
XSS = '<img src=x onerror="window.__searchXss = 1"> a lighthouse in a tag'


def seed(server, username: str) -> list[int]:
    """200 messages with Emma (the 121st about the lighthouse gallery) and one with Luna, straight into
    the server's database (its triggers index them), all answered (no reply is due); the ids of Emma's,
    oldest first."""
    database = sqlite3.connect(server.instance_dir / "dreamchat.db")
    with database:
        user_id = database.execute("SELECT id FROM users WHERE username = ?", (username,)).fetchone()[0]
        emma, luna = (database.execute("SELECT id FROM companions WHERE slug = ?", (slug,)).fetchone()[0]
                      for slug in ("emma", "luna"))
        start = datetime.utcnow() - timedelta(days=3)
        ids = []
        for i in range(200):
            text = "We should see the lighthouse gallery opening together" if i == 120 else f"Just chatting, line {i}"
            at = (start + timedelta(minutes=i)).isoformat(sep=" ")
            ids.append(database.execute(
                "INSERT INTO messages (user_id, companion_id, sender, type, content, created_at, read_at, "
                "answered_at, status) VALUES (?, ?, ?, 'text', ?, ?, ?, ?, 'done')",
                (user_id, emma, "user" if i % 2 == 0 else "girl", text, at, at, at if i % 2 == 0 else None)).lastrowid)
        at = (start - timedelta(hours=1)).isoformat(sep=" ")
        database.execute("INSERT INTO messages (user_id, companion_id, sender, type, content, created_at, read_at, "
                         "status) VALUES (?, ?, 'girl', 'text', ?, ?, ?, 'done')", (user_id, luna, XSS, at, at))
    database.close()
    return ids


def test_search_finds_highlights_and_opens_the_message_in_context(live_server, page):
    username = sign_up(page, live_server.url)
    ids = seed(live_server, username)
    target = ids[120]

    page.goto(live_server.url + "/search")
    box = page.get_by_role("combobox", name="Search your messages")
    box.fill("lighthou")
    results = page.get_by_role("listbox", name="Matching messages")
    expect(results).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = results.get_by_role("option")
    expect(options).to_have_count(3)  # two messages and "See all results"
    emma = options.filter(has_text="gallery opening")
    expect(emma.locator("mark")).to_have_text("lighthouse")
    expect(emma).to_contain_text("You to Emma")

    # The message holding markup shows it as text: no image, no script ran.
    luna = options.filter(has_text="Luna")
    expect(luna).to_contain_text('<img src=x onerror="window.__searchXss = 1">')
    expect(luna.locator("img.search-option__avatar")).to_have_count(1)
    expect(results.locator("img:not(.search-option__avatar)")).to_have_count(0)
    assert page.evaluate("window.__searchXss") is None

    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-artifacts" / "search.png"))

    # Escape closes the list; the arrow keys open it and move; Enter opens the active result.
    box.press("Escape")
    expect(results).to_be_hidden()
    box.press("ArrowDown")
    expect(results).to_be_visible()
    active = results.locator(".search-option.is-active")
    while "gallery opening" not in active.inner_text():
        box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", active.get_attribute("id"))
    box.press("Enter")
    page.wait_for_url(f"**/chat/emma?message={target}")

    focused = page.locator(f'.message[data-id="{target}"]')
    expect(focused).to_be_in_viewport()
    expect(focused).to_have_class(re.compile(r"\bmessage--focus\b"))
    expect(page.locator(f'.message[data-id="{ids[119]}"]')).to_be_attached()
    expect(page.locator(f'.message[data-id="{ids[121]}"]')).to_be_attached()
    expect(page.locator(f'.message[data-id="{ids[-1]}"]')).to_have_count(0)  # not the newest page

    # Scrolling down loads the newer messages, up to the newest, in order.
    scroller = page.locator("#message-scroller")
    last = page.locator(f'.message[data-id="{ids[-1]}"]')
    for _ in range(20):
        if last.count():
            break
        scroller.evaluate("node => { node.scrollTop = node.scrollHeight; }")
        page.wait_for_timeout(150)
    expect(last).to_be_attached()
    shown = [int(i) for i in page.locator(".message[data-id]").evaluate_all("nodes => nodes.map(n => n.dataset.id)")]
    assert shown == sorted(shown) and shown[-1] == ids[-1]
    assert set(ids[95:]) <= set(shown), "no gap between the window and the newest"
    assert page.problems == []


def test_from_an_older_window_the_pill_or_a_sent_message_bring_the_newest(live_server, page):
    username = sign_up(page, live_server.url)
    ids = seed(live_server, username)
    page.goto(f"{live_server.url}/chat/emma?message={ids[50]}")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    expect(page.locator(f'.message[data-id="{ids[50]}"]')).to_be_in_viewport()
    expect(page.locator(f'.message[data-id="{ids[-1]}"]')).to_have_count(0)

    # The pill jumps to the newest page; opened on the message again, sending does too.
    page.locator("#new-messages").click()
    expect(page.locator(f'.message[data-id="{ids[-1]}"]')).to_be_in_viewport()
    expect(page.locator(f'.message[data-id="{ids[50]}"]')).to_have_count(0)
    page.goto(f"{live_server.url}/chat/emma?message={ids[50]}")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    expect(page.locator(f'.message[data-id="{ids[50]}"]')).to_be_in_viewport()

    send(page, "Back to the present")
    mine = page.locator('.message[data-sender="user"]', has_text="Back to the present")
    expect(mine).to_be_attached()
    expect(page.locator(f'.message[data-id="{ids[-1]}"]')).to_be_attached()
    expect(page.locator(f'.message[data-id="{ids[50]}"]')).to_have_count(0)  # the newest page replaced the old
    shown = [int(i) for i in page.locator(".message[data-id]").evaluate_all("nodes => nodes.map(n => n.dataset.id)")]
    assert shown == sorted(shown) and ids[-1] in shown
    assert page.problems == []


def test_the_search_page_works_without_javascript_and_on_a_phone(live_server, browser):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    username = sign_up(page, live_server.url)
    ids = seed(live_server, username)
    page.goto(live_server.url + "/search")
    page.fill("input[name=q]", "gallery")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=gallery")
    result = page.locator(".search-result")
    expect(result).to_have_count(1)
    expect(result.locator("mark")).to_have_text("gallery")
    assert horizontal_overflow(page) == []
    result.locator("a").click()
    page.wait_for_url(f"**/chat/emma?message={ids[120]}")
    expect(page.locator(f'.message[data-id="{ids[120]}"]')).to_be_attached()
    context.close()
