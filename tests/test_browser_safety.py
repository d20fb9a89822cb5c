"""What a person sees of the safety protocol in a real browser: the crisis card under a crisis reply,
with real links, and the AI notice on the list and in the chat, at desktop and phone widths.
Screenshots go to test-artifacts/."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import DESKTOP, PHONE, horizontal_overflow, open_chat, send, sign_up

# Imported after browser_support, which skips this module when Chromium is missing.
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
WAIT_MS = 15_000

expect.set_options(timeout=WAIT_MS)


def test_a_crisis_reply_shows_a_card_with_real_links_live_and_after_a_reload(live_server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    sign_up(page, live_server.url)
    open_chat(page, live_server.url, "emma")
    send(page, "i dont want to be alive anymore")

    card = page.locator('.message[data-sender="girl"] .crisis-card')
    expect(card).to_be_visible()
    expect(card).to_have_attribute("role", "note")
    expect(card.locator(".crisis-card__title")).to_have_text("You don't have to go through this alone")
    expect(card.locator('a[href="tel:988"]').first).to_be_visible()
    expect(card.locator('a[href="sms:988"]')).to_have_text("Text 988")
    helpline = card.locator('a[href="https://findahelpline.com"]')
    expect(helpline).to_be_visible()
    expect(helpline).to_have_attribute("rel", "noopener")
    assert "AI" in page.locator('.message[data-sender="girl"] .message__text').last.inner_text()
    page.screenshot(path=str(ARTIFACTS / "crisis-card-desktop.png"))

    page.reload()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    expect(page.locator('.message[data-sender="girl"] .crisis-card a[href="tel:988"]').first).to_be_visible()
    assert page.problems == []


def test_french_crisis_card_on_a_phone(live_server, browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(WAIT_MS)
    phone = context.new_page()
    try:
        sign_up(phone, live_server.url)
        open_chat(phone, live_server.url, "emma")
        send(phone, "j'ai envie d'en finir, je veux mourir")
        card = phone.locator('.message[data-sender="girl"] .crisis-card')
        expect(card).to_be_visible()
        expect(card.locator('a[href="tel:3114"]').first).to_be_visible()
        expect(card.locator('a.crisis-card__action[href="tel:112"]')).to_have_text("Appeler le 112")
        card.scroll_into_view_if_needed()
        assert horizontal_overflow(phone) == []
        phone.screenshot(path=str(ARTIFACTS / "crisis-card-phone.png"))
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_ai_notice_is_visible_on_the_list_and_in_the_chat(live_server, browser, viewport):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(WAIT_MS)
    view = context.new_page()
    try:
        view.goto(live_server.url + "/register")
        expect(view.get_by_text("not real people")).to_be_visible()
        sign_up(view, live_server.url)
        expect(view.locator(".ai-notice")).to_be_visible()
        badges = view.locator(".companion-card .ai-badge")
        expect(badges).to_have_count(4)
        for index in range(4):
            expect(badges.nth(index)).to_be_visible()
        name = "desktop" if viewport == DESKTOP else "phone"
        view.screenshot(path=str(ARTIFACTS / f"ai-notice-list-{name}.png"))
        open_chat(view, live_server.url, "luna")
        expect(view.locator(".chat-header .ai-badge")).to_be_visible()
        expect(view.locator(".chat-header .ai-badge")).to_have_text("AI companion")
        expect(view.locator(".site-footer a[href='/safety']")).to_be_visible()
        assert horizontal_overflow(view) == []
        view.screenshot(path=str(ARTIFACTS / f"ai-notice-chat-{name}.png"))
    finally:
        context.close()
