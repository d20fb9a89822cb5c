"""The conversations beside the chat: rendered with previews and unread counts, the JSON that refreshes
them, and the user's reads told to every tab (message_read with sender) so the counts follow."""
import re
from pathlib import Path

import sqlalchemy as sa

from dreamchat.actions.events import record_event
from dreamchat.chat import routes
from dreamchat.extensions import db
from dreamchat.models import Companion, Message, utcnow
from tests.conftest import captured_statements, payloads, wait_for_background_work, wait_for_events
from tests.test_chat_flow import reply_arrived, send, signed_in_socket


def sidebar_item(page: str, slug: str) -> str:
    match = re.search(r'<a class="sidebar-chat[^"]*"[^>]*data-girl-id="%s".*?</a>' % slug, page, re.S)
    assert match, f"no sidebar entry for {slug}"
    return match.group(0)


def test_the_chat_page_lists_every_conversation_with_preview_time_and_unread(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    send(sio, "hello Luna", girl_id="luna")
    wait_for_events(sio, reply_arrived)
    wait_for_background_work(app)
    with app.app_context():   # the user's message is the newest, answered (no reply on its way)
        db.session.add(Message(user_id=1, companion_id=Companion.by_slug("zoe").id, sender="user", content="just me, Zoe",
                               answered_at=utcnow()))
        db.session.commit()

    page = client.get("/chat/emma").get_data(as_text=True)
    assert 'id="sidebar"' in page
    for slug in ("emma", "luna", "sofia", "zoe"):
        assert f'src="/companions/{slug}/avatar?size=128"' in sidebar_item(page, slug)
    luna = sidebar_item(page, "luna")
    assert 'data-unread="1"' in luna and "sidebar-chat--unread" in luna
    assert re.search(r'sidebar-chat__count">1<', luna)
    assert 'datetime="' in luna and "You:" not in luna
    zoe = sidebar_item(page, "zoe")
    assert 'sidebar-chat__you">You: </span>' in zoe and "just me, Zoe" in zoe and 'data-unread="0"' in zoe
    emma = sidebar_item(page, "emma")
    assert 'aria-current="page"' in emma and "is-current" in emma and "Say hi to Emma" in emma
    assert 'aria-current="page"' not in luna
    # Luna's own page shows her conversation as the current one, never with a count.
    on_luna = sidebar_item(client.get("/chat/luna").get_data(as_text=True), "luna")
    assert 'data-unread="0"' in on_luna and 'aria-current="page"' in on_luna


def test_a_photo_is_previewed_as_a_photo(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    assert sio.emit("request_photo", {"girl_id": "sofia"}, callback=True)["ok"]
    wait_for_events(sio, lambda events: "photo_generated" in [e["name"] for e in events], timeout=10)
    sofia = sidebar_item(client.get("/chat/emma").get_data(as_text=True), "sofia")
    assert "📷 Photo" in sofia and 'data-unread="1"' in sofia


def test_the_sidebar_is_one_read_of_the_list_and_one_of_the_last_messages(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    for slug in ("emma", "luna", "sofia", "zoe"):
        send(sio, f"hi {slug}", girl_id=slug)
    wait_for_background_work(app)
    with captured_statements(app) as executed:
        assert client.get("/api/conversations").status_code == 200
    assert len([e for e in executed if "messages" in e.statement.lower()]) == 2


def test_the_conversations_json(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    send(sio, "hello Luna", girl_id="luna")
    wait_for_events(sio, reply_arrived)
    conversations = {c["girl_id"]: c for c in client.get("/api/conversations").get_json()["conversations"]}
    assert list(conversations) == ["emma", "luna", "sofia", "zoe"]
    assert conversations["luna"]["unread"] == 1 and conversations["luna"]["name"] == "Luna"
    last = conversations["luna"]["last_message"]
    assert last["sender"] == "girl" and last["type"] == "text" and last["content"] and last["created_at"].endswith("Z")
    assert conversations["emma"] == {"girl_id": "emma", "name": "Emma", "unread": 0, "unread_ids": [],
                                     "last_message": None}
    client.post("/logout")
    assert client.get("/api/conversations").status_code in (302, 401)


def test_the_users_reads_reach_every_tab_with_whose_messages_they_were(app, client, auth, socket_for):
    first = signed_in_socket(auth, client, socket_for)
    second = socket_for(client)
    second.get_received()
    ack = send(first, "hello Luna", girl_id="luna")
    events = wait_for_events(second, reply_arrived)
    reply = [p["message"] for p in payloads(events, "message_received") if p["message"]["sender"] == "girl"][0]
    companion_read = [p for p in payloads(events, "message_read") if p["message_id"] == ack["message"]["id"]]
    assert companion_read and companion_read[0]["sender"] == "user"
    first.get_received()

    marked = second.emit("mark_read", {"girl_id": "luna", "message_ids": [reply["id"]]}, callback=True)
    assert marked == {"ok": True, "message_ids": [reply["id"]]}
    for tab in (first, second):
        reads = payloads(wait_for_events(tab, lambda e: "message_read" in [x["name"] for x in e]), "message_read")
        assert len(reads) == 1
        assert reads[0]["message_id"] == reply["id"] and reads[0]["girl_id"] == "luna"
        assert reads[0]["sender"] == "girl" and isinstance(reads[0]["seq"], int)
    # ...and a tab that missed it gets it from the replay.
    replay = first.emit("sync", {"last_seq": reads[0]["seq"] - 1}, callback=True)
    assert replay["ok"]
    synced = payloads(wait_for_events(first, lambda e: "sync" in [x["name"] for x in e]), "sync")[0]
    assert [(e["name"], e["payload"]["sender"]) for e in synced["events"]] == [("message_read", "girl")]
    with app.app_context():
        assert db.session.scalar(sa.select(Message.read_at).where(Message.id == reply["id"])) is not None
    sidebar = sidebar_item(client.get("/chat/emma").get_data(as_text=True), "luna")
    assert 'data-unread="0"' in sidebar


def attribute(html: str, name: str) -> str:
    match = re.search(r'\b%s="([^"]*)"' % name, html)
    assert match, f"no {name}"
    return match.group(1)


def ids_of(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def add_unread(app, user_id: int, slug: str, count: int) -> list[int]:
    """count unread messages of hers, oldest first; their ids."""
    with app.app_context():
        companion_id = Companion.by_slug(slug).id
        messages = [Message(user_id=user_id, companion_id=companion_id, sender="girl", content=f"unread {i}")
                    for i in range(count)]
        db.session.add_all(messages)
        db.session.commit()
        return [m.id for m in messages]


def test_every_list_renders_the_ids_of_her_unread_messages(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    send(sio, "hello Luna", girl_id="luna")
    wait_for_events(sio, reply_arrived)
    wait_for_background_work(app)
    added = add_unread(app, 1, "sofia", 2)
    reply = [c for c in client.get("/api/conversations").get_json()["conversations"] if c["girl_id"] == "luna"][0]
    assert len(reply["unread_ids"]) == 1 and reply["unread"] == 1

    home = client.get("/").get_data(as_text=True)
    for page, entry in ((home, "companion-card"), (client.get("/chat/emma").get_data(as_text=True), "sidebar-chat")):
        luna = re.search(r'<a class="%s[^"]*"[^>]*data-girl-id="luna"[^>]*>' % entry, page, re.S).group(0)
        assert ids_of(attribute(luna, "data-unread-ids")) == reply["unread_ids"]
        assert attribute(luna, "data-unread") == "1"
        sofia = re.search(r'<a class="%s[^"]*"[^>]*data-girl-id="sofia"[^>]*>' % entry, page, re.S).group(0)
        assert sorted(ids_of(attribute(sofia, "data-unread-ids"))) == added
    # The open conversation's own entry counts nothing: the page reads what it shows.
    on_luna = client.get("/chat/luna").get_data(as_text=True)
    luna = re.search(r'<a class="sidebar-chat[^"]*"[^>]*data-girl-id="luna"[^>]*>', on_luna, re.S).group(0)
    assert attribute(luna, "data-unread-ids") == "" and attribute(luna, "data-unread") == "0"


def test_the_list_page_has_what_its_live_counts_need(app, client, auth, socket_for):
    sio = signed_in_socket(auth, client, socket_for)
    ack = send(sio, "hello Luna", girl_id="luna")
    home = client.get("/").get_data(as_text=True)
    main = re.search(r'<main[^>]*id="companions"[^>]*>', home, re.S).group(0)
    assert int(attribute(main, "data-last-seq")) >= ack["seq"]
    assert attribute(main, "data-notifications") == "on"
    assert 'id="connection-status"' in home and 'id="companion-list"' in home
    assert "js/chat/list-page.js" in home
    for slug, name in (("emma", "Emma"), ("luna", "Luna")):
        card = re.search(r'<a class="companion-card[^"]*"[^>]*data-girl-id="%s"[^>]*>' % slug, home, re.S).group(0)
        assert attribute(card, "data-name") == name
    luna = re.search(r'<a class="companion-card[^"]*"[^>]*data-girl-id="luna".*?</a>', home, re.S).group(0)
    with app.app_context():  # hers may already have come after it
        luna_id = db.session.scalar(sa.select(Companion.id).where(Companion.slug == "luna"))
        conversation = set(db.session.scalars(sa.select(Message.id).where(Message.companion_id == luna_id)))
    last_id = int(attribute(luna, "data-last-id"))
    assert last_id >= ack["message"]["id"] and last_id in conversation
    # The badge and the time are there to be filled in, hidden while there is nothing to show.
    emma = re.search(r'<a class="companion-card[^"]*"[^>]*data-girl-id="emma".*?</a>', home, re.S).group(0)
    assert re.search(r'class="badge companion-card__badge" hidden>0<', emma)
    assert 'class="companion-card__time"' in emma


def test_the_newest_unread_ids_are_listed_up_to_the_limit(app, client, auth):
    auth.register("alex")
    added = add_unread(app, 1, "zoe", routes.UNREAD_SHOWN + 5)
    zoe = [c for c in client.get("/api/conversations").get_json()["conversations"] if c["girl_id"] == "zoe"][0]
    assert sorted(zoe["unread_ids"]) == added[-routes.UNREAD_SHOWN:] and zoe["unread"] == routes.UNREAD_SHOWN
    card = re.search(r'<a class="companion-card[^"]*"[^>]*data-girl-id="zoe".*?</a>', client.get("/").get_data(as_text=True), re.S).group(0)
    assert "99+" in card
    # The page's count stops at the same number (static/js/chat/unread.js).
    unread_js = (Path(__file__).resolve().parent.parent / "static/js/chat/unread.js").read_text()
    assert f"export const UNREAD_SHOWN = {routes.UNREAD_SHOWN};" in unread_js


def test_a_reply_committed_while_the_page_is_made_is_both_rendered_and_replayed(app, client, auth, monkeypatch):
    """The page's last_seq is read before its lists: a reply committed in between is in the rendered ids
    and in the replay (static/js/chat/unread.js counts it once, by id), never in neither."""
    auth.register("alex")
    real_list = routes.companion_list
    committed = {}

    def list_after_a_reply(user_id):
        if not committed:
            message = Message(user_id=user_id, companion_id=Companion.by_slug("luna").id, sender="girl", content="hi")
            db.session.add(message)
            db.session.flush()
            committed["seq"] = record_event(user_id, "message_received", {"message": message.to_dict()})["seq"]
            committed["id"] = message.id
            db.session.commit()
        return real_list(user_id)

    monkeypatch.setattr(routes, "companion_list", list_after_a_reply)
    for path, entry in (("/", "companion-card"), ("/chat/emma", "sidebar-chat")):
        committed.clear()
        page = client.get(path).get_data(as_text=True)
        assert int(attribute(page, "data-last-seq")) < committed["seq"]
        luna = re.search(r'<a class="%s[^"]*"[^>]*data-girl-id="luna"[^>]*>' % entry, page, re.S).group(0)
        assert committed["id"] in ids_of(attribute(luna, "data-unread-ids"))
