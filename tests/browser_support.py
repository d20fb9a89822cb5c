"""Shared setup for the Playwright tests: Debian's Chromium driven against `python app.py`.

Importing this module skips the importing test module when Chromium is missing, before Playwright
is imported. tests/conftest.py registers it as a plugin (pytest_plugins) for its `browser` and `page`
fixtures; without Chromium pytest reports it as a skipped plugin and the session goes on, while each
browser test module, which imports its helpers from here, is skipped with the reason below.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser tests need Chromium at /usr/bin/chromium (run scripts/install-browser)",
                allow_module_level=True)

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402

PASSWORD = "correct horse battery"
WAIT_MS = 15_000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_context(browser: Browser, timeout: int = WAIT_MS) -> BrowserContext:
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(timeout)
    return context


class PageProblems(list):
    """Console errors (a CSP violation is one) and uncaught exceptions seen by a page.

    A list of messages; `.errors` is the same list.
    """

    def __init__(self, page: Page) -> None:
        super().__init__()
        page.on("console", lambda message: self.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.append(f"uncaught: {error}"))

    @property
    def errors(self) -> list[str]:
        return self


@pytest.fixture
def page(browser, request):
    """A page in its own desktop-sized context; the test module's WAIT_MS, if any, is its timeout."""
    context = new_context(browser, getattr(request.module, "WAIT_MS", WAIT_MS))
    page = context.new_page()
    page.problems = PageProblems(page)
    yield page
    context.close()


def fill_sign_up_form(page: Page, username: str) -> None:
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    page.check("#adult")
    page.click("button[type=submit]")


def sign_up(page: Page, base_url: str) -> str:
    username = "b" + uuid.uuid4().hex[:10]
    page.goto(base_url + "/register")
    fill_sign_up_form(page, username)
    page.wait_for_url(base_url + "/")
    return username


def horizontal_overflow(page: Page) -> list[str]:
    """Elements sticking out of the viewport sideways (none expected)."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const out = [];
        if (document.documentElement.scrollWidth > width) out.push(`document ${document.documentElement.scrollWidth}px`);
        for (const node of document.querySelectorAll('body *')) {
            const box = node.getBoundingClientRect();
            if (box.width && (box.right > width + 1 || box.left < -1) && !node.closest('.visually-hidden')) {
                out.push(`${node.tagName.toLowerCase()}.${node.className} ${Math.round(box.left)}..${Math.round(box.right)}`);
            }
        }
        return out;
    }""")


def open_chat(page: Page, base_url: str, slug: str) -> None:
    page.goto(f"{base_url}/chat/{slug}")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")


def send(page: Page, text: str) -> None:
    page.fill("#message-input", text)
    page.keyboard.press("Enter")
    expect(page.locator("#message-input")).to_have_value("")
