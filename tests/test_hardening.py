"""Paths found in review: failures inside failure handling, edits mid-stream, limits on photos
asked for in words, remember-me logins, login throttling."""
import threading
import time

import sqlalchemy as sa

from dreamchat.actions import replies
from dreamchat.ai.base import Reply, ReplyProvider
from dreamchat.extensions import db, socketio
from dreamchat.models import Message, Photo
from tests.conftest import PASSWORD, new_client_id, wait_for_background_work


def send(sio, content, girl_id="emma", client_id=None):
    ack = sio.emit("send_message", {"girl_id": girl_id, "content": content, "client_id": client_id or new_client_id()},
                   callback=True)
    assert ack["ok"], ack
    return ack


def girl_texts(app):
    with app.app_context():
        return [m.content for m in db.session.scalars(sa.select(Message).where(
            Message.sender == "girl", Message.type == "text", Message.status == "done").order_by(Message.id))]


class EchoStream(ReplyProvider):
    """Streams "You said: <last message>" slowly, so a test can act mid-stream."""

    name = "echo"
    streams = True

    def __init__(self, delay=0.15):
        self.delay = delay
        self.started = threading.Event()

    def compose(self, request):
        return Reply("".join(self.stream(request)))

    def stream(self, request):
        for word in f"You said: {request.new_messages[-1]}".split(" "):
            self.started.set()
            time.sleep(self.delay)
            yield word + " "


def test_an_error_while_reporting_a_failure_does_not_silence_the_conversation(app, auth_factory, monkeypatch):
    _, sio = auth_factory(app)
    provider = app.extensions["reply_provider"]
    original_compose, original_report = provider.compose, replies.report_reply_failure
    calls = {"compose": 0, "report": 0}

    def compose_failing_once(request):
        calls["compose"] += 1
        if calls["compose"] == 1:
            raise RuntimeError("model exploded")
        return original_compose(request)

    def report_failing_once(*args):
        calls["report"] += 1
        if calls["report"] == 1:
            raise RuntimeError("database hiccup")
        return original_report(*args)

    monkeypatch.setattr(provider, "compose", compose_failing_once)
    monkeypatch.setattr(replies, "report_reply_failure", report_failing_once)
    send(sio, "first try")
    wait_for_background_work(app)
    assert girl_texts(app) == []
    assert sio.emit("retry_reply", {"girl_id": "emma"}, callback=True) == {"ok": True}
    wait_for_background_work(app)
    assert len(girl_texts(app)) == 1


def test_an_edit_during_a_streamed_reply_gets_an_answer_to_the_new_text(app, auth_factory):
    provider = EchoStream()
    app.extensions["reply_provider"] = provider
    _, sio = auth_factory(app)
    ack = send(sio, "I love cats")
    assert provider.started.wait(5)
    edit = sio.emit("edit_message", {"girl_id": "emma", "message_id": ack["message"]["id"],
                                     "content": "I love dogs"}, callback=True)
    assert edit["ok"]
    wait_for_background_work(app)
    assert [text.strip() for text in girl_texts(app)] == ["You said: I love dogs"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Message.status == "streaming")) == 0


def test_photos_asked_for_in_words_obey_the_daily_limit(make_app, auth_factory):
    app = make_app(DAILY_PHOTO_LIMIT=1)
    _, sio = auth_factory(app)
    for _ in range(3):
        send(sio, "send me a selfie")
        wait_for_background_work(app)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 1
    refused = [e["args"][0] for e in sio.get_received() if e["name"] == "chat_error"]
    assert refused and all(r["code"] == "rate_limited" for r in refused)


def test_a_very_long_photo_request_in_words_is_trimmed_not_failed(app, auth_factory):
    _, sio = auth_factory(app)
    send(sio, "send me a photo of you at the beach " + "with the waves and the sun " * 40)
    wait_for_background_work(app)
    with app.app_context():
        photo = db.session.scalars(sa.select(Photo)).one()
        assert len(photo.context) <= 200 and photo.status == "done"
    assert len(girl_texts(app)) == 1


def test_a_repeated_photo_request_is_not_rate_limited(make_app, auth_factory):
    app = make_app(RATE_LIMIT_PHOTOS=1)
    _, sio = auth_factory(app)
    request_id = new_client_id()
    first = sio.emit("request_photo", {"girl_id": "emma", "client_id": request_id}, callback=True)
    again = sio.emit("request_photo", {"girl_id": "emma", "client_id": request_id}, callback=True)
    assert first == {"ok": True, "request_id": request_id}
    assert again["ok"] and again["request_id"] == request_id and again["status"] in ("pending", "done")


def test_logout_closes_sockets_of_a_login_restored_by_the_remember_cookie(app):
    browser = app.test_client()
    browser.post("/register", data={"username": "keepme", "password": PASSWORD, "password_confirm": PASSWORD,
                                    "adult": "y"})
    browser.post("/logout")
    browser.post("/login", data={"username": "keepme", "password": PASSWORD, "remember": "y"})
    remember = browser.get_cookie("remember_token")
    assert remember is not None
    later = app.test_client()
    later.set_cookie("remember_token", remember.value)
    assert later.get("/").status_code == 200
    sio = socketio.test_client(app, flask_test_client=later)
    assert sio.is_connected()
    later.post("/logout")
    assert not sio.is_connected()


def test_login_is_throttled_per_address_and_name(app, client, auth, caplog):
    auth.register("alex")
    auth.logout()
    codes = [auth.login("alex", "wrong password").status_code for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    assert auth.login("alex").status_code == 429
    assert "login throttled" in caplog.text


def test_socket_events_answer_even_when_the_database_fails(app, auth_factory, monkeypatch):
    _, sio = auth_factory(app)

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT", {}, Exception("database is down"))

    monkeypatch.setattr(sa.orm.Session, "execute", broken)
    ack = sio.emit("typing_indicator", {"girl_id": "emma", "is_typing": True}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "internal"
    assert sio.is_connected()
