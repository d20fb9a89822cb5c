"""The conversations beside the chat, the unread total in the title and on the favicon, and browser
notifications, in Debian's Chromium against `python app.py` (the offline engine, no reply pauses).

Hidden tabs are emulated: an init script makes document.visibilityState what the test says and
dispatches visibilitychange. Notifications are captured by wrapping window.Notification.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import (DESKTOP, PASSWORD, PHONE, WAIT_MS, PageProblems, horizontal_overflow, new_context, open_chat,
                                   send, sign_up)

# Imported after browser_support, which skips this module when Chromium is missing.
from playwright.sync_api import BrowserContext, Page, expect

expect.set_options(timeout=WAIT_MS)
LIVE_SERVER_ENV = {"REPLY_DELAY_SCALE": "0"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# window.__setVisibility('hidden' | 'visible') changes what the page sees; a page whose init scripts
# set window.__visibility = 'hidden' first starts hidden.
VISIBILITY = """(() => {
    window.__visibility = window.__visibility || 'visible';
    Object.defineProperty(Document.prototype, 'visibilityState', {configurable: true, get: () => window.__visibility});
    Object.defineProperty(Document.prototype, 'hidden', {configurable: true, get: () => window.__visibility === 'hidden'});
    window.__setVisibility = (state) => {
        window.__visibility = state;
        document.dispatchEvent(new Event('visibilitychange'));
    };
})();"""

# Every Notification made and every permission request, in window.__notifications / __asked;
# window.__permission, when set, is what Notification.permission says.
NOTIFICATIONS = """(() => {
    const Real = window.Notification;
    window.__notifications = [];
    window.__asked = 0;
    class Captured {
        constructor(title, options = {}) {
            this.title = title;
            Object.assign(this, options);
            this.closed = false;
            window.__notifications.push(this);
        }
        close() { this.closed = true; }
        static get permission() { return window.__permission || (Real ? Real.permission : 'default'); }
        static requestPermission() {
            window.__asked += 1;
            return Promise.resolve(Captured.permission);
        }
    }
    window.Notification = Captured;
})();"""


@pytest.fixture
def context(browser, live_server):
    context = new_context(browser, WAIT_MS)
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.add_init_script(script=NOTIFICATIONS)
    yield context
    context.close()


def watched(page: Page) -> Page:
    """page.problems: console errors, uncaught exceptions and failed requests (by URL)."""
    page.problems = PageProblems(page)
    page.on("response", lambda response: page.problems.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    return page


def problems(page: Page) -> list[str]:
    # A failed request is listed by URL below; an empty companion slug is the message <template>'s avatar.
    return [p for p in page.problems if not p.startswith("Failed to load resource") and "/companions//" not in p]


def hidden_page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.add_init_script(script="window.__visibility = 'hidden';")
    page.add_init_script(script=VISIBILITY)
    return watched(page)


def visible_page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.add_init_script(script=VISIBILITY)
    return watched(page)


SETTLED = "() => document.getAnimations().every((animation) => animation.playState !== 'running')"


# window.__previews: the text of every preview the element at that selector showed (a MutationObserver's
# added nodes): her reply follows the user's message at once and replaces its "You: ..." line, often
# before a polling assertion would look.
PREVIEWS_SHOWN = """(selector) => {
    window.__previews = [];
    new MutationObserver((records) => {
        for (const record of records) {
            const text = [...record.addedNodes].map((node) => node.textContent).join('');
            if (text) window.__previews.push(text);
        }
    }).observe(document.querySelector(selector), {childList: true});
}"""


def badge(page: Page, slug: str):
    return page.locator(f'.sidebar-chat[data-girl-id="{slug}"]')


def test_another_conversations_reply_shows_in_the_sidebar_and_title_without_reload(context, live_server):
    emma = visible_page(context)
    sign_up(emma, live_server.url)
    open_chat(emma, live_server.url, "emma")
    expect(emma.locator("#sidebar")).to_be_visible()
    expect(emma).to_have_title("Emma · DreamChat")
    expect(badge(emma, "emma")).to_have_attribute("aria-current", "page")
    expect(badge(emma, "luna")).to_have_attribute("data-unread", "0")
    expect(badge(emma, "luna").locator(".sidebar-chat__badge")).to_be_hidden()

    luna = hidden_page(context)   # a tab in the background: it does not read her reply
    open_chat(luna, live_server.url, "luna")
    send(luna, "Hello Luna, how was your day?")
    expect(luna.locator('.message[data-sender="girl"]')).to_have_count(1)

    luna_entry = badge(emma, "luna")
    expect(luna_entry).to_have_attribute("data-unread", "1")
    expect(luna_entry.locator(".sidebar-chat__badge")).to_be_visible()
    expect(luna_entry.locator(".sidebar-chat__count")).to_have_text("1")
    expect(emma).to_have_title("(1) Emma · DreamChat")
    reply = luna.locator('.message[data-sender="girl"] .message__text').inner_text().strip()
    preview = luna_entry.locator(".sidebar-chat__preview")
    expect(preview).to_contain_text(" ".join(reply.split())[:20])
    expect(preview).not_to_contain_text("You:")
    assert emma.evaluate("() => document.querySelector('link[rel=icon]').href").startswith("data:image/png")
    assert emma.evaluate("() => window.__notifications.length") == 0   # the emma tab is visible

    # The user reads it in the Luna tab: the count goes in the Emma tab too.
    luna.evaluate("() => window.__setVisibility('visible')")
    expect(luna_entry).to_have_attribute("data-unread", "0")
    expect(luna_entry.locator(".sidebar-chat__badge")).to_be_hidden()
    expect(emma).to_have_title("Emma · DreamChat")
    assert emma.evaluate("() => document.querySelector('link[rel=icon]').href").startswith("data:image/svg+xml")

    # The user's own message from another tab: "You: ..." in the preview (until her reply replaces it).
    emma.evaluate(PREVIEWS_SHOWN, '.sidebar-chat[data-girl-id="luna"] .sidebar-chat__preview')
    send(luna, "Talk soon")
    emma.wait_for_function("() => window.__previews.includes('You: Talk soon')")
    second = luna.locator('.message[data-sender="girl"]').nth(1)
    expect(second).to_have_attribute("data-read", "true")     # read at once in the visible Luna tab
    expect(luna_entry).to_have_attribute("data-last-id", second.get_attribute("data-id"))
    expect(luna_entry).to_have_attribute("data-unread", "0")

    # A reload renders the same counts the events gave.
    emma.reload()
    expect(emma.locator("#connection-status")).to_have_attribute("data-state", "connected")
    expect(badge(emma, "luna")).to_have_attribute("data-unread", "0")
    expect(emma).to_have_title("Emma · DreamChat")
    assert problems(emma) == [] and problems(luna) == []


def test_counts_stay_right_when_the_events_come_from_a_replay(browser, context, live_server):
    emma = visible_page(context)
    username = sign_up(emma, live_server.url)
    emma.goto(live_server.url + "/chat/emma?debug=1")
    expect(emma.locator("#connection-status")).to_have_attribute("data-state", "connected")
    other_device = new_context(browser, WAIT_MS)
    try:
        luna = other_device.new_page()
        luna.add_init_script(script="window.__visibility = 'hidden';")
        luna.add_init_script(script=VISIBILITY)
        luna.goto(live_server.url + "/login")
        luna.fill("#username", username)
        luna.fill("#password", PASSWORD)
        luna.click("button[type=submit]")
        luna.wait_for_url(live_server.url + "/")
        open_chat(luna, live_server.url, "luna")

        context.set_offline(True)      # the Emma tab misses the live events...
        expect(emma.locator("#connection-status")).to_have_attribute(
            "data-state", re.compile(r"^(reconnecting|disconnected)$"))
        send(luna, "Are you awake?")
        expect(luna.locator('.message[data-sender="girl"]')).to_have_count(1)
        send(luna, "Tell me about the stars")
        expect(luna.locator('.message[data-sender="girl"]')).to_have_count(2)
        expect(badge(emma, "luna")).to_have_attribute("data-unread", "0")

        context.set_offline(False)     # ...and gets them from the replay, once
        expect(emma.locator("#connection-status")).to_have_attribute("data-state", "connected")
        expect(badge(emma, "luna")).to_have_attribute("data-unread", "2")
        expect(emma).to_have_title("(2) Emma · DreamChat")
        # The whole log replayed again (?debug=1 exposes the socket) counts nothing twice.
        emma.evaluate("""() => new Promise((done) => {
            const socket = window.dreamchat.socket;
            socket.once('sync', () => setTimeout(done, 0));
            socket.emit('sync', {last_seq: 0}, () => {});
        })""")
        expect(badge(emma, "luna")).to_have_attribute("data-unread", "2")
        expect(emma).to_have_title("(2) Emma · DreamChat")

        luna.evaluate("() => window.__setVisibility('visible')")   # read on the other device
        expect(badge(emma, "luna")).to_have_attribute("data-unread", "0")
        expect(emma).to_have_title("Emma · DreamChat")
        assert [p for p in problems(emma) if "ERR_INTERNET_DISCONNECTED" not in p] == []
    finally:
        other_device.close()


def test_a_reply_in_a_hidden_tab_notifies_and_counts_in_the_title(context, live_server):
    page = hidden_page(context)
    sign_up(page, live_server.url)
    open_chat(page, live_server.url, "emma")
    assert page.evaluate("() => window.__asked") == 0            # nothing asked on page load
    expect(page.locator("#notify-prompt")).to_be_hidden()

    send(page, "Are you there, Emma?")
    expect(page.locator('.message[data-sender="girl"]')).to_have_count(1)
    page.wait_for_function("() => window.__notifications.length === 1")
    note = page.evaluate("() => { const n = window.__notifications[0];"
                         " return {title: n.title, body: n.body, icon: n.icon, tag: n.tag}; }")
    text = page.locator('.message[data-sender="girl"] .message__text').inner_text().strip()
    assert note["title"] == "Emma"
    assert note["body"] and text.replace("\n", " ").startswith(note["body"].rstrip("…")[:40])
    assert note["icon"] == "/companions/emma/avatar?size=128" and note["tag"] == "dreamchat-emma"
    expect(page).to_have_title("(1) Emma · DreamChat")           # her reply arrived while the tab was hidden
    assert page.evaluate("() => window.__asked") == 0

    page.evaluate("() => window.__setVisibility('visible')")     # back: read, and the count goes
    expect(page).to_have_title("Emma · DreamChat")
    page.evaluate("() => window.__notifications[0].onclick()")   # clicking it: this chat, focused
    assert page.evaluate("() => window.__notifications[0].closed") is True
    assert page.url.endswith("/chat/emma")

    # Another companion's reply (the user writes to Luna in another tab) while this one is hidden:
    # her name and her tag; clicking it opens her chat.
    page.evaluate("() => window.__setVisibility('hidden')")
    luna = visible_page(context)
    open_chat(luna, live_server.url, "luna")
    send(luna, "Hi Luna")
    page.wait_for_function("() => window.__notifications.length === 2")
    note = page.evaluate("() => { const n = window.__notifications[1]; return {title: n.title, tag: n.tag}; }")
    assert note == {"title": "Luna", "tag": "dreamchat-luna"}
    page.evaluate("() => window.__notifications[1].onclick()")
    page.wait_for_url("**/chat/luna")
    assert problems(page) == [] and problems(luna) == []


def test_the_banner_asks_only_after_a_sent_message_and_not_now_is_remembered(context, live_server):
    page = visible_page(context)
    page.add_init_script(script="window.__permission = 'default';")
    sign_up(page, live_server.url)
    open_chat(page, live_server.url, "luna")
    expect(page.locator("#notify-prompt")).to_be_hidden()
    send(page, "Hi Luna")
    expect(page.locator("#notify-prompt")).to_be_visible()
    expect(page.locator("#notify-prompt")).to_contain_text("Get notified when Luna replies?")
    assert page.evaluate("() => window.__asked") == 0
    page.click(".notify-prompt__later")
    expect(page.locator("#notify-prompt")).to_be_hidden()
    page.reload()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    send(page, "Still here")
    expect(page.locator('.message[data-sender="user"]')).to_have_count(2)
    expect(page.locator("#notify-prompt")).to_be_hidden()

    page.evaluate("() => localStorage.removeItem('dreamchat:notify-prompt')")
    send(page, "Once more")
    expect(page.locator("#notify-prompt")).to_be_visible()
    page.click(".notify-prompt__on")
    expect(page.locator("#notify-prompt")).to_be_hidden()
    assert page.evaluate("() => window.__asked") == 1
    assert problems(page) == []


def test_notifications_turned_off_on_the_account_page(context, live_server):
    page = hidden_page(context)
    sign_up(page, live_server.url)
    page.goto(live_server.url + "/account")
    page.uncheck("#notifications")
    page.click("form.notifications-form button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("Notifications are off.")
    open_chat(page, live_server.url, "zoe")
    expect(page.locator("#chat")).to_have_attribute("data-notifications", "off")
    send(page, "Hi Zoe")
    expect(page.locator('.message[data-sender="girl"]')).to_have_count(1)
    expect(page).to_have_title("(1) Zoe · DreamChat")            # still counted, just not notified
    assert page.evaluate("() => window.__notifications.length") == 0


def test_two_panes_on_desktop_one_screen_on_a_phone(context, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    page = visible_page(context)
    sign_up(page, live_server.url)
    open_chat(page, live_server.url, "luna")
    send(page, "Hi Luna! What are you reading these days?")
    expect(page.locator('.message[data-sender="girl"]')).to_have_count(1)
    open_chat(page, live_server.url, "sofia")
    send(page, "Send me a photo of your day")
    expect(page.locator("img.photo")).to_have_count(1)
    open_chat(page, live_server.url, "emma")
    send(page, "Hey Emma, I'm Alex. I love jazz.")
    expect(page.locator('.message[data-sender="girl"]')).to_have_count(1)

    page.set_viewport_size(DESKTOP)
    sidebar = page.locator("#sidebar")
    expect(sidebar).to_be_visible()
    expect(badge(page, "sofia").locator(".sidebar-chat__preview")).to_contain_text("📷 Photo")
    expect(badge(page, "luna").locator(".sidebar-chat__preview")).not_to_contain_text("You:")
    fits = page.evaluate("""() => {
        const composer = document.getElementById('composer').getBoundingClientRect();
        const side = document.getElementById('sidebar').getBoundingClientRect();
        const chat = document.getElementById('chat').getBoundingClientRect();
        return {page: document.documentElement.scrollHeight <= innerHeight, composer: composer.bottom <= innerHeight,
                beside: side.right <= chat.left, chatWidth: chat.width};
    }""")
    assert fits["page"] and fits["composer"] and fits["beside"] and fits["chatWidth"] > 600, fits
    assert horizontal_overflow(page) == []
    zoe = hidden_page(context)     # a reply the user has not read yet, for the picture
    open_chat(zoe, live_server.url, "zoe")
    send(zoe, "Hi Zoe! Any new playlist?")
    expect(badge(page, "zoe")).to_have_attribute("data-unread", "1")
    zoe.close()
    page.wait_for_function(SETTLED)
    page.screenshot(path=str(ARTIFACTS / "sidebar.png"))

    page.set_viewport_size(PHONE)
    expect(sidebar).to_be_hidden()
    expect(page.locator("#message-input")).to_be_visible()
    fits = page.evaluate("""() => ({page: document.documentElement.scrollHeight <= innerHeight,
        composer: document.getElementById('composer').getBoundingClientRect().bottom <= innerHeight})""")
    assert fits["page"] and fits["composer"], fits
    assert horizontal_overflow(page) == []
    page.wait_for_function(SETTLED)
    page.screenshot(path=str(ARTIFACTS / "chat-phone.png"))
    assert problems(page) == []


def card(page: Page, slug: str):
    return page.locator(f'.companion-card[data-girl-id="{slug}"]')


def test_the_companion_list_counts_previews_and_notifies_live(context, live_server):
    home = visible_page(context)
    sign_up(home, live_server.url)            # lands on the companion list
    expect(home.locator("#companions")).to_have_attribute("data-connection", "connected")
    expect(home).to_have_title("Your companions · DreamChat")
    luna_card = card(home, "luna")
    expect(luna_card).to_have_attribute("data-unread", "0")
    expect(luna_card.locator(".companion-card__badge")).to_be_hidden()

    luna = hidden_page(context)   # a tab in the background: it does not read her reply
    open_chat(luna, live_server.url, "luna")
    send(luna, "Hello Luna, what are you up to?")
    answer = luna.locator('.message[data-sender="girl"]')
    expect(answer).to_have_count(1)
    expect(answer).not_to_have_attribute("data-status", "streaming")

    expect(luna_card).to_have_attribute("data-last-id", answer.get_attribute("data-id"))
    expect(luna_card).to_have_attribute("data-unread", "1")
    expect(luna_card.locator(".companion-card__badge")).to_be_visible()
    expect(luna_card.locator(".companion-card__badge")).to_have_text("1 unread")
    expect(luna_card).to_have_class(re.compile(r"\bcompanion-card--unread\b"))
    reply = " ".join(answer.locator(".message__text").inner_text().split())
    preview = luna_card.locator(".companion-card__preview")
    expect(preview).to_contain_text(reply[:20])
    expect(preview).not_to_contain_text("You:")
    expect(luna_card.locator(".companion-card__time")).to_have_attribute("datetime", re.compile(r"Z$"))
    expect(home).to_have_title("(1) Your companions · DreamChat")
    assert home.evaluate("() => document.querySelector('link[rel=icon]').href").startswith("data:image/png")
    assert home.evaluate("() => window.__notifications.length") == 0   # the list is in view

    luna.evaluate("() => window.__setVisibility('visible')")            # read in the Luna tab
    expect(luna_card).to_have_attribute("data-unread", "0")
    expect(luna_card.locator(".companion-card__badge")).to_be_hidden()
    expect(home).to_have_title("Your companions · DreamChat")

    # The list in the background: her next reply notifies; the user's message shows as "You: ...".
    home.evaluate("() => window.__setVisibility('hidden')")
    luna.evaluate("() => window.__setVisibility('hidden')")
    # Her reply follows at once and replaces the user's line: every preview shown is recorded.
    home.evaluate(PREVIEWS_SHOWN, '.companion-card[data-girl-id="luna"] .companion-card__preview')
    send(luna, "Tell me more")
    home.wait_for_function("() => window.__previews.includes('You: Tell me more')")
    home.wait_for_function("() => window.__notifications.length === 1")
    note = home.evaluate("() => { const n = window.__notifications[0]; return {title: n.title, tag: n.tag}; }")
    assert note == {"title": "Luna", "tag": "dreamchat-luna"}
    expect(luna_card).to_have_attribute("data-unread", "1")
    expect(home).to_have_title("(1) Your companions · DreamChat")

    # A reload renders the count the events gave, and the same ids.
    home.reload()
    expect(home.locator("#companions")).to_have_attribute("data-connection", "connected")
    expect(card(home, "luna")).to_have_attribute("data-unread", "1")
    expect(home).to_have_title("(1) Your companions · DreamChat")
    luna.evaluate("() => window.__setVisibility('visible')")
    expect(card(home, "luna")).to_have_attribute("data-unread", "0")
    expect(home).to_have_title("Your companions · DreamChat")
    assert problems(home) == [] and problems(luna) == []


def test_the_companion_list_does_not_notify_when_notifications_are_off(context, live_server):
    home = hidden_page(context)
    sign_up(home, live_server.url)
    home.goto(live_server.url + "/account")
    home.uncheck("#notifications")
    home.click("form.notifications-form button[type=submit]")
    expect(home.locator(".flash")).to_contain_text("Notifications are off.")
    home.goto(live_server.url + "/")
    expect(home.locator("#companions")).to_have_attribute("data-notifications", "off")
    expect(home.locator("#companions")).to_have_attribute("data-connection", "connected")
    zoe = hidden_page(context)
    open_chat(zoe, live_server.url, "zoe")
    send(zoe, "Hi Zoe")
    expect(zoe.locator('.message[data-sender="girl"]')).to_have_count(1)
    expect(card(home, "zoe")).to_have_attribute("data-unread", "1")     # still counted, just not notified
    expect(home).to_have_title("(1) Your companions · DreamChat")
    assert home.evaluate("() => window.__notifications.length") == 0


def new_group(page: Page, base_url: str, name: str, *members: str) -> int:
    page.goto(base_url + "/groups/new")
    page.fill("#name", name)
    for member in members:
        page.locator(".group-picker__choice", has_text=member).click()
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/groups/\d+$"))
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def settled_replies(page: Page):
    """The group page's replies once the turn is over (no one typing for a while): (count, last author, last text)."""
    her = page.locator(".message--girl")
    expect(her.first).to_be_visible()
    page.wait_for_function("""() => new Promise((done) => {
        let quiet = 0;
        const tick = setInterval(() => {
            quiet = document.querySelector('#group-typing .typing') ? 0 : quiet + 1;
            if (quiet >= 15) { clearInterval(tick); done(true); }
        }, 100);
    })""")
    last = her.last
    return her.count(), last.locator(".message__author").inner_text().strip(), last.locator(".message__text").inner_text()


def test_group_replies_count_on_the_companion_list_and_reading_clears_them_without_reload(context, live_server):
    lists = visible_page(context)
    sign_up(lists, live_server.url)
    group_id = new_group(lists, live_server.url, "Movie night", "Emma", "Luna")
    lists.goto(live_server.url + "/")
    card = lists.locator(f'.companion-card--group[data-group-id="{group_id}"]')
    expect(card).to_have_attribute("data-unread", "0")
    expect(card.locator(".companion-card__badge")).to_be_hidden()
    expect(lists).to_have_title("Your companions · DreamChat")

    group = hidden_page(context)   # the group open in a background tab: her replies stay unread
    group.goto(f"{live_server.url}/groups/{group_id}")
    expect(group.locator("#connection-status")).to_have_attribute("data-state", "connected")
    lists.evaluate(PREVIEWS_SHOWN, f'.companion-card[data-group-id="{group_id}"] .companion-card__preview')
    send(group, "Hi both, what are you watching tonight?")
    count, author, text = settled_replies(group)
    expect(card).to_have_attribute("data-unread", str(count))
    expect(card.locator(".companion-card__badge")).to_be_visible()
    expect(card.locator(".companion-card__badge")).to_contain_text(str(count))
    expect(lists).to_have_title(f"({count}) Your companions · DreamChat")
    assert lists.evaluate("() => document.querySelector('link[rel=icon]').href").startswith("data:image/png")
    preview = card.locator(".companion-card__preview")
    expect(preview).to_contain_text(f"{author}: " + " ".join(text.split())[:20])
    assert "You: Hi both, what are you watching tonight?" in lists.evaluate("() => window.__previews")
    expect(card.locator(".companion-card__time")).to_have_attribute("datetime", re.compile(r"Z$"))

    # Read in the group tab: the count goes on the list too.
    group.evaluate("() => window.__setVisibility('visible')")
    expect(card).to_have_attribute("data-unread", "0")
    expect(card.locator(".companion-card__badge")).to_be_hidden()
    expect(lists).to_have_title("Your companions · DreamChat")

    # A reload renders what the events gave; the chat page's sidebar has the same entry.
    lists.reload()
    expect(card).to_have_attribute("data-unread", "0")
    expect(card.locator(".companion-card__preview")).to_contain_text(f"{author}: ")
    assert problems(lists) == [] and problems(group) == []


def test_a_group_reply_in_a_hidden_tab_counts_in_the_sidebar_and_notifies(context, live_server):
    page = hidden_page(context)
    sign_up(page, live_server.url)
    group_id = new_group(page, live_server.url, "Book club", "Zoe", "Luna")
    open_chat(page, live_server.url, "emma")
    entry = page.locator(f'.sidebar-chat--group[data-group-id="{group_id}"]')
    expect(entry).to_have_attribute("data-unread", "0")

    group = visible_page(context)
    group.goto(f"{live_server.url}/groups/{group_id}")
    expect(group.locator("#connection-status")).to_have_attribute("data-state", "connected")
    send(group, "Zoe and Luna, any book to recommend?")
    settled_replies(group)
    # Read at once in the visible group tab: counted in the hidden one, then cleared, never left over.
    expect(entry).to_have_attribute("data-unread", "0")
    page.wait_for_function("() => window.__notifications.length >= 1")
    note = page.evaluate("() => { const n = window.__notifications[0];"
                         " return {title: n.title, body: n.body, tag: n.tag, icon: n.icon}; }")
    first = group.locator(".message--girl").first
    author = first.locator(".message__author").inner_text().strip()
    text = " ".join(first.locator(".message__text").inner_text().split())
    assert note["title"] == "Book club" and note["tag"] == f"dreamchat-group-{group_id}"
    assert note["body"].startswith(f"{author}: ") and text.startswith(note["body"][len(author) + 2:].rstrip("…")[:30])
    assert note["icon"].startswith("/companions/") and note["icon"].endswith("/avatar?size=128")
    expect(entry.locator(".sidebar-chat__preview")).to_contain_text(": ")
    page.evaluate("() => window.__notifications[0].onclick()")
    page.wait_for_url(f"**/groups/{group_id}")
    assert problems(page) == [] and problems(group) == []


def test_group_replies_do_not_notify_when_notifications_are_off(context, live_server):
    page = hidden_page(context)
    sign_up(page, live_server.url)
    group_id = new_group(page, live_server.url, "Quiet", "Zoe", "Emma")
    page.goto(live_server.url + "/account")
    page.uncheck("#notifications")
    page.click("form.notifications-form button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("Notifications are off.")
    open_chat(page, live_server.url, "luna")
    group = hidden_page(context)
    group.goto(f"{live_server.url}/groups/{group_id}")
    expect(group.locator("#connection-status")).to_have_attribute("data-state", "connected")
    send(group, "Hello you two")
    count, _, _ = settled_replies(group)
    expect(page.locator(f'.sidebar-chat--group[data-group-id="{group_id}"]')).to_have_attribute("data-unread", str(count))
    expect(page).to_have_title(f"({count}) Luna · DreamChat")   # still counted, just not notified
    assert page.evaluate("() => window.__notifications.length") == 0


def test_the_group_pages_sidebar_is_live_too(context, live_server):
    page = visible_page(context)
    sign_up(page, live_server.url)
    group_id = new_group(page, live_server.url, "Weekend", "Emma", "Zoe")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    own = page.locator(f'.sidebar-chat--group[data-group-id="{group_id}"]')
    send(page, "Hi you two!")
    settled_replies(page)
    expect(own).to_have_attribute("data-unread", "0")            # read as they come: the open group
    expect(page).to_have_title("Weekend · DreamChat")
    expect(own.locator(".sidebar-chat__preview")).to_contain_text(": ")

    luna = hidden_page(context)                                    # another conversation, in the background
    open_chat(luna, live_server.url, "luna")
    send(luna, "Hello Luna")
    expect(luna.locator('.message[data-sender="girl"]')).to_have_count(1)
    expect(badge(page, "luna")).to_have_attribute("data-unread", "1")
    expect(page).to_have_title("(1) Weekend · DreamChat")
    luna.evaluate("() => window.__setVisibility('visible')")
    expect(badge(page, "luna")).to_have_attribute("data-unread", "0")
    expect(page).to_have_title("Weekend · DreamChat")
    assert problems(page) == [] and problems(luna) == []
