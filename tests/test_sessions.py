"""Sessions that end: each sign-in is a login session whose random token the cookies carry; logout,
a new password and "sign out everywhere" end them, on pages and sockets alike, and captured
cookies open nothing afterwards."""
from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_login.utils import decode_cookie

from dreamchat.extensions import db, socketio
from dreamchat.models import LoginSession, User, utcnow
from tests.conftest import PASSWORD, AuthActions, csrf_token_in, names_of, new_client_id, wait_for_events


def login_id_in(app, remember_cookie: str) -> str:
    with app.app_context():
        return decode_cookie(remember_cookie)

NEW_PASSWORD = "a brand new passphrase"


def browser_with(app, **cookies):
    """A new browser holding only these cookies (a copy someone captured, or a restarted browser)."""
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


def opens_a_page(browser) -> bool:
    response = browser.get("/")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
        return False
    assert response.status_code == 200
    return True


def opens_a_socket(app, browser) -> bool:
    sio = socketio.test_client(app, flask_test_client=browser)
    connected = sio.is_connected()
    if connected:
        sio.disconnect()
    return connected


def assert_dead(app, **cookies) -> None:
    assert not opens_a_page(browser_with(app, **cookies)), f"{sorted(cookies)} still opens a page"
    assert not opens_a_socket(app, browser_with(app, **cookies)), f"{sorted(cookies)} still opens a socket"


def assert_alive(app, **cookies) -> None:
    assert opens_a_page(browser_with(app, **cookies))
    assert opens_a_socket(app, browser_with(app, **cookies))


def sign_in_remembered(app, username="alex"):
    """A browser signed in with "Keep me signed in", and its (session, remember) cookies."""
    browser = app.test_client()
    response = browser.post("/login", data={"username": username, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    return browser, browser.get_cookie("session").value, browser.get_cookie("remember_token").value


@pytest.fixture
def alex(app):
    assert AuthActions(app.test_client()).register("alex").status_code == 302


def logins_of(app, username="alex") -> list[LoginSession]:
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.username == username))
        return list(db.session.scalars(sa.select(LoginSession).where(LoginSession.user_id == user_id)))


def test_the_cookies_carry_a_login_token_stored_only_hashed(app, alex):
    _, session_cookie, remember = sign_in_remembered(app)
    login_id = login_id_in(app, remember)
    number, _, token = login_id.partition(":")
    assert len(token) >= 40
    login = next(login for login in logins_of(app) if login.id == int(number))
    assert login.remember and login.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with app.app_context():
        dump = "\n".join(str(row) for row in db.session.execute(sa.text("SELECT * FROM login_sessions")))
        assert token not in dump
    # Each sign-in is its own login, with its own token.
    _, _, second_remember = sign_in_remembered(app)
    assert login_id_in(app, second_remember) != login_id
    assert len(logins_of(app)) == 3  # registration, then two sign-ins


def test_without_keep_me_signed_in_there_is_no_remember_cookie(app, alex):
    browser = app.test_client()
    assert AuthActions(browser).login().status_code == 302
    assert browser.get_cookie("remember_token") is None
    assert [login.remember for login in logins_of(app)] == [False, False]


def test_after_logout_the_captured_cookies_open_no_page_and_no_socket(app, alex):
    browser, session_cookie, remember = sign_in_remembered(app)
    other, other_session, other_remember = sign_in_remembered(app)
    assert_alive(app, session=session_cookie)
    assert_alive(app, remember_token=remember)

    assert browser.post("/logout").status_code == 302

    assert_dead(app, session=session_cookie)
    assert_dead(app, remember_token=remember)
    assert_dead(app, session=session_cookie, remember_token=remember)
    # Only that login ended: the other browser stays signed in.
    assert_alive(app, session=other_session)
    assert_alive(app, remember_token=other_remember)


def test_after_a_password_change_the_other_logins_cookies_are_dead(app, alex):
    browser, session_cookie, remember = sign_in_remembered(app)
    _, other_session, other_remember = sign_in_remembered(app)

    response = browser.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                       "new_password_confirm": NEW_PASSWORD})
    assert response.status_code == 302

    assert_dead(app, session=other_session)
    assert_dead(app, remember_token=other_remember)
    # Copies of this browser's old cookies die too; the browser itself got a new login, still remembered.
    assert_dead(app, remember_token=remember)
    assert opens_a_page(browser)
    new_remember = browser.get_cookie("remember_token").value
    assert new_remember != remember
    assert_alive(app, remember_token=new_remember)
    assert [login.remember for login in logins_of(app)] == [True]


def test_sign_out_everywhere_ends_every_login_this_one_included(app, alex, socket_for):
    browser, session_cookie, remember = sign_in_remembered(app)
    _, other_session, other_remember = sign_in_remembered(app)
    own_socket = socket_for(browser)
    other_socket = socket_for(browser_with(app, session=other_session))
    assert own_socket.is_connected() and other_socket.is_connected()
    assert "Sign out everywhere" in browser.get("/account").get_data(as_text=True)

    response = browser.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "You are signed out everywhere" in browser.get("/login").get_data(as_text=True)

    assert not own_socket.is_connected() and not other_socket.is_connected()
    for cookies in ({"session": session_cookie}, {"remember_token": remember},
                    {"session": other_session}, {"remember_token": other_remember}):
        assert_dead(app, **cookies)
    assert not opens_a_page(browser)
    assert logins_of(app) == []
    # Signing in again works as ever.
    assert AuthActions(browser).login().status_code == 302
    assert opens_a_page(browser)


def test_sign_out_everywhere_needs_the_form_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    page = browser.get("/register").get_data(as_text=True)
    token = csrf_token_in(page)
    browser.post("/register", data={"csrf_token": token, "username": "alex", "password": PASSWORD,
                                    "password_confirm": PASSWORD, "adult": "y"})
    assert browser.post("/account/sign-out-everywhere").status_code == 400
    assert opens_a_page(browser)


def test_the_remember_cookie_outlives_the_browser_session_until_revoked(app, alex):
    _, _, remember = sign_in_remembered(app)
    # The browser restarts (session cookie gone) twice: the remember cookie signs it in each time.
    monday = browser_with(app, remember_token=remember)
    assert opens_a_page(monday) and opens_a_socket(app, monday)
    tuesday = browser_with(app, remember_token=remember)
    assert opens_a_page(tuesday)
    # It is the same login: logging out on Tuesday ends Monday's too.
    assert tuesday.post("/logout").status_code == 302
    assert not opens_a_page(monday)
    assert_dead(app, remember_token=remember)


def test_a_revoked_logins_open_socket_is_refused_and_closed(app, alex, socket_for, monkeypatch):
    browser, session_cookie, _ = sign_in_remembered(app)
    sio = socket_for(browser_with(app, session=session_cookie))
    sio.get_received()
    ack = sio.emit("send_message", {"girl_id": "emma", "content": "hi", "client_id": new_client_id()}, callback=True)
    assert ack["ok"]

    # As in another process: the socket cannot be closed from here, it is only told.
    monkeypatch.setattr(socketio.server, "disconnect", lambda *args, **kwargs: None)
    browser.post("/logout")
    assert "logged_out" in names_of(wait_for_events(sio, lambda events: "logged_out" in names_of(events)))
    for event, payload in (("send_message", {"girl_id": "emma", "content": "still here?",
                                             "client_id": new_client_id()}),
                           ("typing_indicator", {"girl_id": "emma", "is_typing": True}),
                           ("sync", {"last_seq": 0})):
        refused = sio.emit(event, payload, callback=True)
        assert refused == {"ok": False, "error": {"code": "unauthorized", "message": "Please sign in again."}}
    monkeypatch.undo()

    # In this process the socket is closed at once.
    browser, session_cookie, _ = sign_in_remembered(app)
    sio = socket_for(browser_with(app, session=session_cookie))
    assert sio.is_connected()
    browser.post("/logout")
    assert not sio.is_connected()


def age_logins(app, **delta) -> None:
    with app.app_context():
        db.session.execute(sa.update(LoginSession).values(last_seen_at=utcnow() - timedelta(**delta)))
        db.session.commit()


def test_a_login_unused_longer_than_the_idle_limit_ends(app, alex):
    browser, session_cookie, remember = sign_in_remembered(app)
    age_logins(app, days=30, minutes=1)
    assert_dead(app, session=session_cookie)
    assert_dead(app, remember_token=remember)
    # Signing in again clears the user's dead logins away.
    sign_in_remembered(app)
    assert len(logins_of(app)) == 1


def test_a_login_in_use_slides_its_expiry_and_its_remember_cookie(app, alex):
    browser, _, remember = sign_in_remembered(app)
    age_logins(app, days=29)
    before = utcnow()
    response = browser.get("/")
    assert response.status_code == 200
    [login] = [login for login in logins_of(app) if login.remember]
    assert login.last_seen_at >= before - timedelta(seconds=1)
    refreshed = [header for header in response.headers.getlist("Set-Cookie") if header.startswith("remember_token=")]
    assert refreshed, "the remember-me cookie is sent again with a new expiry"
    # Seen within the hour: no write, no new cookie.
    again = browser.get("/")
    assert not [header for header in again.headers.getlist("Set-Cookie") if header.startswith("remember_token=")]
    age_logins(app, days=29)
    assert_alive(app, remember_token=remember)


def test_a_socket_event_checks_the_login_each_time_without_loading_the_user(app, alex, socket_for, monkeypatch):
    """The user is taken at connect; each event checks only that the login is still live."""
    from dreamchat.auth import sessions
    from dreamchat.extensions import login_manager

    app.config["SOCKET_LOGIN_RECHECK_SECONDS"] = 0
    browser, _, _ = sign_in_remembered(app)
    sio = socket_for(browser)
    sio.get_received()
    loads, checks = [], []
    original_load, original_check = sessions.load_user, sessions.login_alive
    monkeypatch.setattr(login_manager, "_user_callback", lambda login_id: loads.append(login_id) or original_load(login_id))
    monkeypatch.setattr(sessions, "login_alive", lambda *args: checks.append(args) or original_check(*args))
    for _ in range(3):
        assert sio.emit("typing_indicator", {"girl_id": "emma", "is_typing": False}, callback=True)["ok"]
    assert (len(loads), len(checks)) == (0, 3)

    app.config["SOCKET_LOGIN_RECHECK_SECONDS"] = 60
    for _ in range(3):
        assert sio.emit("typing_indicator", {"girl_id": "emma", "is_typing": False}, callback=True)["ok"]
    assert (len(loads), len(checks)) == (0, 3)


def test_an_ended_login_stops_its_socket_at_the_next_check(app, alex, socket_for):
    """Also when this process could not disconnect it (the socket is on another process): at its
    next event with SOCKET_LOGIN_RECHECK_SECONDS 0, else within that time."""
    from dreamchat.extensions import db
    from dreamchat.models import LoginSession

    app.config["SOCKET_LOGIN_RECHECK_SECONDS"] = 0
    browser, _, _ = sign_in_remembered(app)
    sio = socket_for(browser)
    assert sio.emit("typing_indicator", {"girl_id": "emma", "is_typing": False}, callback=True)["ok"]
    with app.app_context():
        db.session.execute(sa.delete(LoginSession))
        db.session.commit()
    ack = sio.emit("typing_indicator", {"girl_id": "emma", "is_typing": False}, callback=True)
    assert ack["error"]["code"] == "unauthorized"


def test_malformed_or_old_style_ids_load_nobody(app, alex):
    from flask_login.utils import encode_cookie

    from dreamchat.auth import sessions

    with app.test_request_context():
        user_id = db.session.scalar(sa.select(User.id))
        token = db.session.scalar(sa.select(User.session_token))
        for login_id in (f"{user_id}:{token}", str(user_id), "", ":", "1:", "x:y", "²:abc", "1" * 40 + ":a",
                         "1:" + "a" * 500):
            assert sessions.load_user(login_id) is None
    # An old-style remember cookie ("<user id>:<session token>", correctly signed) opens nothing.
    with app.test_request_context():
        old_cookie = encode_cookie(f"{user_id}:{token}")
    assert_dead(app, remember_token=old_cookie)


def test_on_the_eventlet_server_a_logged_out_cookie_opens_nothing(start_server):
    """`python app.py`: the captured session cookie of a login that signed out opens no page and no socket."""
    import requests
    import socketio as socketio_client

    from tests.conftest import signed_in_session

    server = start_server()
    http = signed_in_session(server.url)
    captured = dict(http.cookies.items())
    tab = socketio_client.Client(reconnection=False)
    cookie = "; ".join(f"{name}={value}" for name, value in captured.items())
    tab.connect(server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=5)
    assert tab.connected
    page = http.get(server.url + "/", timeout=5).text
    token = csrf_token_in(page)
    assert http.post(server.url + "/logout", data={"csrf_token": token}, timeout=5,
                     allow_redirects=False).status_code == 302
    deadline = time.monotonic() + 5
    while tab.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not tab.connected

    stolen = requests.Session()
    for name, value in captured.items():
        stolen.cookies.set(name, value)
    response = stolen.get(server.url + "/", timeout=5, allow_redirects=False)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    again = socketio_client.Client(reconnection=False)
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        again.connect(server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=5)


def test_the_login_record_keeps_a_printable_user_agent_only(app, client):
    response = client.post("/register", data={"username": "alex", "password": PASSWORD, "password_confirm": PASSWORD,
                                              "adult": "y"}, headers={"User-Agent": "evil\x00agent\x07/1.0"})
    assert response.status_code == 302
    assert [login.user_agent for login in logins_of(app)] == ["evilagent/1.0"]


def test_with_a_recheck_interval_an_ended_login_stops_its_socket_within_it(app, alex, socket_for):
    from dreamchat.extensions import db
    from dreamchat.models import LoginSession

    app.config["SOCKET_LOGIN_RECHECK_SECONDS"] = 0.3
    browser, _, _ = sign_in_remembered(app)
    sio = socket_for(browser)
    with app.app_context():
        db.session.execute(sa.delete(LoginSession))
        db.session.commit()
    time.sleep(0.35)
    ack = sio.emit("typing_indicator", {"girl_id": "emma", "is_typing": False}, callback=True)
    assert ack["error"]["code"] == "unauthorized"
