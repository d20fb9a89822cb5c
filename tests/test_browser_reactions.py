"""Reactions and reply-to in a real browser (Playwright + Debian Chromium against `python app.py`):
react from the message menu in one tab and see it in the other; reply to her message, see the quote
above the composer and in the sent bubble (and in the other tab), cancel with ✕ or Escape.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import PHONE, WAIT_MS, PageProblems, horizontal_overflow, new_context, open_chat, send, sign_up

# Imported after browser_support, which skips this module when Chromium is missing.
from playwright.sync_api import Page, expect

expect.set_options(timeout=WAIT_MS)
LIVE_SERVER_ENV = {"REPLY_DELAY_SCALE": "0.1"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

HER_MESSAGES = '.message[data-sender="girl"]'
USER_MESSAGES = '.message[data-sender="user"]'


@pytest.fixture
def context(browser):
    context = new_context(browser, WAIT_MS)
    yield context
    context.close()


def her_last(page: Page):
    return page.locator(HER_MESSAGES).last


def open_menu(page: Page, message) -> None:
    message.locator(".bubble").click(button="right")
    expect(message.locator(".message-menu")).to_be_visible()


def test_react_in_one_tab_and_reply_to_a_message(live_server, context):
    first = context.new_page()
    problems = PageProblems(first)
    sign_up(first, live_server.url)
    open_chat(first, live_server.url, "emma")
    send(first, "Tell me about your favourite gallery")
    expect(first.locator(HER_MESSAGES)).to_have_count(1)
    her = first.locator(f'.message[data-id="{her_last(first).get_attribute("data-id")}"]')
    expect(her.locator(".message__avatar")).to_have_attribute("src", "/companions/emma/avatar?size=64")
    expect(her.locator(".message__avatar")).to_have_attribute("alt", "")
    her_text = her.locator(".message__text").inner_text()

    second = context.new_page()
    open_chat(second, live_server.url, "emma")
    expect(second.locator(HER_MESSAGES)).to_have_count(1)

    # React from the menu (right-click) in the first tab; the second tab shows it live.
    open_menu(first, her)
    first.get_by_role("menuitemcheckbox", name="React ❤️").click()
    expect(her.locator(".message-menu")).to_have_count(0)
    expect(her.get_by_role("img", name="Reacted ❤️")).to_be_visible()
    expect(her_last(second).get_by_role("img", name="Reacted ❤️")).to_be_visible()

    # The ⋯ button opens the same menu; choosing the checked emoji takes the reaction away.
    her.hover()
    her.locator(".message__more").click()
    expect(first.get_by_role("menuitemcheckbox", name="Remove reaction ❤️")).to_have_attribute("aria-checked", "true")
    first.get_by_role("menuitemcheckbox", name="Remove reaction ❤️").click()
    expect(her_last(second).locator(".message__reaction")).to_have_count(0)
    open_menu(first, her)
    first.get_by_role("menuitemcheckbox", name="React 🔥").click()
    expect(her_last(second).get_by_role("img", name="Reacted 🔥")).to_be_visible()

    # Reply: the quote shows above the composer; Escape and ✕ cancel it.
    preview = first.locator("#reply-preview")
    open_menu(first, her)
    first.get_by_role("menuitem", name="Reply").click()
    expect(preview).to_be_visible()
    expect(preview.locator(".reply-preview__sender")).to_have_text("Emma")
    expect(preview.locator(".reply-preview__text")).to_have_text(excerpt(her_text))
    expect(first.locator("#message-input")).to_be_focused()
    first.keyboard.press("Escape")
    expect(preview).to_be_hidden()
    open_menu(first, her)
    first.get_by_role("menuitem", name="Reply").click()
    first.get_by_role("button", name="Cancel reply").click()
    expect(preview).to_be_hidden()

    open_menu(first, her)
    first.get_by_role("menuitem", name="Reply").click()
    send(first, "Why that one?")
    expect(preview).to_be_hidden()
    sent = first.locator(USER_MESSAGES).filter(has_text="Why that one?")
    expect(sent.locator(".message__quote-sender")).to_have_text("Emma")
    expect(sent.locator(".message__quote-text")).to_have_text(excerpt(her_text))
    expect(sent).to_have_attribute("data-status", re.compile("sent|read"))
    other = second.locator(USER_MESSAGES).filter(has_text="Why that one?")
    expect(other.locator(".message__quote-text")).to_have_text(excerpt(her_text))

    # A click on the quote brings the quoted message into view.
    first.locator("#message-scroller").evaluate("(node) => { node.scrollTop = node.scrollHeight; }")
    sent.locator(".message__quote").click()
    expect(her).to_have_class(re.compile("message--quoted"))

    # After a reload the server renders the same pill and quote.
    first.reload()
    expect(first.locator("#connection-status")).to_have_attribute("data-state", "connected")
    expect(first.locator(HER_MESSAGES).first.get_by_role("img", name="Reacted 🔥")).to_be_visible()
    reloaded = first.locator(USER_MESSAGES).filter(has_text="Why that one?")
    expect(reloaded.locator(".message__quote-sender")).to_have_text("Emma")
    assert not problems, problems


def test_screenshot_for_the_docs(live_server, context):
    page = context.new_page()
    sign_up(page, live_server.url)
    open_chat(page, live_server.url, "emma")
    send(page, "Hi Emma! What did you do today?")
    expect(page.locator(HER_MESSAGES)).to_have_count(1)
    open_menu(page, her_last(page))
    page.get_by_role("menuitemcheckbox", name="React ❤️").click()
    open_menu(page, her_last(page))
    page.get_by_role("menuitem", name="Reply").click()
    send(page, "That sounds lovely, tell me more")
    expect(page.locator(HER_MESSAGES)).to_have_count(2)
    mine = page.locator(USER_MESSAGES).first
    open_menu(page, mine)
    page.get_by_role("menuitemcheckbox", name="React 😂").click()
    open_menu(page, her_last(page))
    page.get_by_role("menuitem", name="Reply").click()
    open_menu(page, her_last(page))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reactions.png"))

    # At phone width nothing sticks out sideways: her portrait, the pills, the quotes, the menu.
    page.set_viewport_size(PHONE)
    expect(page.locator("#reply-preview")).to_be_visible()
    assert horizontal_overflow(page) == []


def excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:119].rstrip() + "…"
