"""Companion portraits in Chromium: every avatar on the list and chat pages loads as her portrait."""
from __future__ import annotations

import os

from tests.browser_support import sign_up

from playwright.sync_api import expect

LOADED_SIZES = """(selector) => [...document.querySelectorAll(selector)].map(
    (img) => img.complete ? img.naturalWidth : -1)"""


def test_avatars_are_portraits_on_the_list_and_in_the_chat(live_server, page):
    sign_up(page, live_server.url)
    cards = page.locator(".companion-card__avatar img")
    expect(cards).to_have_count(4)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.companion-card__avatar img')].every((i) => i.complete)")
    assert page.evaluate(LOADED_SIZES, ".companion-card__avatar img") == [128, 128, 128, 128]
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['SCREENSHOTS']}/portraits-list.png")
    page.goto(f"{live_server.url}/chat/luna")
    page.wait_for_function("() => [...document.querySelectorAll('.chat-header__avatar, .intro-card__avatar')]"
                           ".every((i) => i.complete)")
    assert page.evaluate(LOADED_SIZES, ".chat-header__avatar") == [128]
    assert page.evaluate(LOADED_SIZES, ".intro-card__avatar") == [256]
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['SCREENSHOTS']}/portraits-chat.png")
    assert not page.problems
