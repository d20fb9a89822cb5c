"""The conversations beside the chat: rendered with previews and unread counts, the JSON that refreshes
them, and the user's reads told to every tab (message_read with sender) so the counts follow."""
import re

import sqlalchemy as sa

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
    assert conversations["emma"] == {"girl_id": "emma", "name": "Emma", "unread": 0, "last_message": None}
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

