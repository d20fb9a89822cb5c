"""The companion writes first, in Debian's Chromium against `python app.py`: the switch in the chat
header, its state in a second tab, her message marked "wrote first" and a notification in a hidden tab."""
from __future__ import annotations

from pathlib import Path

from tests.browser_support import PHONE, PageProblems, horizontal_overflow, new_context, open_chat, send, sign_up
from tests.test_browser_sidebar import NOTIFICATIONS, VISIBILITY

# Imported after browser_support, which skips this module when Chromium is missing.
from playwright.sync_api import expect

WAIT_MS = 15_000
expect.set_options(timeout=WAIT_MS)
LIVE_SERVER_ENV = {"REPLY_DELAY_SCALE": "0", "PROACTIVE_AFTER_HOURS": "0.0008", "PROACTIVE_NIGHT": "",
                   "PROACTIVE_CHECK_SECONDS": "0.3"}
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "test-artifacts" / "proactive.png"
PHONE_SCREENSHOT = ROOT / "test-artifacts" / "proactive-phone.png"


def test_turn_it_on_and_she_writes_first_in_every_tab(browser, live_server):
    context = new_context(browser, WAIT_MS)
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.add_init_script(script=NOTIFICATIONS)
    page = context.new_page()
    page.add_init_script(script=VISIBILITY)
    problems = PageProblems(page)
    sign_up(page, live_server.url)
    open_chat(page, live_server.url, "emma")
    switch = page.locator("#proactive-switch")
    expect(switch).not_to_be_checked()
    expect(page.get_by_role("switch", name="Emma may message you first")).to_be_visible()
    send(page, "I'm going to the cinema tonight with Sam")
    expect(page.locator('.message[data-sender="girl"]')).to_have_count(1)

    other = context.new_page()   # a second tab, in the background
    other.add_init_script(script="window.__visibility = 'hidden';")
    other.add_init_script(script=VISIBILITY)
    open_chat(other, live_server.url, "emma")
    expect(other.locator("#proactive-switch")).not_to_be_checked()

    page.locator(".proactive-switch").click()
    expect(switch).to_be_checked()
    expect(other.locator("#proactive-switch")).to_be_checked()          # proactive_changed, every tab

    first = page.locator('.message[data-sender="girl"]:has(.message__first)')
    expect(first).to_have_count(1, timeout=20_000)                      # after ~3 s of quiet
    expect(first.locator(".message__first")).to_have_text("wrote first")
    expect(other.locator('.message[data-sender="girl"]:has(.message__first)')).to_have_count(1)
    other.wait_for_function("() => window.__notifications.length >= 1")
    note = other.evaluate("() => ({title: window.__notifications.at(-1).title, body: window.__notifications.at(-1).body})")
    assert note["title"] == "Emma" and note["body"]
    page.wait_for_timeout(1500)                                          # more checks: still one
    expect(page.locator('.message:has(.message__first)')).to_have_count(1)
    page.evaluate("() => document.fonts && document.fonts.ready")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    page.set_viewport_size(PHONE)                                        # rendered by the server too
    page.reload()
    expect(page.locator("#proactive-switch")).to_be_checked()
    expect(page.locator('.message[data-sender="girl"]:has(.message__first)')).to_have_count(1)
    expect(page.get_by_role("switch", name="Emma may message you first")).to_be_visible()  # named, label hidden
    assert horizontal_overflow(page) == []
    PHONE_SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(PHONE_SCREENSHOT))
    page.locator(".proactive-switch").click()                            # off again, in both tabs
    expect(other.locator("#proactive-switch")).not_to_be_checked()
    assert [p for p in problems if not p.startswith("Failed to load resource")] == []
    context.close()
