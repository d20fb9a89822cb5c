"""Accessible polish in a real browser: the theme toggle, the connection status at phone width, sent
and read ticks, colour emoji, and a contrast sweep over every visible text on three pages in both
themes. Screenshots go to test-artifacts/ (docs/companions-phone.png and docs/chat-dark.png are
copies of two of them).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import DESKTOP, PHONE, PageProblems, horizontal_overflow, sign_up

# Imported after browser_support, which skips this module when Chromium is missing.
from playwright.sync_api import Browser, Page, expect

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
WAIT_MS = 10_000

expect.set_options(timeout=WAIT_MS)

# Records the theme when the <body> starts (before page.js, a module, has run: only theme-boot.js
# can have set it), in the first animation frame (which runs just before the first paint, once the
# render-blocking stylesheet is in) and at DOMContentLoaded.
RECORD_THEME_AT_PARSE = """
window.__themeAtParse = null;
new MutationObserver((records, observer) => {
  if (document.body) {
    window.__themeAtParse = {theme: document.documentElement.getAttribute('data-theme')};
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
requestAnimationFrame(() => {
  window.__firstFrame = {
    theme: document.documentElement.getAttribute('data-theme'),
    colorScheme: getComputedStyle(document.documentElement).colorScheme,
    background: document.body && getComputedStyle(document.body).backgroundColor,
  };
});
document.addEventListener('DOMContentLoaded', () => {
  window.__themeAtDomContentLoaded = document.documentElement.getAttribute('data-theme');
}, {capture: true});
"""


def new_page(browser: Browser, color_scheme: str = "light", viewport: dict = DESKTOP) -> Page:
    context = browser.new_context(viewport=viewport, color_scheme=color_scheme)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.problems = PageProblems(page)
    page.on("response", lambda response: page.problems.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    return page


@pytest.fixture
def light_page(browser):
    page = new_page(browser, "light")
    yield page
    page.context.close()


def body_luminance(page: Page) -> float:
    return page.evaluate("""() => {
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 1;
        const ctx = canvas.getContext('2d', {willReadFrequently: true});
        ctx.fillStyle = getComputedStyle(document.body).backgroundColor;
        ctx.fillRect(0, 0, 1, 1);
        const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
        const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    }""")


def pressed(page: Page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-theme-choice]')]
        .map((b) => [b.dataset.themeChoice, b.getAttribute('aria-pressed')]))""")


def test_theme_toggle_remembers_the_choice_and_applies_it_before_the_first_paint(live_server, light_page):
    page = light_page
    page.context.add_init_script(RECORD_THEME_AT_PARSE)
    sign_up(page, live_server.url)
    assert body_luminance(page) > 0.8
    assert pressed(page) == {"light": "false", "dark": "false", "system": "true"}

    page.get_by_role("button", name="Dark").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert pressed(page) == {"light": "false", "dark": "true", "system": "false"}
    assert body_luminance(page) < 0.05

    # A reload (and any other page) is dark from the start: data-theme is on <html> when the body
    # begins, before the first paint, and the stylesheet already answers to it.
    page.reload()
    assert page.evaluate("window.__themeAtParse") == {"theme": "dark"}
    first_frame = page.evaluate("window.__firstFrame")
    assert first_frame["theme"] == "dark" and first_frame["colorScheme"] == "dark", first_frame
    assert first_frame["background"] == page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert page.evaluate("window.__themeAtDomContentLoaded") == "dark"
    assert body_luminance(page) < 0.05
    assert pressed(page)["dark"] == "true"

    # Another tab of the same browser follows the choice as it changes.
    other = page.context.new_page()
    other.goto(live_server.url + "/account")
    assert other.evaluate("window.__themeAtParse")["theme"] == "dark"
    page.get_by_role("button", name="Light").click()
    expect(other.locator("html")).to_have_attribute("data-theme", "light")

    # An explicit light wins over a dark system setting; "system" follows the system again.
    page.emulate_media(color_scheme="dark")
    assert body_luminance(page) > 0.8
    page.get_by_role("button", name="System").click()
    expect(page.locator("html")).not_to_have_attribute("data-theme", "light")
    assert page.evaluate("document.documentElement.hasAttribute('data-theme')") is False
    assert body_luminance(page) < 0.05
    page.reload()
    assert page.evaluate("window.__themeAtParse")["theme"] is None
    assert body_luminance(page) < 0.05
    assert page.problems.errors == []


def test_connection_status_says_its_state_in_words_on_a_phone(live_server, browser):
    page = new_page(browser, "dark", PHONE)
    try:
        sign_up(page, live_server.url)
        page.goto(live_server.url + "/chat/sofia")
        status = page.locator("#connection-status")
        expect(status).to_have_attribute("data-state", "connected")
        text = status.locator(".connection__text")
        expect(text).to_be_visible()
        expect(text).to_have_text("Connected")
        box = text.bounding_box()
        assert box and box["width"] > 40 and box["height"] > 8
        # Not cut to an ellipsis, not clipped away.
        assert text.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1") is True
        assert text.evaluate("(el) => getComputedStyle(el).clip") in ("auto", "")
        assert horizontal_overflow(page) == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "chat-phone-status.png"))
    finally:
        page.context.close()


def test_sent_and_read_ticks_differ_beyond_colour(live_server, light_page):
    page = light_page
    sign_up(page, live_server.url)
    page.goto(live_server.url + "/chat/zoe")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    page.fill("#message-input", "Hello there 😉")
    page.keyboard.press("Enter")
    mine = page.locator('.message[data-sender="user"]')
    expect(mine).to_have_attribute("data-status", "read")
    expect(mine.locator(".message__status")).to_contain_text("Read")

    styles = mine.evaluate("""(read) => {
        const sent = read.cloneNode(true);
        sent.dataset.status = 'sent';
        read.after(sent);
        const describe = (message) => {
            const status = message.querySelector('.message__status');
            const pick = (style) => ({content: style.content, width: style.width,
                                      border: style.borderRightWidth, color: style.color});
            return {width: getComputedStyle(status).width, color: getComputedStyle(status).color,
                    before: pick(getComputedStyle(status, '::before')),
                    after: pick(getComputedStyle(status, '::after'))};
        };
        const result = {read: describe(read), sent: describe(sent)};
        sent.remove();
        return result;
    }""")
    read, sent = styles["read"], styles["sent"]
    assert sent["after"]["content"] == "none" and read["after"]["content"] != "none"  # one tick, two ticks
    assert read["width"] != sent["width"]
    assert float(read["before"]["border"].removesuffix("px")) > float(sent["before"]["border"].removesuffix("px"))
    assert read["color"] != sent["color"]


def test_the_font_stack_draws_emoji_in_colour(live_server, light_page):
    page = light_page
    sign_up(page, live_server.url)
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    names = [name.strip().strip('"') for name in family.split(",")]
    assert names.index("Noto Color Emoji") < names.index("sans-serif")
    assert names.index("Apple Color Emoji") < names.index("sans-serif")
    # Drawn with the page's own font stack, 😉 has coloured (not grey) pixels.
    coloured = page.evaluate("""(family) => {
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 64;
        const ctx = canvas.getContext('2d', {willReadFrequently: true});
        ctx.font = `48px ${family}`;
        ctx.textBaseline = 'top';
        ctx.fillStyle = '#000';
        ctx.fillText('😉', 4, 4);
        const data = ctx.getImageData(0, 0, 64, 64).data;
        let count = 0;
        for (let i = 0; i < data.length; i += 4) {
            const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
            if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) count++;
        }
        return count;
    }""", family)
    assert coloured > 100


CONTRAST_SWEEP = """async () => {
    // Colours caught mid-transition (just after the theme changed) are not what the page shows.
    await Promise.all(document.getAnimations().filter((a) => a instanceof CSSTransition).map((a) => a.finished));
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext('2d', {willReadFrequently: true});
    const rgba = (css) => {
        ctx.clearRect(0, 0, 1, 1);
        ctx.fillStyle = '#000';
        ctx.fillStyle = css;
        ctx.fillRect(0, 0, 1, 1);
        const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
        return [r / 255, g / 255, b / 255, a / 255];
    };
    const over = (top, under) => top.slice(0, 3).map((c, i) => c * top[3] + under[i] * (1 - top[3]));
    const lum = ([r, g, b]) => {
        const lin = (c) => c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    const GRADIENT_COLOR = /(?:rgba?|oklab|oklch|lab|lch|color|hsla?)\\([^()]*\\)/g;

    // The opaque colours under an element: translucent layers composited down to the first opaque one.
    const backgroundsUnder = (element) => {
        const layers = [];
        for (let node = element; node; node = node.parentElement) {
            const style = getComputedStyle(node);
            const image = style.backgroundImage;
            if (image && image !== 'none' && /gradient/.test(image) && style.backgroundClip !== 'text') {
                const stops = (image.match(GRADIENT_COLOR) || []).map(rgba);
                if (stops.length && stops.every((stop) => stop[3] >= 0.99)) {
                    return stops.map((stop) => layers.reduceRight((under, layer) => over(layer, under), stop.slice(0, 3)));
                }
            }
            const color = rgba(style.backgroundColor);
            if (color[3] >= 0.99) return [layers.reduceRight((under, layer) => over(layer, under), color.slice(0, 3))];
            if (color[3] > 0) layers.push(color);
        }
        return [layers.reduceRight((under, layer) => over(layer, under), [1, 1, 1])];
    };

    const failures = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
        const element = text.parentElement;
        if (!text.textContent.trim() || seen.has(element)) continue;
        seen.add(element);
        if (element.closest('.visually-hidden, [hidden], script, style, template, noscript')) continue;
        if (element.closest('button:disabled, input:disabled')) continue;  // inactive controls are exempt
        const range = document.createRange();
        range.selectNodeContents(text);
        const box = range.getBoundingClientRect();
        if (box.width < 1 || box.height < 1 || box.bottom < 0 || box.top > innerHeight * 3) continue;
        const style = getComputedStyle(element);
        if (style.visibility !== 'visible') continue;
        let opacity = 1;
        for (let node = element; node; node = node.parentElement) opacity *= Number(getComputedStyle(node).opacity);
        if (opacity === 0) continue;
        const size = parseFloat(style.fontSize);
        const bold = Number(style.fontWeight) >= 700;
        const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
        const color = rgba(style.color);
        for (const background of backgroundsUnder(element)) {
            const shown = over([...color.slice(0, 3), color[3] * opacity], background);
            const value = ratio(shown, background);
            if (value < needed - 0.01) {
                failures.push(`${element.tagName.toLowerCase()}.${[...element.classList].join('.')} ` +
                    `"${text.textContent.trim().slice(0, 30)}" ${value.toFixed(2)}:1 < ${needed}:1`);
            }
        }
    }
    return failures;
}"""


@pytest.mark.parametrize("theme", ["light", "dark-system", "dark-toggle"])
def test_every_visible_text_meets_wcag_aa(live_server, browser, theme):
    page = new_page(browser, "dark" if theme == "dark-system" else "light")
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        sign_up(page, live_server.url)
        if theme == "dark-toggle":
            page.get_by_role("button", name="Dark").click()
            expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        failures = {}
        failures["companions"] = page.evaluate(CONTRAST_SWEEP)

        page.goto(live_server.url + "/chat/sofia")
        expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
        page.fill("#message-input", "Hi Sofia 😉 what are you up to?")
        page.keyboard.press("Enter")
        expect(page.locator('.message[data-sender="user"]')).to_have_attribute("data-status", "read")
        expect(page.locator('.message[data-sender="girl"]')).to_have_count(1)
        failures["chat"] = page.evaluate(CONTRAST_SWEEP)
        page.screenshot(path=str(ARTIFACTS / f"chat-{theme}.png"))

        for slug in ("emma", "luna", "zoe"):
            page.goto(f"{live_server.url}/chat/{slug}")
            expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
            failures[slug] = page.evaluate(CONTRAST_SWEEP)

        page.goto(live_server.url + "/account")
        failures["account"] = page.evaluate(CONTRAST_SWEEP)

        page.goto(live_server.url + "/")
        page.set_viewport_size(PHONE)
        failures["companions-phone"] = page.evaluate(CONTRAST_SWEEP)
        assert horizontal_overflow(page) == []
        page.screenshot(path=str(ARTIFACTS / f"companions-phone-{theme}.png"), full_page=True)
        report = [f"{name}: {failure}" for name, found in failures.items() for failure in found]
        assert report == [], "\n".join(report)
        assert page.problems.errors == []
    finally:
        page.context.close()


def test_companion_cards_are_compact_on_a_phone(live_server, browser):
    page = new_page(browser, "light", PHONE)
    try:
        sign_up(page, live_server.url)
        cards = page.locator(".companion-card")
        expect(cards).to_have_count(4)
        heights = [cards.nth(i).bounding_box()["height"] for i in range(4)]
        assert max(heights) <= 160, heights
        expect(cards.first.locator(".companion-card__name")).to_be_visible()
        expect(cards.first.locator(".companion-card__preview")).to_be_visible()
        tagline = cards.first.locator(".companion-card__tagline")
        line_height = float(tagline.evaluate("(el) => parseFloat(getComputedStyle(el).lineHeight)"))
        assert tagline.bounding_box()["height"] <= line_height * 1.5  # one line
    finally:
        page.context.close()
