"""Every handler: bad input gets an error ack, nothing is stored, the connection stays up.
Every event that makes the model write counts toward the message rate and daily limits; sync is throttled."""
import logging

import pytest
import sqlalchemy as sa

from dreamchat.extensions import db
from dreamchat.models import Message, Photo
from tests.conftest import new_client_id, wait_for_background_work, wait_for_events

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
    # Bounded input: ids within 1..2^63-1, valid Unicode without NUL, flat payloads, short lists.
    ("send_message", {"girl_id": "emma", "content": "hi \ud800 there"}, "invalid"),
    ("send_message", {"girl_id": "emma", "content": "hi\x00there"}, "invalid"),
    ("send_message", {"girl_id": "\ud800", "content": "hi"}, "invalid"),
    ("send_message", {"girl_id": "emma", "content": "hi", "client_id": "abcdefgh\n"}, "invalid"),
    ("send_message", {"girl_id": "emma", "content": "hi", "extra": {"nested": [1]}}, "invalid"),
    ("send_message", {"girl_id": "emma", "content": "hi", "extra": [[1]]}, "invalid"),
    ("send_message", {"girl_id": "emma", "content": "hi", "extra": list(range(201))}, "too_long"),
    ("send_message", {"girl_id": "emma", "content": "hi", **{f"k{n}": n for n in range(40)}}, "invalid"),
    ("request_photo", {"girl_id": "emma", "context": "beach\x00"}, "invalid"),
    ("request_photo", {"girl_id": "emma", "context": "\udfff"}, "invalid"),
    ("mark_read", {"girl_id": "emma", "message_ids": [10**30]}, "invalid"),
    ("mark_read", {"girl_id": "emma", "message_ids": [2**31]}, "invalid"),
    ("mark_read", {"girl_id": "emma", "message_ids": [1.5]}, "invalid"),
    ("edit_message", {"girl_id": "emma", "message_id": 10**30, "content": "x"}, "invalid"),
    ("edit_message", {"girl_id": "emma", "message_id": 2**31, "content": "x"}, "invalid"),
    ("edit_message", {"girl_id": "emma", "message_id": 0, "content": "x"}, "invalid"),
    ("edit_message", {"girl_id": "emma", "message_id": "1", "content": "x"}, "invalid"),
    ("edit_message", {"girl_id": "emma", "message_id": 2**31 - 1, "content": "x"}, "not_found"),
    ("delete_message", {"girl_id": "emma", "message_id": -(10**30)}, "invalid"),
    ("sync", {"last_seq": 10**30}, "invalid"),
    ("sync", {"last_seq": -1}, "invalid"),
    ("sync", {"last_seq": "5"}, "invalid"),
    ("sync", {"last_seq": True}, "invalid"),
]


@pytest.mark.parametrize("event,payload,code", CASES)
def test_bad_payload_gets_an_error_ack_and_stores_nothing(app, client, auth, socket_for, caplog, event, payload,
                                                          code):
    auth.register()
    sio = socket_for(client)
    caplog.set_level(logging.DEBUG)
    ack = sio.emit(event, payload, callback=True)
    assert not [r for r in caplog.records if r.levelno > logging.INFO], "refused input is logged at INFO at most"
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


# Limits on every event that makes the model write ------------------------------------------

def send(sio, content="hello"):
    return sio.emit("send_message", {"girl_id": "emma", "content": content, "client_id": new_client_id()},
                    callback=True)


def replied(app, sio, timeout=5.0):
    """Wait until the companion has answered (her message_received arrived)."""
    wait_for_events(sio, lambda events: any(e["name"] == "message_received"
                                            and e["args"][0]["message"]["sender"] == "girl" for e in events),
                    timeout=timeout)
    wait_for_background_work(app)


def test_a_hundred_edits_in_a_row_are_rate_limited(make_app, auth_factory):
    app = make_app(RATE_LIMIT_MESSAGES=5)
    _, sio = auth_factory(app)
    first = send(sio)
    assert first["ok"]
    replied(app, sio)
    acks = [sio.emit("edit_message", {"girl_id": "emma", "message_id": first["message"]["id"],
                                      "content": f"take {n}"}, callback=True) for n in range(100)]
    refused = [n for n, ack in enumerate(acks) if not ack["ok"]]
    assert refused, "edits must be rate limited"
    assert len(refused) >= 95  # the send took one of the 5
    assert all(acks[n]["error"]["code"] == "rate_limited" for n in refused)
    assert refused == list(range(refused[0], 100)), "once limited, every later edit in the window is refused"
    assert sio.is_connected()


def test_edits_of_an_older_message_share_the_message_rate(make_app, auth_factory):
    app = make_app(RATE_LIMIT_MESSAGES=4)
    _, sio = auth_factory(app)
    first = send(sio, "one")
    replied(app, sio)
    sio.get_received()
    assert send(sio, "two")["ok"]
    replied(app, sio)
    # "one" is answered and its answer is no longer the newest message: an edit makes no reply,
    # but still counts toward the rate (on its own count of the same size).
    acks = [sio.emit("edit_message", {"girl_id": "emma", "message_id": first["message"]["id"], "content": f"e{n}"},
                     callback=True) for n in range(6)]
    assert [a["ok"] for a in acks] == [True] * 4 + [False] * 2
    assert acks[-1]["error"]["code"] == "rate_limited"


def test_an_edit_at_the_daily_limit_is_refused(make_app, auth_factory):
    app = make_app(DAILY_REPLY_LIMIT=1)
    _, sio = auth_factory(app)
    first = send(sio)
    assert first["ok"]
    replied(app, sio)
    ack = sio.emit("edit_message", {"girl_id": "emma", "message_id": first["message"]["id"], "content": "again"},
                   callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited"
    assert "today" in ack["error"]["message"]
    with app.app_context():
        message = db.session.get(Message, first["message"]["id"])
        assert message.content == "hello" and message.edited_at is None
    regenerate = sio.emit("regenerate_reply", {"girl_id": "emma"}, callback=True)
    assert regenerate["ok"] is False and regenerate["error"]["code"] == "rate_limited"


def test_regenerating_counts_toward_the_rate_limit(make_app, auth_factory):
    app = make_app(RATE_LIMIT_MESSAGES=3)
    _, sio = auth_factory(app)
    assert send(sio)["ok"]
    replied(app, sio)
    for _ in range(2):
        sio.get_received()
        assert sio.emit("regenerate_reply", {"girl_id": "emma"}, callback=True)["ok"]
        replied(app, sio)
    ack = sio.emit("regenerate_reply", {"girl_id": "emma"}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited"
    assert send(sio)["error"]["code"] == "rate_limited"


def test_regenerating_counts_toward_the_daily_limit(make_app, auth_factory):
    app = make_app(DAILY_REPLY_LIMIT=2)
    _, sio = auth_factory(app)
    assert send(sio)["ok"]
    replied(app, sio)
    sio.get_received()
    assert sio.emit("regenerate_reply", {"girl_id": "emma"}, callback=True)["ok"]
    replied(app, sio)
    ack = sio.emit("regenerate_reply", {"girl_id": "emma"}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited"


def test_retry_counts_toward_the_rate_limit(make_app, auth_factory, monkeypatch):
    from dreamchat import tasks

    app = make_app(RATE_LIMIT_MESSAGES=2)
    _, sio = auth_factory(app)
    monkeypatch.setattr(tasks, "reply_later", lambda *args, **kwargs: None)  # the message stays unanswered
    assert send(sio)["ok"]
    assert sio.emit("retry_reply", {"girl_id": "emma"}, callback=True) == {"ok": True}
    ack = sio.emit("retry_reply", {"girl_id": "emma"}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited"


def test_sync_is_throttled(make_app, auth_factory):
    app = make_app(RATE_LIMIT_SYNCS=3)
    _, sio = auth_factory(app)
    acks = [sio.emit("sync", {"last_seq": 0}, callback=True) for _ in range(5)]
    assert [a["ok"] for a in acks] == [True, True, True, False, False]
    assert acks[-1]["error"]["code"] == "rate_limited"
    assert sio.is_connected()


def test_sync_throttle_zero_is_off(make_app, auth_factory):
    app = make_app(RATE_LIMIT_SYNCS=0)
    _, sio = auth_factory(app)
    assert all(sio.emit("sync", {"last_seq": 0}, callback=True)["ok"] for _ in range(50))


# Bounded HTTP arguments -----------------------------------------------------------------------

@pytest.mark.parametrize("query", ["before=²", "after=²", "before=٣", "after=" + "9" * 30, "before=9223372036854775808",
                                   "limit=0", "limit=101", "limit=" + "1" * 30, "before=-1", "before=+1", "before=1.0",
                                   "before=%201", "after=1%00", "limit=", "before=1&after=2"])
def test_history_arguments_out_of_bounds_are_400(client, auth, caplog, query):
    auth.register()
    response = client.get(f"/api/conversations/emma/messages?{query}")
    assert response.status_code == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_history_arguments_in_bounds(client, auth):
    auth.register()
    for query in ("before=2147483647", "after=1", "limit=1", "limit=100", "before=1&limit=50"):
        response = client.get(f"/api/conversations/emma/messages?{query}")
        assert response.status_code == 200, query
        assert response.get_json() == {"messages": []}


@pytest.mark.parametrize("path", ["/photos/" + "9" * 30, "/photos/9223372036854775808", "/photos/²", "/photos/%D9%A3",
                                  "/photos/0", "/photos/-1", "/photos/%00", "/photos/2147483648",
                                  "/chat/%00", "/api/conversations/%00/messages"])
def test_ids_in_paths_out_of_bounds_are_404(client, auth, path):
    auth.register()
    assert client.get(path).status_code == 404


def test_memory_ids_and_values_are_bounded(app, client, auth):
    from dreamchat.models import MemoryFact

    auth.register()
    for path in ("/memory/" + "9" * 30, "/memory/²", "/memory/9223372036854775808/erase", "/memory/0/erase"):
        assert client.post(path, data={}).status_code == 404, path
    response = client.post("/memory", data={"new-companion": "emma", "new-kind": "notes", "new-value": "tea\x00"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(MemoryFact.id))) == 0
    assert client.post("/memory/erase-all", data={}).status_code == 302
    response = client.post("/memory", data={"new-companion": "emma", "new-kind": "notes", "new-value": "tea"})
    with app.app_context():
        fact_id = db.session.scalar(sa.select(MemoryFact.id))
    assert client.post(f"/memory/{fact_id}", data={f"fact-{fact_id}-value": "green tea"}).status_code == 302
    with app.app_context():
        assert db.session.get(MemoryFact, fact_id).value == "green tea"


@pytest.mark.parametrize("path, fields", [
    ("/login", {"username": "al\x00ex", "password": "correct horse battery"}),
    ("/login", {"username": "alex", "password": "pass\x00word!"}),
    ("/register", {"username": "nu\x00ll", "password": "correct horse battery",
                   "password_confirm": "correct horse battery", "adult": "y"}),
])
def test_forms_refuse_nul_and_lone_surrogates(client, path, fields):
    response = client.post(path, data=fields)
    assert response.status_code == 400
