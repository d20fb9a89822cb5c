"""Every handler: bad input gets an error ack, nothing is stored, the connection stays up."""
import pytest
import sqlalchemy as sa

from dreamchat.extensions import db
from dreamchat.models import Message, Photo
from tests.conftest import new_client_id

CASES = [
    ("send_message", None, "invalid"),
    ("send_message", "just a string", "invalid"),
    ("send_message", ["a", "list"], "invalid"),
    ("send_message", {"content": "no girl"}, "invalid"),
    ("send_message", {"girl_id": "nobody", "content": "hi"}, "not_found"),
    ("send_message", {"girl_id": 5, "content": "hi"}, "invalid"),
    ("send_message", {"girl_id": "x" * 500, "content": "hi"}, "not_found"),
    ("send_message", {"girl_id": "emma"}, "invalid"),
    ("send_message", {"girl_id": "emma", "content": ""}, "invalid"),
    ("send_message", {"girl_id": "emma", "content": "   \n  "}, "invalid"),
    ("send_message", {"girl_id": "emma", "content": 42}, "invalid"),
    ("send_message", {"girl_id": "emma", "content": {"nested": "object"}}, "invalid"),
    ("send_message", {"girl_id": "emma", "content": "x" * 4001}, "too_long"),
    ("send_message", {"girl_id": "emma", "content": "hi", "client_id": "short"}, "invalid"),
    ("send_message", {"girl_id": "emma", "content": "hi", "client_id": "bad id with spaces!"}, "invalid"),
    ("send_message", {"girl_id": "emma", "content": "hi", "client_id": 12345678}, "invalid"),
    ("typing_indicator", {"girl_id": "emma"}, "invalid"),
    ("typing_indicator", {"girl_id": "emma", "is_typing": "yes"}, "invalid"),
    ("typing_indicator", {"girl_id": "nobody", "is_typing": True}, "not_found"),
    ("mark_read", {"girl_id": "emma"}, "invalid"),
    ("mark_read", {"girl_id": "emma", "message_ids": []}, "invalid"),
    ("mark_read", {"girl_id": "emma", "message_ids": "1,2"}, "invalid"),
    ("mark_read", {"girl_id": "emma", "message_ids": [1, "2"]}, "invalid"),
    ("mark_read", {"girl_id": "emma", "message_ids": [True]}, "invalid"),
    ("mark_read", {"girl_id": "emma", "message_ids": [-1]}, "invalid"),
    ("mark_read", {"girl_id": "emma", "message_ids": list(range(1, 300))}, "too_long"),
    ("request_photo", {"girl_id": "nobody"}, "not_found"),
    ("request_photo", {"girl_id": "emma", "context": 7}, "invalid"),
    ("request_photo", {"girl_id": "emma", "context": "beach " * 100}, "too_long"),
    ("request_photo", {"girl_id": "emma", "client_id": "!!"}, "invalid"),
]


@pytest.mark.parametrize("event,payload,code", CASES)
def test_bad_payload_gets_an_error_ack_and_stores_nothing(app, client, auth, socket_for, event, payload, code):
    auth.register()
    sio = socket_for(client)
    ack = sio.emit(event, payload, callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] == code
    assert ack["error"]["message"]
    assert sio.is_connected()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0
    good = sio.emit("typing_indicator", {"girl_id": "emma", "is_typing": False}, callback=True)
    assert good == {"ok": True}


def test_message_at_the_limit_is_accepted(app, client, auth, socket_for):
    auth.register()
    sio = socket_for(client)
    ack = sio.emit("send_message", {"girl_id": "emma", "content": "y" * 4000, "client_id": new_client_id()},
                   callback=True)
    assert ack["ok"] and len(ack["message"]["content"]) == 4000


def test_another_users_messages_cannot_be_marked_read(app, auth_factory):
    _, alice = auth_factory(app, "alice")
    ack = alice.emit("send_message", {"girl_id": "emma", "content": "hi"}, callback=True)
    assert ack["ok"]
    from tests.conftest import wait_for_background_work
    wait_for_background_work(app)
    with app.app_context():
        reply_id = db.session.scalar(sa.select(Message.id).where(Message.sender == "girl"))
    _, bob = auth_factory(app, "bob")
    assert bob.emit("mark_read", {"girl_id": "emma", "message_ids": [reply_id]}, callback=True) == {
        "ok": True, "message_ids": []}
    with app.app_context():
        assert db.session.get(Message, reply_id).read_at is None


def test_sending_too_fast_is_rate_limited_without_losing_the_connection(make_app, auth_factory):
    app = make_app(RATE_LIMIT_MESSAGES=3)
    _, sio = auth_factory(app)
    acks = [sio.emit("send_message", {"girl_id": "emma", "content": f"m{n}", "client_id": new_client_id()},
                     callback=True) for n in range(4)]
    assert [a["ok"] for a in acks] == [True, True, True, False]
    assert acks[-1]["error"]["code"] == "rate_limited"
    assert sio.is_connected()


def test_events_after_logout_are_unauthorized(app, client, auth, socket_for):
    auth.register()
    sio = socket_for(client)
    client.post("/logout")
    assert not sio.is_connected()


def test_an_internal_error_is_an_internal_ack_not_a_crash(app, client, auth, socket_for, monkeypatch):
    from dreamchat.actions import messages

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(messages, "send_user_message", broken)
    auth.register()
    sio = socket_for(client)
    ack = sio.emit("send_message", {"girl_id": "emma", "content": "hi"}, callback=True)
    assert ack == {"ok": False, "error": {"code": "internal", "message": "Something went wrong on our side."}}
    assert sio.is_connected()
