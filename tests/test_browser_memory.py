"""The memory page in a real browser against the live server (CSRF on, as in production)."""
from __future__ import annotations

import re

from tests.browser_support import PHONE, WAIT_MS, horizontal_overflow, sign_up

# Imported after browser_support, which skips this module when Chromium is missing.
from playwright.sync_api import expect

expect.set_options(timeout=WAIT_MS)


def test_memory_page_corrects_adds_and_erases_inline(live_server, page):
    sign_up(page, live_server.url)
    page.click("a[href='/chat/emma']")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    page.fill("#message-input", "Hi! My name is Jon and I love kayaking")
    page.keyboard.press("Enter")
    expect(page.locator('.message[data-sender="girl"]')).to_have_count(1)

    page.get_by_role("link", name="Memory").click()
    page.wait_for_url("**/memory")
    expect(page.get_by_role("link", name="Memory")).to_have_attribute("aria-current", "page")
    emma = page.locator(".memory-group", has=page.get_by_role("heading", name="Emma"))
    expect(emma).to_be_visible()
    name = emma.locator(".memory-fact", has=page.locator(".memory-fact__kind", has_text="Your name"))
    expect(name.locator("input.memory-fact__input")).to_have_value("Jon")

    # Correct it in place: Enter submits the row's form.
    field = name.locator("input.memory-fact__input")
    field.fill("John")
    field.press("Enter")
    page.wait_for_url("**/memory")
    expect(page.locator(".flash")).to_have_text("Memory corrected.")
    expect(name.locator("input.memory-fact__input")).to_have_value("John")

    page.select_option("#new-companion", "luna")
    page.select_option("#new-kind", "plans")
    page.fill("#new-value", "visiting Edinburgh in May")
    page.get_by_role("button", name="Remember").click()
    expect(page.locator(".flash")).to_have_text("Luna will remember that.")
    luna = page.locator(".memory-group", has=page.get_by_role("heading", name="Luna"))
    expect(luna.locator("input.memory-fact__input")).to_have_value("visiting Edinburgh in May")

    page.get_by_role("button", name="Erase John").click()
    expect(page.locator(".flash")).to_have_text("Memory erased.")
    expect(page.locator("input.memory-fact__input[value='John']")).to_have_count(0)

    page.set_viewport_size(PHONE)
    expect(page.get_by_role("link", name="Memory")).to_be_visible()
    assert horizontal_overflow(page) == []

    # "Erase everything" asks first; dismissing keeps everything.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Erase everything").click()
    expect(luna).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Erase everything").click()
    expect(page.locator(".flash")).to_have_text("Every memory is erased.")
    expect(page.locator(".memory-group")).to_have_count(0)
    expect(page.locator(".memory__empty")).to_be_visible()
    assert page.problems == []
    assert re.search(r"/memory$", page.url)
