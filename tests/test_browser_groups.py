"""A group chat in Chromium: created from /groups/new, two companions answer with their names, portraits
and typing indicators; screenshots docs/group.png (desktop) and docs/group-phone.png (390x844)."""
from __future__ import annotations

import re
from pathlib import Path

from tests.browser_support import DESKTOP, PHONE, horizontal_overflow, send, sign_up

from playwright.sync_api import expect

LIVE_SERVER_ENV = {"REPLY_DELAY_SCALE": "0.5"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_a_group_chat_from_the_form_to_two_answers(page, live_server):
    websockets = []
    page.on("websocket", lambda socket: websockets.append(socket))
    sign_up(page, live_server.url)
    expect(page.locator('a[href="/groups/new"]').first).to_be_visible()
    page.goto(live_server.url + "/groups/new")
    page.fill("#name", "Movie night")
    page.locator(".group-picker__choice", has_text="Emma").click()
    page.click("main form button[type=submit]")
    expect(page.locator("#companions-error")).to_contain_text("Pick 2 to 4 companions")  # one is refused
    page.problems.clear()  # the refused form's 400, logged by Chromium
    for name in ("Luna", "Sofia"):
        page.locator(".group-picker__choice", has_text=name).click()
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/groups/\d+$"))
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")

    # The user's typing goes out as typing_indicator with the group (the turn waits for it), and stops.
    sent_frames = []
    for socket in websockets:
        socket.on("framesent", lambda frame: sent_frames.append(frame if isinstance(frame, str) else ""))
    page.fill("#message-input", "Emma and")
    group_id = int(page.url.rsplit("/", 1)[1])

    def typing_sent(state):
        return any('"typing_indicator"' in f and f'"group_id":{group_id}' in f and f'"is_typing":{state}' in f
                   for f in sent_frames)

    for _ in range(50):
        if typing_sent("true"):
            break
        page.wait_for_timeout(100)
    assert typing_sent("true"), sent_frames
    page.fill("#message-input", "")  # emptied: stopped at once
    for _ in range(50):
        if typing_sent("false"):
            break
        page.wait_for_timeout(100)
    assert typing_sent("false"), sent_frames

    send(page, "Emma and Luna, hi! What are you both up to tonight?")
    expect(page.locator('.message[data-sender="user"]')).to_have_attribute("data-status", "sent")
    typing = page.locator("#group-typing .typing")
    expect(typing.first).to_be_visible()
    expect(typing.first).to_contain_text("Emma is typing")
    her = page.locator(".message--girl")
    expect(her.nth(1)).to_be_visible(timeout=20_000)
    expect(her.nth(0).locator(".message__author")).to_have_text("Emma")
    expect(her.nth(1).locator(".message__author")).to_have_text("Luna")
    assert "/companions/emma/avatar?size=64" in her.nth(0).locator(".message__avatar").get_attribute("src")
    assert "/companions/luna/avatar?size=64" in her.nth(1).locator(".message__avatar").get_attribute("src")
    expect(typing).to_have_count(0, timeout=20_000)
    page.wait_for_timeout(500)

    page.set_viewport_size(DESKTOP)
    assert horizontal_overflow(page) == []
    expect(page.locator("#sidebar .sidebar-chat--group")).to_contain_text("Movie night")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "group.png"))
    page.set_viewport_size(PHONE)
    expect(page.locator("#message-input")).to_be_visible()
    assert horizontal_overflow(page) == []
    page.screenshot(path=str(ARTIFACTS / "group-phone.png"))

    count = her.count()
    page.reload()
    expect(page.locator(".message--girl")).to_have_count(count)
    expect(page.locator(".message--girl").nth(1).locator(".message__author")).to_have_text("Luna")
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    expect(page.locator(".companion-card--group")).to_contain_text("Movie night")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "group-list.png"), full_page=True)
    page.goto(live_server.url + "/chat/emma")
    expect(page.locator("#messages .message")).to_have_count(0)
    assert page.problems == []
