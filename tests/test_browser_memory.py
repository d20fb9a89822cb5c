"""The memory page in a real browser against the live server (CSRF on, as in production)."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser tests need Chromium at /usr/bin/chromium (run scripts/install-browser)",
                allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

PASSWORD = "correct horse battery"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PHONE = {"width": 390, "height": 844}

expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.problems = problems
    yield page
    context.close()


def horizontal_overflow(page: Page) -> list[str]:
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const out = [];
        for (const node of document.querySelectorAll('body *')) {
            const box = node.getBoundingClientRect();
            if (box.width && (box.right > width + 1 || box.left < -1) && !node.closest('.visually-hidden')) {
                out.push(`${node.tagName.toLowerCase()}.${node.className} ${Math.round(box.left)}..${Math.round(box.right)}`);
            }
        }
        return out;
    }""")


def test_memory_page_corrects_adds_and_erases_inline(live_server, page):
    page.goto(live_server.url + "/register")
    page.fill("#username", "m" + uuid.uuid4().hex[:10])
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    page.check("#adult")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
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
