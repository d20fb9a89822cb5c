"""The real thing in a real browser: Debian's Chromium driven by Playwright against `python app.py`.

Each test signs up its own user in its own browser context. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

from tests.browser_support import DESKTOP, PASSWORD, PHONE, fill_sign_up_form, horizontal_overflow, sign_up

# Imported after browser_support, which skips this module when Chromium is missing.
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
WAIT_MS = 10_000
LOGIN_THEN_SOFIA = re.compile(r"/login\?next=(/|%2F)chat(/|%2F)sofia$")

expect.set_options(timeout=WAIT_MS)


def open_conversation(page: Page, slug: str) -> None:
    page.click(f"a[href='/chat/{slug}']")
    page.wait_for_url(f"**/chat/{slug}")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")


SEEN_SCRIPT = """() => {
    // Short-lived states (the typing bubble shows for well under a second at REPLY_DELAY_SCALE=0.2)
    // are latched by a MutationObserver, so a slow poll cannot miss them.
    window.seen = {};
    const check = () => {
        const typing = document.getElementById('typing-indicator');
        if (typing && !typing.hidden && typing.getClientRects().length) window.seen.typing = true;
        if (document.querySelector('.photo-pending')) window.seen.photoPending = true;
    };
    new MutationObserver(check).observe(document.body,
        {subtree: true, childList: true, attributes: true, attributeFilter: ['hidden', 'class']});
}"""


def wait_until_seen(page: Page, what: str) -> None:
    page.wait_for_function(f"() => window.seen && window.seen.{what} === true")


def test_chat_with_emma_in_the_browser(live_server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    sign_up(page, live_server.url)
    expect(page.locator(".companion-card")).to_have_count(4)
    open_conversation(page, "emma")
    expect(page.locator(".intro-card")).to_be_visible()
    page.evaluate(SEEN_SCRIPT)

    page.fill("#message-input", "Hi, I'm Alex and I love jazz")
    page.keyboard.press("Enter")
    mine = page.locator('.message[data-sender="user"]')
    expect(mine).to_have_count(1)
    expect(mine.locator(".message__text")).to_have_text("Hi, I'm Alex and I love jazz")
    expect(page.locator("#message-input")).to_have_value("")

    wait_until_seen(page, "typing")
    hers = page.locator('.message[data-sender="girl"]')
    expect(hers).to_have_count(1)
    expect(page.locator("#typing-indicator")).to_be_hidden()
    expect(mine).to_have_attribute("data-status", "read")
    expect(mine).to_have_attribute("data-id", re.compile(r"^\d+$"))
    assert hers.first.inner_text().strip()

    page.click("#photo-button")
    expect(page.locator("#photo-context")).to_be_visible()
    page.fill("#photo-context", "at the beach")
    page.click("#photo-send")
    wait_until_seen(page, "photoPending")
    photo = page.locator("img.photo")
    expect(photo).to_have_count(1)
    expect(page.locator(".photo-pending")).to_have_count(0)
    page.wait_for_function("() => { const img = document.querySelector('img.photo');"
                           " return img && img.complete && img.naturalWidth > 0; }")
    expect(hers).to_have_count(2)
    page.screenshot(path=str(ARTIFACTS / "chat-desktop.png"))

    page.set_viewport_size(PHONE)
    expect(page.locator("#message-input")).to_be_visible()
    assert horizontal_overflow(page) == []
    page.screenshot(path=str(ARTIFACTS / "chat-phone.png"))

    # A reload renders the same conversation on the server; the page adopts it without duplicates.
    page.reload()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    expect(page.locator(".message")).to_have_count(3)
    expect(page.locator('.message[data-sender="user"]')).to_have_attribute("data-status", "read")
    page.wait_for_function("() => { const img = document.querySelector('img.photo');"
                           " return img && img.complete && img.naturalWidth > 0; }")
    assert horizontal_overflow(page) == []

    page.goto(live_server.url + "/")
    expect(page.locator(".companion-card").first).to_contain_text("Photo")
    assert horizontal_overflow(page) == []
    page.screenshot(path=str(ARTIFACTS / "companions-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(ARTIFACTS / "companions-desktop.png"))

    assert page.problems.errors == []


def test_connection_indicator_and_composer_keys(live_server, page):
    sign_up(page, live_server.url)
    open_conversation(page, "luna")
    status = page.locator("#connection-status")
    expect(status).to_contain_text("Connected")
    expect(page.locator("#reconnect-button")).to_be_hidden()

    composer = page.locator("#message-input")
    expect(page.locator("#send-button")).to_be_disabled()
    composer.fill("first line")
    composer.press("Shift+Enter")
    composer.press_sequentially("second line")
    expect(page.locator(".message")).to_have_count(0)
    expect(composer).to_have_value("first line\nsecond line")
    page.click("#send-button")
    mine = page.locator('.message[data-sender="user"]')
    expect(mine).to_have_count(1)
    expect(mine.locator(".message__text")).to_have_text("first line\nsecond line", use_inner_text=True)
    expect(mine).to_have_attribute("data-status", "read")
    assert page.problems.errors == []


def test_signed_out_visitors_are_sent_to_login_and_back(live_server, page):
    page.goto(live_server.url + "/chat/sofia")
    page.wait_for_url(LOGIN_THEN_SOFIA)
    expect(page.locator("form")).to_be_visible()
    username = "b" + uuid.uuid4().hex[:10]
    page.click("text=Create an account")
    fill_sign_up_form(page, username)
    page.wait_for_url(live_server.url + "/")
    page.click(".logout-form button")
    page.wait_for_url("**/login")

    page.goto(live_server.url + "/chat/sofia")
    page.wait_for_url(LOGIN_THEN_SOFIA)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/chat/sofia")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
