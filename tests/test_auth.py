import pytest
import sqlalchemy as sa

from dreamchat.extensions import db, socketio
from dreamchat.models import User


def test_register_logs_in_and_redirects_home(client, auth):
    response = auth.register("alex")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert b"Emma" in home.data


def test_register_requires_adult_and_matching_passwords(client, app):
    response = client.post("/register", data={"username": "kid", "password": "password123",
                                              "password_confirm": "password123"})
    assert response.status_code == 400
    assert b"adults only" in response.data
    response = client.post("/register", data={"username": "typo", "password": "password123",
                                              "password_confirm": "password124", "adult": "y"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_usernames_are_unique_regardless_of_case(client, auth):
    assert auth.register("Alex").status_code == 302
    auth.logout()
    response = auth.register("alex")
    assert response.status_code == 400
    assert b"taken" in response.data


def test_login_wrong_password_is_refused_and_logged(client, auth, caplog):
    auth.register("alex")
    auth.logout()
    response = auth.login("alex", "wrong password")
    assert response.status_code == 401
    assert b"Wrong username or password" in response.data
    assert "failed login" in caplog.text
    assert "wrong password" not in caplog.text


def test_login_honours_local_next_only(client, auth):
    auth.register("alex")
    auth.logout()
    response = client.post("/login?next=/chat/emma", data={"username": "alex", "password": "correct horse battery"})
    assert response.headers["Location"] == "/chat/emma"
    auth.logout()
    response = client.post("/login?next=https://evil.example/", data={"username": "alex",
                                                                     "password": "correct horse battery"})
    assert response.headers["Location"] == "/"
    auth.logout()
    response = client.post("/login?next=//evil.example/", data={"username": "alex",
                                                               "password": "correct horse battery"})
    assert response.headers["Location"] == "/"


def test_pages_need_login(client):
    assert client.get("/").headers["Location"].startswith("/login")
    assert client.get("/chat/emma").status_code == 302
    response = client.get("/api/conversations/emma/messages")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_socket_refused_without_session(app, client):
    sio = socketio.test_client(app, flask_test_client=client)
    assert not sio.is_connected()


def test_socket_connects_with_session_and_gets_connected_event(app, client, auth, socket_for):
    auth.register("alex")
    sio = socket_for(client)
    assert sio.is_connected()
    received = sio.get_received()
    assert received[0]["name"] == "connected"
    assert received[0]["args"][0]["socketId"]


def test_logout_requires_csrf_when_enabled(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/register").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    response = client.post("/register", data={"username": "alex", "password": "password123",
                                              "password_confirm": "password123", "adult": "y"})
    assert response.status_code == 400


def test_logout_closes_that_logins_sockets(app, client, auth, socket_for):
    auth.register("alex")
    sio = socket_for(client)
    sio.get_received()
    other_device = app.test_client()
    AuthLogin = other_device.post("/login", data={"username": "alex", "password": "correct horse battery"})
    assert AuthLogin.status_code == 302
    other_socket = socket_for(other_device)
    auth.logout()
    assert not sio.is_connected()
    assert other_socket.is_connected()


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_error_pages_are_friendly_html_and_json_under_api(client, auth):
    auth.register("alex")
    page = client.get("/chat/nobody")
    assert page.status_code == 404
    assert b"<html" in page.data
    api = client.get("/api/conversations/nobody/messages")
    assert api.status_code == 404
    assert api.get_json()["error"]["code"] == "not_found"


def test_security_headers(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_password_hashing_runs_in_eventlets_thread_pool_under_eventlet(app, client, auth, monkeypatch):
    """Under eventlet every hash and check (sign-up, sign-in, unknown users' dummy check, the account
    page's password forms) goes through eventlet.tpool, off the event loop; the configured method is kept."""
    from eventlet import tpool

    from tests.conftest import PASSWORD

    ran = []

    def execute(function, *args):
        ran.append(function.__name__)
        return function(*args)

    monkeypatch.setattr(socketio, "async_mode", "eventlet")
    monkeypatch.setattr(tpool, "execute", execute)
    assert auth.register("alex").status_code == 302
    assert ran == ["generate_password_hash"]
    auth.logout()
    assert auth.login("alex").status_code == 302
    auth.logout()
    assert auth.login("nobody-by-this-name").status_code == 401
    assert ran.count("check_password_hash") == 2
    assert auth.login("alex").status_code == 302
    assert client.post("/account/password", data={"current_password": PASSWORD, "new_password": "another passphrase",
                                                  "new_password_confirm": "another passphrase"}).status_code == 302
    assert client.post("/account/delete", data={"password": "wrong", "understood": "y"}).status_code == 400
    assert ran.count("check_password_hash") == 5 and ran.count("generate_password_hash") >= 2
    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash))
    assert stored.startswith(app.config["PASSWORD_HASH_METHOD"])


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_blocking_work_runs_in_a_worker_thread_under_an_event_loop(app, monkeypatch, async_mode):
    """offload.run_blocking: eventlet's tpool or gevent's hub thread pool, never the loop's own thread."""
    import threading

    from dreamchat.offload import run_blocking

    monkeypatch.setattr(socketio, "async_mode", async_mode)
    assert run_blocking(threading.get_ident) != threading.get_ident()
    monkeypatch.setattr(socketio, "async_mode", "threading")
    assert run_blocking(threading.get_ident) == threading.get_ident()
