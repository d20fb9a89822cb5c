"""Delivery in a real browser: nothing lost, nothing duplicated.

Debian's Chromium driven by Playwright against `python app.py`: the outbox across going offline
and reloads, two tabs of one user, regenerate, edit and delete, and replies streamed from a fake
OpenAI-compatible server. Each test signs up its own user in its own browser context and waits
on conditions, never on fixed sleeps.
"""
from __future__ import annotations

import re

import pytest

from tests.browser_support import WAIT_MS, new_context, open_chat, send, sign_up

# Imported after browser_support, which skips this module when Chromium is missing.
from playwright.sync_api import BrowserContext, Page, expect

from tests.fake_openai import reply, server_error

expect.set_options(timeout=WAIT_MS)
LIVE_SERVER_ENV = {"REPLY_DELAY_SCALE": "0.1"}

USER_MESSAGES = '.message[data-sender="user"]'
HER_MESSAGES = '.message[data-sender="girl"]'

# Installed in every page of a context before its scripts run: the connection indicator's
# data-state values in order (a MutationObserver with old values, so even states that last a
# single task are seen), uncaught errors and CSP violations.
RECORDER = """(() => {
    window.__states = [];
    window.__problems = [];
    window.addEventListener('error', (e) => window.__problems.push('error: ' + e.message));
    window.addEventListener('unhandledrejection', (e) => window.__problems.push('rejection: ' + e.reason));
    document.addEventListener('securitypolicyviolation',
        (e) => window.__problems.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI));
    const watch = () => {
        const box = document.getElementById('connection-status');
        if (!box) return;
        window.__states.push(box.dataset.state);
        new MutationObserver((records) => {
            records.forEach((record, i) => window.__states.push(
                i + 1 < records.length ? records[i + 1].oldValue : box.dataset.state));
        }).observe(box, {attributes: true, attributeFilter: ['data-state'], attributeOldValue: true});
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch);
    else watch();
})();"""


@pytest.fixture(scope="module")
def server(live_server):
    """The module's shared server, with LIVE_SERVER_ENV."""
    return live_server


@pytest.fixture
def context(browser):
    context = new_context(browser, WAIT_MS)
    context.add_init_script(script=RECORDER)
    yield context
    context.close()


# ---------------------------------------------------------------------------- helpers

def mine(page: Page, text: str):
    return page.locator(USER_MESSAGES).filter(has=page.locator(".message__text", has_text=re.compile(
        "^" + re.escape(text) + "$")))


def outbox(page: Page) -> list[dict]:
    """Every item in the page's outboxes (localStorage)."""
    return page.evaluate("""() => Object.keys(localStorage)
        .filter((key) => key.startsWith('dreamchat.outbox.'))
        .flatMap((key) => JSON.parse(localStorage.getItem(key)))""")


def server_messages(page: Page, slug: str) -> list[dict]:
    return page.evaluate("""async (slug) => {
        const response = await fetch(`/api/conversations/${slug}/messages?limit=100`);
        return (await response.json()).messages;
    }""", slug)


def dom_ids(page: Page) -> list[int]:
    return page.evaluate("() => [...document.querySelectorAll('#messages .message')]"
                         ".map((node) => Number(node.dataset.id) || 0)")


# wait_for_function does not await a promise: the predicate starts a fetch when none is running
# and answers from the last one that finished (a comparison made after the wait began).
WAIT_FOR_SERVER_AND_DOM_TO_AGREE = """(slug) => {
    const state = window.__agree || (window.__agree = {busy: false, ok: false});
    if (!state.busy) {
        state.busy = true;
        fetch(`/api/conversations/${slug}/messages?limit=100`)
            .then((response) => response.json())
            .then(({messages: server}) => {
                // The same finished messages, in the same order, on the server and in the page;
                // her last reply in, nothing pending, streaming or typing.
                const shown = [...document.querySelectorAll('#messages .message')];
                state.ok = Boolean(server.length) && server[server.length - 1].sender === 'girl'
                    && !document.querySelector('#typing-indicator:not([hidden])')
                    && !shown.some((node) => ['pending', 'failed', 'streaming'].includes(node.dataset.status))
                    && JSON.stringify(shown.map((node) => Number(node.dataset.id)))
                        === JSON.stringify(server.map((message) => message.id));
            })
            .catch(() => { state.ok = false; })
            .finally(() => { state.busy = false; });
    }
    return state.ok;
}"""


def wait_until_settled(page: Page, slug: str) -> list[dict]:
    page.evaluate("() => { window.__agree = null; }")
    try:
        page.wait_for_function(WAIT_FOR_SERVER_AND_DOM_TO_AGREE, arg=slug, polling=200, timeout=20_000)
    except Exception:
        shown = page.evaluate("() => [...document.querySelectorAll('#messages .message')]"
                              ".map((n) => [n.dataset.id, n.dataset.sender, n.dataset.status, n.innerText])")
        raise AssertionError(f"page and server disagree:\n page {shown}\n server "
                             f"{[(m['id'], m['sender'], m['content']) for m in server_messages(page, slug)]}")
    return server_messages(page, slug)


def collapse(states: list[str]) -> list[str]:
    out: list[str] = []
    for state in states:
        if not out or out[-1] != state:
            out.append(state)
    return out


def assert_no_page_problems(page: Page) -> None:
    assert page.evaluate("window.__problems") == []


def assert_each_once(page: Page, messages: list[dict]) -> None:
    ids = dom_ids(page)
    assert len(ids) == len(set(ids)), f"duplicate messages in the DOM: {ids}"
    client_ids = [m["client_id"] for m in messages if m["sender"] == "user"]
    assert len(client_ids) == len(set(client_ids))


# ---------------------------------------------------------------------------- tests

def test_offline_messages_wait_in_the_outbox_and_arrive_once_when_back(server, context: BrowserContext):
    page = context.new_page()
    sign_up(page, server.url)
    open_chat(page, server.url, "emma")

    send(page, "Hi Emma, I'm Sam")
    expect(page.locator(HER_MESSAGES)).to_have_count(1)
    expect(mine(page, "Hi Emma, I'm Sam")).to_have_attribute("data-status", "read")

    context.set_offline(True)
    status = page.locator("#connection-status")
    expect(status).to_have_attribute("data-state", re.compile(r"^(reconnecting|disconnected)$"))
    send(page, "written in the tunnel")
    send(page, "and one more before the light")
    expect(page.locator(f'{USER_MESSAGES}[data-status="pending"]')).to_have_count(2)
    assert [item["content"] for item in outbox(page)] == ["written in the tunnel", "and one more before the light"]
    expect(page.locator(".message__more:visible")).to_have_count(0)  # edit and delete need the connection

    context.set_offline(False)
    expect(status).to_have_attribute("data-state", "connected")
    states = collapse(page.evaluate("window.__states"))
    gone = next(i for i, state in enumerate(states) if state in ("reconnecting", "disconnected"))
    after = states[gone:]
    assert "syncing" in after, states
    assert after.index("syncing") < len(after) - 1 and after[-1] == "connected", states

    messages = wait_until_settled(page, "emma")
    texts = ["Hi Emma, I'm Sam", "written in the tunnel", "and one more before the light"]
    assert [m["content"] for m in messages if m["sender"] == "user"] == texts
    for text in texts:
        expect(mine(page, text)).to_have_count(1)
        expect(mine(page, text)).to_have_attribute("data-status", "read")
    assert len([m for m in messages if m["sender"] == "girl"]) >= 2
    assert_each_once(page, messages)
    assert outbox(page) == []
    assert_no_page_problems(page)


def test_the_outbox_survives_a_reload_and_is_delivered_once_in_order(server, context: BrowserContext):
    page = context.new_page()
    sign_up(page, server.url)
    open_chat(page, server.url, "luna")
    context.set_offline(True)
    expect(page.locator("#connection-status")).to_have_attribute("data-state", re.compile(r"^(reconnecting|disconnected)$"))
    send(page, "first, while offline")
    send(page, "second, while offline")
    expect(page.locator(f'{USER_MESSAGES}[data-status="pending"]')).to_have_count(2)
    page.close()

    context.set_offline(False)
    page = context.new_page()
    page.goto(server.url + "/chat/luna")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    messages = wait_until_settled(page, "luna")
    texts = ["first, while offline", "second, while offline"]
    assert [m["content"] for m in messages if m["sender"] == "user"] == texts
    shown = page.locator(f"{USER_MESSAGES} .message__text").all_inner_texts()
    assert shown == texts
    for text in texts:
        expect(mine(page, text)).to_have_attribute("data-status", re.compile(r"^(sent|read)$"))
    assert_each_once(page, messages)
    assert outbox(page) == []

    # And once more: a reload now renders them from the server, still once each.
    page.reload()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    assert page.locator(f"{USER_MESSAGES} .message__text").all_inner_texts() == texts
    assert_no_page_problems(page)


def test_two_pages_of_one_user_agree_on_sends_edits_and_deletes(server, context: BrowserContext):
    first = context.new_page()
    sign_up(first, server.url)
    open_chat(first, server.url, "zoe")
    second = context.new_page()
    open_chat(second, server.url, "zoe")

    send(first, "sent from the first tab")
    expect(mine(second, "sent from the first tab")).to_have_count(1)
    wait_until_settled(first, "zoe")
    wait_until_settled(second, "zoe")
    assert dom_ids(first) == dom_ids(second)

    # Edit in the first tab: the second shows the new text, marked edited. (The tab in front gets
    # animation frames at full rate; Playwright's stability checks need them.)
    first.bring_to_front()
    message = mine(first, "sent from the first tab")
    message.hover()
    message.locator(".message__more").click()
    first.get_by_role("menuitem", name="Edit").click()
    editor = first.locator(".message-editor__input")
    expect(editor).to_be_focused()
    editor.fill("edited in the first tab")
    editor.press("Enter")
    expect(first.locator(".message-editor")).to_have_count(0)
    for page in (first, second):
        edited = mine(page, "edited in the first tab")
        expect(edited).to_have_count(1)
        expect(edited.locator(".message__edited")).to_have_text("edited")
    wait_until_settled(first, "zoe")

    # Escape cancels an edit.
    message = mine(first, "edited in the first tab")
    message.hover()
    message.locator(".message__more").click()
    first.get_by_role("menuitem", name="Edit").click()
    first.locator(".message-editor__input").fill("never saved")
    first.locator(".message-editor__input").press("Escape")
    expect(first.locator(".message-editor")).to_have_count(0)
    expect(mine(first, "edited in the first tab")).to_have_count(1)

    # Delete in the first tab (after confirming): gone from both.
    message.hover()
    message.locator(".message__more").click()
    first.get_by_role("menuitem", name="Delete").click()
    first.locator(".message-menu__confirm").click()
    for page in (first, second):
        expect(mine(page, "edited in the first tab")).to_have_count(0)
        expect(page.locator(USER_MESSAGES)).to_have_count(0)
    assert [m for m in server_messages(first, "zoe") if m["sender"] == "user"] == []
    assert dom_ids(first) == dom_ids(second)
    assert_no_page_problems(first)
    assert_no_page_problems(second)


def test_regenerate_replaces_her_last_reply(server, context: BrowserContext):
    page = context.new_page()
    sign_up(page, server.url)
    open_chat(page, server.url, "sofia")
    send(page, "Tell me something about your day")
    wait_until_settled(page, "sofia")
    hers = page.locator(HER_MESSAGES)
    expect(hers).to_have_count(1)
    old_id = hers.first.get_attribute("data-id")
    regenerate = page.locator(".message__regenerate")
    expect(regenerate).to_have_count(1)
    expect(page.locator(f'.message[data-id="{old_id}"] .message__regenerate')).to_be_visible()
    # SQLite may give the new reply the id of the deleted one: follow the element, not the id.
    hers.first.evaluate("(node) => { node.dataset.testOld = 'yes'; }")

    regenerate.click()
    expect(page.locator('.message[data-test-old="yes"]')).to_have_count(0)
    expect(hers).to_have_count(1)
    messages = wait_until_settled(page, "sofia")
    new_id = hers.first.get_attribute("data-id")
    assert [m["id"] for m in messages if m["sender"] == "girl"] == [int(new_id)]
    expect(page.locator(f'.message[data-id="{new_id}"] .message__regenerate')).to_have_count(1)
    expect(regenerate).to_have_count(1)

    # Regenerating needs the connection: the button is hidden while offline.
    context.set_offline(True)
    expect(page.locator("#connection-status")).to_have_attribute("data-state", re.compile(r"^(reconnecting|disconnected)$"))
    expect(regenerate).to_be_hidden()
    context.set_offline(False)
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    assert_no_page_problems(page)


def test_a_sync_reset_rebuilds_the_list_in_one_go_and_keeps_the_outbox(server, context: BrowserContext):
    page = context.new_page()
    username = sign_up(page, server.url)
    open_chat(page, server.url, "emma")
    send(page, "before the reset")
    wait_until_settled(page, "emma")
    # A message still in the outbox, as if the last tab had closed before its ack.
    page.evaluate("""(key) => localStorage.setItem(key, JSON.stringify([{
        client_id: 'kept-through-a-reset-1', girl_id: 'emma', kind: 'message',
        content: 'kept through a reset', created_at: new Date().toISOString(), state: 'pending'}]))""",
                  f"dreamchat.outbox.{username}")

    # A page that claims a last_seq the server never reached gets `sync` with reset: true.
    def claim_a_future_seq(route):
        response = route.fetch()
        body = re.sub(r'data-last-seq="\d*"', 'data-last-seq="999999"', response.text())
        route.fulfill(response=response, body=body)

    page.route(f"{server.url}/chat/emma", claim_a_future_seq)
    page.add_init_script(script="""document.addEventListener('DOMContentLoaded', () => {
        const list = document.getElementById('messages');
        for (const node of list.querySelectorAll('.message[data-id]')) node.dataset.rendered = 'yes';
        window.__emptied = false;
        new MutationObserver(() => { if (!list.querySelector('.message')) window.__emptied = true; })
            .observe(list, {childList: true});
    });""")
    page.reload()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    expect(page.locator(".message[data-rendered]")).to_have_count(0)  # rebuilt from the API

    # The outbox item went out after the rebuild, and her answer came as a live event: the
    # numbering continued from the server's last_seq, not from the page's bogus one.
    messages = wait_until_settled(page, "emma")
    assert [m["content"] for m in messages if m["sender"] == "user"] == ["before the reset", "kept through a reset"]
    assert len([m for m in messages if m["sender"] == "girl"]) == 2
    expect(mine(page, "kept through a reset")).to_have_count(1)
    assert page.evaluate("window.__emptied") is False
    assert_each_once(page, messages)
    assert outbox(page) == []
    assert_no_page_problems(page)


# ---------------------------------------------------------------------------- a real model, streamed

@pytest.fixture
def ai_server(fake_openai, start_server):
    return start_server(AI_PROVIDER="openai", AI_BASE_URL=fake_openai.base_url, AI_MODEL="fake",
                        REPLY_DELAY_SCALE="0.1", AI_MAX_RETRIES="0")


STORY = ("Once upon a time in a small café by the river, I found an old map tucked inside a book. "
         "It showed a garden nobody in town had ever heard of, and I decided to go looking for it ☕🗺️.")


def streamed_text(page: Page) -> str:
    return page.locator('.message[data-status="streaming"] .message__text').inner_text()


def test_a_streamed_reply_grows_survives_a_reload_and_is_finalized(ai_server, fake_openai, context):
    fake_openai.script(reply(STORY, deltas=24, chunk_delay=0.3))
    page = context.new_page()
    sign_up(page, ai_server.url)
    open_chat(page, ai_server.url, "emma")
    send(page, "Tell me a story")

    streaming = page.locator('.message[data-status="streaming"]')
    expect(streaming).to_have_count(1)
    expect(page.locator("#typing-indicator")).to_be_hidden()
    page.wait_for_function("() => { const t = document.querySelector('.message[data-status=streaming] .message__text');"
                           " return t && t.textContent.length > 0; }")
    first = streamed_text(page)
    page.wait_for_function("(n) => { const t = document.querySelector('.message[data-status=streaming] .message__text');"
                           " return t && t.textContent.length > n; }", arg=len(first))
    assert STORY.startswith(streamed_text(page))

    # A reload mid-stream shows the text so far (rendered by the server) and keeps going.
    page.reload()
    expect(streaming).to_have_count(1)
    partial = streamed_text(page)
    assert partial and STORY.startswith(partial)
    page.wait_for_function("(n) => { const t = document.querySelector('.message[data-status=streaming] .message__text');"
                           " return !t || t.textContent.length > n; }", arg=len(partial))

    hers = page.locator(HER_MESSAGES)
    expect(streaming).to_have_count(0, timeout=20_000)
    expect(hers).to_have_count(1)
    expect(hers.locator(".message__text")).to_have_text(STORY)
    expect(hers.locator(".message__time")).to_have_count(1)
    messages = wait_until_settled(page, "emma")
    assert [m["content"] for m in messages if m["sender"] == "girl"] == [STORY]
    assert_each_once(page, messages)
    assert_no_page_problems(page)


def test_a_reply_that_failed_offers_retry_even_after_a_reload(ai_server, fake_openai, context):
    fake_openai.script(server_error(), reply("Sorry, I was away for a second. I'm here now!", deltas=3))
    page = context.new_page()
    sign_up(page, ai_server.url)
    open_chat(page, ai_server.url, "luna")
    send(page, "are you there?")

    bar = page.locator("#reply-retry")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("Luna couldn't answer")
    expect(page.locator("#typing-indicator")).to_be_hidden()
    expect(mine(page, "are you there?")).to_have_count(1)

    page.reload()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    expect(bar).to_be_visible()
    bar.get_by_role("button", name="Retry").click()
    expect(bar).to_be_hidden()
    hers = page.locator(HER_MESSAGES)
    expect(hers).to_have_count(1)
    expect(hers.locator(".message__text")).to_have_text("Sorry, I was away for a second. I'm here now!")
    expect(bar).to_be_hidden()
    wait_until_settled(page, "luna")
    assert_no_page_problems(page)
