"""Voice notes in a real browser (Playwright + Debian Chromium against `python app.py`): Chromium's fake
microphone (a tone) records while the mic button is held; released, the note is sent, shows its length,
plays back; her answer says she got a voice note, and a second tab shows the note too."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import (CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, WAIT_MS, PageProblems, horizontal_overflow,
                                   open_chat, sign_up)

# Imported after browser_support, which skips this module when Chromium is missing.
from playwright.sync_api import expect, sync_playwright

expect.set_options(timeout=WAIT_MS)
LIVE_SERVER_ENV = {"REPLY_DELAY_SCALE": "0.1"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def browser():
    """Chromium with a fake microphone that never asks for permission."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + MEDIA_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, permissions=["microphone"])
    context.set_default_timeout(WAIT_MS)
    yield context
    context.close()


def hold(page, selector: str, milliseconds: int, slide_left: int = 0) -> None:
    box = page.locator(selector).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    expect(page.locator("#voice-recorder")).to_be_visible()
    page.wait_for_timeout(milliseconds)
    if slide_left:
        page.mouse.move(x - slide_left, y, steps=5)
    page.mouse.up()


def test_hold_to_record_send_play_and_see_it_in_another_tab(live_server, context):
    page = context.new_page()
    problems = PageProblems(page)
    sign_up(page, live_server.url)
    open_chat(page, live_server.url, "emma")
    second = context.new_page()
    open_chat(second, live_server.url, "emma")

    # Slide to cancel: nothing is sent.
    hold(page, "#voice-button", 700, slide_left=150)
    expect(page.locator("#voice-recorder")).to_be_hidden()
    page.wait_for_timeout(300)
    expect(page.locator('.message[data-type="voice"]')).to_have_count(0)

    # The timer runs while the button is held.
    box = page.locator("#voice-button").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    expect(page.locator(".voice-recorder__timer")).to_have_text("0:01")
    page.wait_for_timeout(500)
    page.mouse.up()

    note = page.locator('.message[data-type="voice"]')
    expect(note).to_have_count(1)
    expect(note).to_have_attribute("data-status", re.compile("^(sent|read)$"))
    expect(note).to_have_attribute("data-id", re.compile(r"^\d+$"))
    expect(note.locator(".voice-note__time")).to_have_text("0:02")
    audio_url = note.locator("audio").get_attribute("src")
    assert audio_url.startswith("/voice/")
    duration = int(note.locator(".voice-note").get_attribute("data-duration-ms"))
    assert 1200 <= duration <= 2500

    # It plays back from the server.
    note.locator(".voice-note__play").click()
    page.wait_for_function("""() => {
        const audio = document.querySelector('.message[data-type="voice"] audio');
        return audio && (audio.currentTime > 0.3 || audio.ended);
    }""", timeout=WAIT_MS)
    expect(note.locator(".voice-note__progress")).not_to_have_attribute("value", "0")

    # She answers that she got a voice note; the other tab shows the note and her answer.
    her = page.locator('.message[data-sender="girl"]')
    expect(her).to_have_count(1)
    expect(her.locator(".message__text")).to_contain_text(re.compile("voice note|vocal"))  # Emma speaks French
    expect(her.locator(".message__speak")).to_be_visible()
    expect(second.locator('.message[data-type="voice"]')).to_have_count(1)
    expect(second.locator('.message[data-type="voice"] audio')).to_have_attribute("src", audio_url)

    # Played-back state shown once more for the screenshot.
    page.wait_for_timeout(400)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "voice.png"))
    page.set_viewport_size(PHONE)
    expect(note.locator(".voice-note__play")).to_be_visible()
    assert horizontal_overflow(page) == [], "nothing sticks out of a phone's width"
    page.screenshot(path=str(ARTIFACTS / "voice-phone.png"))
    assert problems == [], problems


def test_the_speaker_button_plays_her_reply_from_the_tts_server(browser, start_server, fake_openai):
    server = start_server(TTS_PROVIDER="openai", TTS_BASE_URL=fake_openai.base_url, REPLY_DELAY_SCALE="0.1")
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        problems = PageProblems(page)
        sign_up(page, server.url)
        open_chat(page, server.url, "luna")
        page.fill("#message-input", "Hi Luna, how was your day?")
        page.keyboard.press("Enter")
        her = page.locator('.message[data-sender="girl"]')
        expect(her).to_have_count(1)
        speaker = her.locator(".message__speak")
        expect(speaker).to_have_accessible_name("Listen")
        speaker.click()
        expect(speaker).to_have_class(re.compile("message__speak--speaking"))
        expect(speaker).not_to_have_class(re.compile("message__speak--speaking"))  # the short clip ended
        speaker.click()
        page.wait_for_timeout(500)
        assert [r["path"] for r in fake_openai.audio_requests] == ["/audio/speech"]  # the second play was stored
        assert fake_openai.audio_requests[0]["body"]["input"] == her.locator(".message__text").inner_text()
        assert problems == [], problems
    finally:
        context.close()
