"""Regenerate, edit and delete; memory across sessions and its page; daily limits; card import."""
import base64
import io
import json

import sqlalchemy as sa
from PIL import Image, PngImagePlugin

from dreamchat.extensions import db
from dreamchat.models import Companion, MemoryFact, Message
from tests.conftest import names_of, new_client_id, payloads, wait_for_background_work, wait_for_events


def send(sio, content, girl_id="emma"):
    ack = sio.emit("send_message", {"girl_id": girl_id, "content": content, "client_id": new_client_id()},
                   callback=True)
    assert ack["ok"], ack
    return ack


def replies(app):
    with app.app_context():
        return [m.content for m in db.session.scalars(
            sa.select(Message).where(Message.sender == "girl").order_by(Message.id))]


def test_regenerate_replaces_the_last_reply_for_every_tab(app, auth_factory):
    client, sio = auth_factory(app)
    other = app.test_client()
    send(sio, "I'm Alex and I love jazz")
    wait_for_background_work(app)
    first_reply = replies(app)
    sio.get_received()
    ack = sio.emit("regenerate_reply", {"girl_id": "emma"}, callback=True)
    assert ack["ok"]
    wait_for_background_work(app)
    events = wait_for_events(sio, lambda e: "message_received" in names_of(e))
    assert payloads(events, "message_deleted")[0]["message_id"] == ack["deleted_id"]
    assert len(replies(app)) == 1 and replies(app) != first_reply
    assert names_of(events).index("message_deleted") < names_of(events).index("message_received")
    assert sio.emit("regenerate_reply", {"girl_id": "luna"}, callback=True)["error"]["code"] == "not_found"
    assert other.get("/chat/emma").status_code == 302


def test_edit_regenerates_the_answer_when_it_is_the_newest_message(app, auth_factory):
    client, sio = auth_factory(app)
    ack = send(sio, "I love pizza")
    wait_for_background_work(app)
    old = replies(app)
    sio.get_received()
    edit = sio.emit("edit_message", {"girl_id": "emma", "message_id": ack["message"]["id"],
                                     "content": "I love sushi"}, callback=True)
    assert edit["ok"] and edit["message"]["content"] == "I love sushi" and edit["message"]["edited_at"]
    wait_for_background_work(app)
    events = wait_for_events(sio, lambda e: "message_received" in names_of(e))
    assert payloads(events, "message_updated")[0]["message"]["content"] == "I love sushi"
    assert len(replies(app)) == 1 and replies(app) != old and "sushi" in replies(app)[0]


def test_edit_and_delete_only_own_messages(app, auth_factory):
    _, alice = auth_factory(app)
    ack = send(alice, "secret")
    wait_for_background_work(app)
    with app.app_context():
        reply_id = db.session.scalar(sa.select(Message.id).where(Message.sender == "girl"))
    _, bob = auth_factory(app)
    for event in ("edit_message", "delete_message"):
        result = bob.emit(event, {"girl_id": "emma", "message_id": ack["message"]["id"], "content": "hacked"},
                          callback=True)
        assert result["error"]["code"] == "not_found"
    result = alice.emit("delete_message", {"girl_id": "emma", "message_id": reply_id}, callback=True)
    assert result["error"]["code"] == "not_found"
    assert alice.emit("edit_message", {"girl_id": "emma", "message_id": "1", "content": "x"},
                      callback=True)["error"]["code"] == "invalid"
    alice.get_received()
    assert alice.emit("delete_message", {"girl_id": "emma", "message_id": ack["message"]["id"]},
                      callback=True) == {"ok": True}
    events = wait_for_events(alice, lambda e: "message_deleted" in names_of(e))
    assert payloads(events, "message_deleted")[0]["message_id"] == ack["message"]["id"]
    with app.app_context():
        assert db.session.get(Message, ack["message"]["id"]) is None


def test_memory_is_kept_across_sessions_and_used_by_the_companion(app, auth_factory):
    client, sio = auth_factory(app)
    ack = send(sio, "Hi! My name is Camille and I love kayaking. My birthday is on June 12")
    wait_for_background_work(app)
    with app.app_context():
        facts = {(f.kind, f.value) for f in db.session.scalars(sa.select(MemoryFact))}
    assert {("name", "Camille"), ("likes", "kayaking"), ("dates", "birthday: June 12")} <= facts
    sio.emit("delete_message", {"girl_id": "emma", "message_id": ack["message"]["id"]}, callback=True)
    sio.disconnect()
    page = client.get("/memory").get_data(as_text=True)
    assert "Camille" in page and "kayaking" in page and "June 12" in page

    from dreamchat.extensions import socketio
    later = socketio.test_client(app, flask_test_client=client)
    send(later, "hello again")
    wait_for_background_work(app)
    assert "Camille" in replies(app)[-1]
    later.disconnect()


def test_memory_page_corrects_erases_and_is_private(app, auth_factory):
    client, sio = auth_factory(app)
    send(sio, "My name is Jon")
    wait_for_background_work(app)
    with app.app_context():
        fact = db.session.scalars(sa.select(MemoryFact)).one()
        fact_id = fact.id
    assert client.post(f"/memory/{fact_id}", data={f"fact-{fact_id}-value": "John"}).status_code == 302
    with app.app_context():
        assert db.session.get(MemoryFact, fact_id).value == "John"
    stranger, _ = auth_factory(app)
    assert stranger.post(f"/memory/{fact_id}/erase").status_code == 404
    assert "John" not in stranger.get("/memory").get_data(as_text=True)
    assert client.post("/memory", data={"new-companion": "luna", "new-kind": "likes",
                                        "new-value": "old maps"}).status_code == 302
    assert client.post(f"/memory/{fact_id}/erase").status_code == 302
    with app.app_context():
        assert [(f.kind, f.value) for f in db.session.scalars(sa.select(MemoryFact))] == [("likes", "old maps")]
    client.post("/memory/erase-all")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(MemoryFact.id))) == 0


def test_daily_limits_refuse_without_storing(make_app, auth_factory):
    app = make_app(DAILY_REPLY_LIMIT=1, DAILY_PHOTO_LIMIT=1)
    _, sio = auth_factory(app)
    send(sio, "first")
    wait_for_background_work(app)
    refused = sio.emit("send_message", {"girl_id": "emma", "content": "second", "client_id": new_client_id()},
                       callback=True)
    assert refused["error"]["code"] == "rate_limited" and "today" in refused["error"]["message"]
    assert sio.emit("request_photo", {"girl_id": "emma"}, callback=True)["ok"]
    wait_for_background_work(app)
    assert sio.emit("request_photo", {"girl_id": "emma"}, callback=True)["error"]["code"] == "rate_limited"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Message.sender == "user")) == 1


def card_png(name="Aria", description="Aria is a 27 year old violinist from Vienna.") -> bytes:
    card = {"spec": "chara_card_v2", "spec_version": "2.0", "data": {
        "name": name, "description": description, "personality": "dreamy, kind",
        "first_mes": "Hello {{user}}, I'm {{char}}!", "tags": ["music", "travel"]}}
    info = PngImagePlugin.PngInfo()
    info.add_text("chara", base64.b64encode(json.dumps(card).encode()).decode())
    buffer = io.BytesIO()
    Image.new("RGB", (600, 800), (200, 30, 40)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def test_card_import_from_the_cli_with_its_avatar(app, tmp_path):
    path = tmp_path / "aria.png"
    path.write_bytes(card_png())
    result = app.test_cli_runner().invoke(args=["companions", "import-card", str(path)])
    assert result.exit_code == 0, result.output
    assert "'aria'" in result.output and "with its avatar" in result.output
    with app.app_context():
        aria = db.session.scalar(sa.select(Companion).where(Companion.slug == "aria"))
        assert aria.age == 27 and aria.greeting == "Hello you, I'm Aria!"
    client = app.test_client()
    avatar = client.get("/companions/aria/avatar")
    assert avatar.mimetype == "image/png"
    with Image.open(io.BytesIO(avatar.data)) as picture:
        assert picture.size == (512, 512)
    assert client.get("/companions/emma/avatar").mimetype == "image/png"  # her drawn portrait
    again = app.test_cli_runner().invoke(args=["companions", "import-card", str(path)])
    assert "'aria-2'" in again.output
    minor = tmp_path / "minor.json"
    minor.write_text(json.dumps({"name": "Kid", "description": "She is 15 years old."}))
    refused = app.test_cli_runner().invoke(args=["companions", "import-card", str(minor)])
    assert refused.exit_code != 0 and "adult" in refused.output


def test_admin_page_imports_cards_and_is_hidden_from_others(make_app, auth_factory):
    app = make_app(ADMIN_USERNAMES="boss")
    admin, _ = auth_factory(app, "boss")
    user, _ = auth_factory(app, "someone")
    assert user.get("/admin/companions").status_code == 404
    assert admin.get("/admin/companions").status_code == 200
    response = admin.post("/admin/companions", data={"card": (io.BytesIO(card_png("Noor")), "noor.png")},
                          content_type="multipart/form-data")
    assert response.status_code == 302
    assert "Noor was added" in admin.get("/admin/companions").get_data(as_text=True)
    bad = admin.post("/admin/companions", data={"card": (io.BytesIO(b"not a card"), "x.png")},
                     content_type="multipart/form-data")
    assert bad.status_code == 302
    assert "could not be imported" in admin.get("/admin/companions").get_data(as_text=True)
    assert user.post("/admin/companions", data={"card": (io.BytesIO(card_png("Eve")), "e.png")},
                     content_type="multipart/form-data").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(Companion).where(Companion.slug == "noor")) is not None
        assert db.session.scalar(sa.select(Companion).where(Companion.slug == "eve")) is None
