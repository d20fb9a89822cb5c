"""The account page: a new password signs out every other session, a copy of the user's data,
and deleting the account erases every row of it."""
import json
import logging
import threading

import pytest
import sqlalchemy as sa

from dreamchat.ai.base import Reply, ReplyProvider
from dreamchat.extensions import db, socketio
from dreamchat.models import LoginSession, Photo, User
from tests.conftest import (PASSWORD, AuthActions, captured_statements, names_of, new_client_id, payloads,
                            wait_for_background_work, wait_for_events)

NEW_PASSWORD = "a brand new passphrase"


def send(sio, content, girl_id="emma"):
    ack = sio.emit("send_message", {"girl_id": girl_id, "content": content, "client_id": new_client_id()},
                   callback=True)
    assert ack["ok"], ack
    return ack


def replies_from(*girl_ids):
    def arrived(events):
        replied = {p["message"]["girl_id"] for p in payloads(events, "message_received") if p["message"]["sender"] == "girl"}
        return set(girl_ids) <= replied

    return arrived


def fill_account(app, sio):
    """Messages and replies with two companions, memory facts, a finished photo."""
    send(sio, "Hi, my name is Alex and I love jazz")
    send(sio, "Good evening Luna", girl_id="luna")
    wait_for_events(sio, replies_from("emma", "luna"))
    ack = sio.emit("request_photo", {"girl_id": "emma", "context": "at the beach"}, callback=True)
    assert ack["ok"]
    wait_for_events(sio, lambda events: "photo_generated" in names_of(events))
    wait_for_background_work(app)


def user_id_of(app, username):
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def rows_per_table(app, user_id):
    with app.app_context():
        return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                              .where(table.c.user_id == user_id))
                for table in db.metadata.tables.values() if "user_id" in table.c}


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", data={"current_password": current, "new_password": new,
                                                  "new_password_confirm": new if confirm is None else confirm})


def delete_account(client, password=PASSWORD):
    return client.post("/account/delete", data={"password": password, "understood": "y"})


def test_the_account_page_needs_login_and_shows_the_forms(client, auth):
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    auth.register("alex")
    page = client.get("/account").get_data(as_text=True)
    assert "alex" in page and "Member since" in page
    assert 'action="/account/password"' in page and 'name="current_password"' in page
    assert 'name="new_password"' in page and 'name="new_password_confirm"' in page
    assert 'href="/account/export"' in page and "Download my data" in page
    assert 'action="/account/delete"' in page and "delete-account-form" in page
    assert "I understand this cannot be undone" in page and 'name="understood"' in page
    assert "js/page-account.js" in page
    assert "<script>" not in page


def test_the_header_links_to_the_account_page_and_every_page_loads_the_session_script(client, auth):
    auth.register("alex")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/account"' in home and "<span>Account</span>" in home
    assert "js/session.js" in home
    assert 'aria-current="page"' in client.get("/account").get_data(as_text=True)


def test_sign_up_says_the_companions_are_ai(client):
    page = client.get("/register").get_data(as_text=True)
    notice = "Companions on DreamChat are AI characters, not real people. Conversations are with an AI."
    assert notice in page
    assert page.index(notice) < page.index('type="submit"')
    assert "I am 18 or older and I understand the companions are AI" in page


def test_a_new_password_signs_out_every_other_session_and_socket(app, client, auth, socket_for):
    auth.register("alex")
    own_socket = socket_for(client)
    other_device = app.test_client()
    assert AuthActions(other_device).login().status_code == 302
    other_socket = socket_for(other_device)
    assert other_socket.is_connected()

    response = change_password(client)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "Your password was changed. Other sessions were signed out." in client.get("/account").get_data(as_text=True)

    assert not other_socket.is_connected() and not own_socket.is_connected()
    assert other_device.get("/").headers["Location"].startswith("/login")
    assert not socket_for(other_device).is_connected()
    assert client.get("/").status_code == 200
    assert socket_for(client).is_connected()

    auth.logout()
    assert auth.login("alex", PASSWORD).status_code == 401
    assert auth.login("alex", NEW_PASSWORD).status_code == 302


def test_sockets_the_server_cannot_close_are_told_and_can_no_longer_act(app, client, auth, socket_for, monkeypatch):
    """Sockets in other processes only get `logged_out` through the queue: their next event loads
    the user from the socket's copy of the old session, which no longer matches."""
    auth.register("alex")
    other_device = app.test_client()
    AuthActions(other_device).login()
    sockets = [socket_for(client), socket_for(other_device)]
    for sio in sockets:
        sio.get_received()
    monkeypatch.setattr(socketio.server, "disconnect", lambda *args, **kwargs: None)

    assert change_password(client).status_code == 302

    for sio in sockets:
        assert "logged_out" in names_of(sio.get_received())
        refused = sio.emit("send_message", {"girl_id": "emma", "content": "still here?",
                                            "client_id": new_client_id()}, callback=True)
        assert refused == {"ok": False, "error": {"code": "unauthorized", "message": "Please sign in again."}}
    fresh = socket_for(client)
    fresh.get_received()
    assert send(fresh, "signed in again")["ok"]


def test_a_remember_me_cookie_is_revoked_by_a_new_password(app):
    browser = app.test_client()
    AuthActions(browser).register("keepme")
    browser.post("/logout")
    browser.post("/login", data={"username": "keepme", "password": PASSWORD, "remember": "y"})
    old_remember = browser.get_cookie("remember_token").value
    elsewhere = app.test_client()
    elsewhere.set_cookie("remember_token", old_remember)
    assert elsewhere.get("/").status_code == 200

    assert change_password(browser).status_code == 302

    assert elsewhere.get("/").headers["Location"].startswith("/login")
    new_remember = browser.get_cookie("remember_token").value
    assert new_remember != old_remember
    restored = app.test_client()
    restored.set_cookie("remember_token", new_remember)
    assert restored.get("/").status_code == 200


def test_a_wrong_current_password_or_a_mismatch_is_refused(app, client, auth, caplog):
    auth.register("alex")
    user_id = user_id_of(app, "alex")
    caplog.set_level(logging.WARNING)

    wrong = change_password(client, current="not my password")
    assert wrong.status_code == 400
    assert "That is not your current password." in wrong.get_data(as_text=True)
    mismatch = change_password(client, confirm="something else entirely")
    assert mismatch.status_code == 400
    assert "The passwords do not match." in mismatch.get_data(as_text=True)
    assert change_password(client, new="short").status_code == 400

    assert f"password change refused for user id={user_id}" in caplog.text
    for secret in ("not my password", NEW_PASSWORD, "something else entirely", PASSWORD):
        assert secret not in caplog.text
    auth.logout()
    assert auth.login("alex", PASSWORD).status_code == 302


def test_password_guesses_on_the_account_page_are_throttled(app, client, auth):
    auth.register("alex")
    codes = [change_password(client, current="guess number one").status_code for _ in range(10)]
    assert codes == [400] * 10
    assert change_password(client).status_code == 429
    assert delete_account(client).status_code == 429
    assert user_id_of(app, "alex") is not None


def test_the_export_holds_the_users_data_and_nothing_else(app, client, auth, socket_for):
    auth.register("alex")
    sio = socket_for(client)
    sio.get_received()
    fill_account(app, sio)
    stranger = app.test_client()
    AuthActions(stranger).register("eve")
    stranger_socket = socket_for(stranger)
    send(stranger_socket, "a secret of someone else")
    wait_for_events(stranger_socket, replies_from("emma"))
    wait_for_background_work(app)

    with captured_statements(app) as executed:
        response = client.get("/account/export")
        body = response.get_data(as_text=True)
    statements = [run.statement for run in executed]

    assert response.status_code == 200 and response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="dreamchat-alex-') and disposition.endswith('.json"')
    assert len(disposition.split("dreamchat-alex-")[1].split(".")[0]) == 8
    assert not any("photos.data" in statement for statement in statements)

    data = json.loads(body)
    assert set(data) == {"exported_at", "user", "conversations", "group_chats", "memory", "photos"}
    assert data["user"]["username"] == "alex" and data["user"]["created_at"].endswith("Z")
    by_slug = {c["companion"]["slug"]: c for c in data["conversations"]}
    assert set(by_slug) == {"emma", "luna"} and by_slug["emma"]["companion"]["name"] == "Emma"
    emma = by_slug["emma"]["messages"]
    assert [m["id"] for m in emma] == sorted(m["id"] for m in emma)
    assert emma[0]["content"] == "Hi, my name is Alex and I love jazz" and emma[0]["sender"] == "user"
    assert any(m["sender"] == "girl" and m["type"] == "photo" for m in emma)
    assert [m["sender"] for m in by_slug["luna"]["messages"]][:2] == ["user", "girl"]
    assert any(fact["companion"] == "emma" and fact["kind"] == "name" and fact["value"] == "Alex"
               and fact["created_at"].endswith("Z") for fact in data["memory"])
    assert any(fact["kind"] == "likes" and "jazz" in fact["value"] for fact in data["memory"])
    [photo] = data["photos"]
    assert set(photo) == {"id", "companion", "context", "status", "url", "created_at", "completed_at", "mime",
                          "width", "height"}
    assert photo["url"] == f"/photos/{photo['id']}" and photo["status"] == "done" and photo["context"] == "at the beach"
    assert "a secret of someone else" not in body
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "alex"))
        assert user.password_hash not in body and user.session_token not in body
    assert "password_hash" not in body and "session_token" not in body


def test_a_wrong_password_deletes_nothing(app, client, auth, socket_for, caplog):
    auth.register("alex")
    sio = socket_for(client)
    sio.get_received()
    send(sio, "Hi, my name is Alex and I love jazz")
    wait_for_events(sio, replies_from("emma"))
    wait_for_background_work(app)
    user_id = user_id_of(app, "alex")
    before = rows_per_table(app, user_id)
    caplog.set_level(logging.WARNING)

    response = delete_account(client, password="not my password")

    assert response.status_code == 400
    assert "That is not your password." in response.get_data(as_text=True)
    assert rows_per_table(app, user_id) == before and before["messages"] == 2
    assert user_id_of(app, "alex") == user_id and sio.is_connected()
    assert f"account deletion refused for user id={user_id}" in caplog.text and "not my password" not in caplog.text


def test_deleting_the_account_erases_every_row_closes_its_sockets_and_frees_the_name(app, client, auth, socket_for):
    auth.register("alex")
    auth.logout()
    client.post("/login", data={"username": "alex", "password": PASSWORD, "remember": "y"})
    sio, second_tab = socket_for(client), socket_for(client)
    sio.get_received()
    fill_account(app, sio)
    stranger = app.test_client()
    AuthActions(stranger).register("eve")
    send(socket_for(stranger), "I stay")
    wait_for_background_work(app)
    user_id = user_id_of(app, "alex")
    before = rows_per_table(app, user_id)
    assert before["messages"] and before["photos"] and before["memory_facts"] and before["user_events"]
    with app.app_context():
        photo_url = db.session.scalars(sa.select(Photo).where(Photo.user_id == user_id)).first().url
    old_session = client.get_cookie("session").value
    old_remember = client.get_cookie("remember_token").value
    with app.app_context():
        old_login_id = db.session.scalar(sa.select(LoginSession.id).where(LoginSession.user_id == user_id))

    response = delete_account(client)

    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Your account and everything in it were deleted." in client.get("/login").get_data(as_text=True)
    assert not sio.is_connected() and not second_tab.is_connected()
    assert set(rows_per_table(app, user_id).values()) == {0}
    assert user_id_of(app, "alex") is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Photo.id)).where(Photo.user_id == user_id)) == 0
    assert set(rows_per_table(app, user_id_of(app, "eve")).values()) != {0}
    assert client.get(photo_url).status_code == 302

    def with_old_cookies(**cookies):
        old = app.test_client()
        for name, value in cookies.items():
            old.set_cookie(name, value)
        return old

    assert with_old_cookies(session=old_session).get("/").headers["Location"].startswith("/login")
    assert with_old_cookies(remember_token=old_remember).get("/").headers["Location"].startswith("/login")

    newcomer = app.test_client()
    assert AuthActions(newcomer).register("alex").status_code == 302
    new_id = user_id_of(app, "alex")
    assert new_id != user_id
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(LoginSession.user_id == user_id)) == 0
        # Even were the old login id handed out again, the old cookies carry the old login's token.
        db.session.execute(sa.update(LoginSession).where(LoginSession.user_id == new_id).values(id=old_login_id))
        db.session.commit()
    for old in (with_old_cookies(session=old_session), with_old_cookies(remember_token=old_remember)):
        assert old.get("/").headers["Location"].startswith("/login")
        assert old.get("/account").status_code == 302
        assert not socketio.test_client(app, flask_test_client=old).is_connected()
    assert AuthActions(newcomer).login("alex").status_code == 302
    assert newcomer.get("/account").status_code == 200


class GatedStreamingProvider(ReplyProvider):
    """Streams its reply only when the test opens the gate, so the account can go mid-reply."""

    name = "gated"
    streams = True

    def __init__(self, deltas_before_gate: int) -> None:
        self.deltas_before_gate = deltas_before_gate
        self.waiting = threading.Event()
        self.gate = threading.Event()

    def compose(self, request):
        return Reply("Hello there")

    def stream(self, request):
        pieces = ["Hello ", "there"]
        yield from pieces[:self.deltas_before_gate]
        self.waiting.set()
        self.gate.wait(5)
        yield from pieces[self.deltas_before_gate:]


def delete_during_a_reply(make_app, deltas_before_gate: int) -> tuple:
    app = make_app()
    provider = GatedStreamingProvider(deltas_before_gate)
    app.extensions["reply_provider"] = provider
    client = app.test_client()
    AuthActions(client).register("alex")
    user_id = user_id_of(app, "alex")
    sio = socketio.test_client(app, flask_test_client=client)
    send(sio, "are you there?")
    assert provider.waiting.wait(5)
    response = delete_account(client)
    provider.gate.set()
    wait_for_background_work(app)
    return app, response, user_id


@pytest.mark.parametrize("deltas_before_gate", [0, 1], ids=["before-the-stream", "mid-stream"])
def test_a_reply_being_written_when_the_account_goes_leaves_nothing_behind(make_app, deltas_before_gate):
    app, response, user_id = delete_during_a_reply(make_app, deltas_before_gate)
    assert response.status_code == 302
    assert set(rows_per_table(app, user_id).values()) == {0}
    assert user_id_of(app, "alex") is None


@pytest.mark.parametrize("deltas_before_gate", [0, 1], ids=["before-the-stream", "mid-stream"])
def test_a_reply_task_of_a_deleted_account_logs_no_error(make_app, deltas_before_gate, caplog):
    delete_during_a_reply(make_app, deltas_before_gate)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_the_migration_gives_existing_users_a_session_token_and_keeps_their_rows(app):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import ROOT

    with app.app_context():
        downgrade(directory=str(ROOT / "migrations"), revision="0006_message_ids_never_reused")
        db.session.execute(sa.text(
            "INSERT INTO users (id, username, password_hash, created_at, last_event_seq) VALUES "
            "(1, 'old', 'x', '2024-01-01 00:00:00', 0), (2, 'older', 'y', '2024-01-01 00:00:00', 0)"))
        db.session.execute(sa.text(
            "INSERT INTO messages (user_id, companion_id, sender, type, content, created_at, status) "
            "VALUES (1, 1, 'user', 'text', 'still here', '2024-01-01 00:00:00', 'done')"))
        db.session.commit()
        upgrade(directory=str(ROOT / "migrations"))
        tokens = dict(db.session.execute(sa.text("SELECT username, session_token FROM users")).all())
        assert set(tokens) == {"old", "older"} and len(set(tokens.values())) == 2
        assert all(len(token) == 64 for token in tokens.values())
        assert db.session.scalar(sa.text("SELECT content FROM messages WHERE user_id = 1")) == "still here"
        assert db.session.execute(sa.text("PRAGMA foreign_key_check")).all() == []
        schema = " ".join(db.session.scalars(sa.text("SELECT sql FROM sqlite_master WHERE tbl_name = 'users'")))
        assert "AUTOINCREMENT" in schema and "lower(username)" in schema
        db.session.execute(sa.text("DELETE FROM users WHERE id = 2"))
        db.session.add(User(username="newest", password_hash="z"))
        db.session.commit()
        assert user_id_of(app, "newest") == 3
