"""Fixtures: app, client, auth and socket clients in-process; live_server and start_server for the
real eventlet server (`python app.py` subprocesses).

Markers (pytest.ini): a test that uses live_server or start_server is marked `live`, one that uses the
`browser` fixture `browser`, automatically at collection; `make test-fast` runs the rest. A test that
starts a server some other way fails unless it is marked `live`.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pytest
import requests
import sqlalchemy as sa

from dreamchat import create_app
from dreamchat.config import TestConfig
from dreamchat.extensions import db, socketio

ROOT = Path(__file__).resolve().parent.parent
TEST_RUN_KEY_PREFIX = f"dreamchat-test-{uuid.uuid4().hex[:12]}"
PASSWORD = "correct horse battery"

# Fixture modules: fake_openai, fake_image_server, and browser and page (browser_support skips itself,
# and the browser test modules that import it, when Chromium is missing).
pytest_plugins = ["tests.fake_openai", "tests.fake_sd", "tests.browser_support"]

LIVE_FIXTURES = {"live_server", "start_server"}
BROWSER_FIXTURES = {"browser"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items) -> None:
    """Mark tests by the fixtures they use, directly or through other fixtures, before `-m` selects."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & LIVE_FIXTURES:
            item.add_marker(pytest.mark.live)
        if used & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)


_current_test: pytest.Item | None = None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item) -> None:
    global _current_test
    _current_test = item


def require_live_marker() -> None:
    """A server process started by a test not marked `live` would slow `make test-fast` unseen: refuse."""
    if _current_test is not None and _current_test.get_closest_marker("live") is None:
        raise RuntimeError(f"{_current_test.nodeid} starts `python app.py` but is not marked live: "
                           "use the live_server or start_server fixture, or add @pytest.mark.live")


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """The Alembic migrations applied once to an SQLite file; each test app and live server gets a copy."""
    from flask_migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app(TestConfig(database_path=path))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()
    return path


def make_test_app(tmp_path: Path, template: Path, **overrides):
    database = tmp_path / "test.db"
    shutil.copy(template, database)
    config = TestConfig(database_path=database)
    for key, value in overrides.items():
        setattr(config, key, value)
    return create_app(config)


@pytest.fixture
def app(tmp_path, migrated_database):
    app = make_test_app(tmp_path, migrated_database)
    yield app
    wait_for_background_work(app)


@pytest.fixture
def make_app(tmp_path, migrated_database):
    """For tests that need other settings: make_app(REPLY_DELAY_SCALE=0.1, ...)."""
    made = []

    def factory(**overrides):
        app = make_test_app(tmp_path, migrated_database, **overrides)
        made.append(app)
        return app

    yield factory
    for app in made:
        wait_for_background_work(app)


@contextmanager
def captured_statements(app):
    """Every statement sent to the database meanwhile, by any thread (reply and photo tasks too),
    as Executed(statement, parameters, executemany)."""
    executed: list[Executed] = []

    def capture(_connection, _cursor, statement, parameters, _context, executemany):
        executed.append(Executed(statement, parameters, executemany))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        yield executed
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)


class Executed(NamedTuple):
    statement: str
    parameters: object
    executemany: bool


def wait_for_background_work(app, timeout: float = 10.0) -> None:
    """Let reply and photo tasks of a test finish before its database goes away."""
    worker = app.extensions["companion_worker"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and worker.busy():
        time.sleep(0.02)


@pytest.fixture
def client(app):
    return app.test_client()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def register(self, username: str = "alex", password: str = PASSWORD):
        return self.client.post("/register", data={
            "username": username, "password": password, "password_confirm": password, "adult": "y"})

    def login(self, username: str = "alex", password: str = PASSWORD):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def socket_for(app):
    """socket_for(flask_client) -> a Flask-SocketIO test client sharing that client's session."""
    opened = []

    def connect(flask_client):
        sio = socketio.test_client(app, flask_test_client=flask_client)
        opened.append(sio)
        return sio

    yield connect
    for sio in opened:
        if sio.is_connected():
            sio.disconnect()


def wait_for_events(sio, predicate, timeout: float = 5.0) -> list[dict]:
    """Collect received events until predicate(all_events_so_far) is true, or fail."""
    events: list[dict] = []
    deadline = time.monotonic() + timeout
    while True:
        events.extend(sio.get_received())
        if predicate(events):
            return events
        if time.monotonic() > deadline:
            names = [event["name"] for event in events]
            raise AssertionError(f"timed out; got events {names}")
        time.sleep(0.01)


def names_of(events: list[dict]) -> list[str]:
    return [event["name"] for event in events]


def payloads(events: list[dict], name: str) -> list[dict]:
    return [event["args"][0] for event in events if event["name"] == name]


def new_client_id() -> str:
    return uuid.uuid4().hex


# The real server ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    port: int
    process: subprocess.Popen
    instance_dir: Path
    env: dict = field(default_factory=dict)
    log_path: Path | None = None

    def stop(self, sig=None) -> None:
        if self.process.poll() is None:
            self.process.terminate() if sig is None else self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def restart(self, **env_overrides) -> "LiveServer":
        """Start a new server process on the same instance dir, database and port (after stop or kill).

        The process is replaced in place, so whoever stops this server stops the new one.
        """
        self.stop()
        overrides = {key: value for key, value in self.env.items() if os.environ.get(key) != value}
        fresh = start_live_server(self.instance_dir, port=self.port, **{**overrides, **env_overrides})
        self.process, self.env = fresh.process, fresh.env
        return self

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""


def start_live_server(instance_dir: Path, port: int | None = None, template: Path | None = None,
                      **env_overrides) -> LiveServer:
    """Start `python app.py` (eventlet) on instance_dir, on a free port by default.

    A new SQLite instance starts from a copy of `template` (the migrated_database fixture), or is
    migrated with `flask db upgrade` without one; an existing database (a restart) is used as it is.
    With DATABASE_URL (PostgreSQL) the server's database is migrated with `flask db upgrade`.
    Tests use the live_server and start_server fixtures rather than this function.
    """
    require_live_marker()
    instance_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    env = {**os.environ, "DREAMCHAT_INSTANCE_DIR": str(instance_dir), "FLASK_APP": "app.py",
           "SECRET_KEY": "live-test-secret", "HOST": "127.0.0.1", "PORT": str(port),
           "REPLY_DELAY_SCALE": "0.2", "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1",
           # Tests sign up and sign in many users from 127.0.0.1: limits open unless a test sets them;
           # limits kept in a Redis (a redis:// message queue) are this run's own.
           "RATE_LIMIT_SIGNUPS": "0", "RATE_LIMIT_LOGINS": "0", "RATE_LIMIT_KEY_PREFIX": TEST_RUN_KEY_PREFIX,
           # and so is the message queue's channel: test runs at the same time share the machine's Redis.
           "SOCKETIO_CHANNEL": TEST_RUN_KEY_PREFIX}
    env.pop("DATABASE_URL", None)
    env.update({key: str(value) for key, value in env_overrides.items()})
    database = instance_dir / "dreamchat.db"
    if env.get("DATABASE_URL") or (template is None and not database.exists()):
        subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=60)
    elif not database.exists():
        shutil.copy(template, database)
    log_path = instance_dir / "server.log"
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log_file,
                                   stderr=subprocess.STDOUT)
    server = LiveServer(url=f"http://127.0.0.1:{port}", port=port, process=process,
                        instance_dir=instance_dir, env=env, log_path=log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            if requests.get(server.url + "/healthz", timeout=1).ok:
                return server
        except requests.ConnectionError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not start:\n{server.log()}")


@pytest.fixture(scope="module")
def live_server(request, tmp_path_factory, migrated_database):
    """One server shared by the tests of a module; the module's LIVE_SERVER_ENV dict adds settings."""
    settings = getattr(request.module, "LIVE_SERVER_ENV", {})
    server = start_live_server(tmp_path_factory.mktemp("live"), template=migrated_database, **settings)
    yield server
    server.stop()


@pytest.fixture
def start_server(tmp_path, migrated_database):
    """start_server(**settings) -> a LiveServer of its own for this test, stopped after it.

    Each starts from a copy of the migrated database in a new instance dir under tmp_path.
    """
    started: list[LiveServer] = []

    def start(**settings) -> LiveServer:
        instance_dir = tmp_path / ("instance" if not started else f"instance-{len(started) + 1}")
        server = start_live_server(instance_dir, template=migrated_database, **settings)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def csrf_token_in(page: str) -> str:
    """The CSRF token of the first form in an HTML page."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def signed_in_session(server_url: str, username: str | None = None) -> requests.Session:
    """A requests session registered and signed in on the live server (CSRF token included)."""
    http = requests.Session()
    page = http.get(server_url + "/register", timeout=5).text
    token = csrf_token_in(page)
    username = username or "u" + uuid.uuid4().hex[:10]
    response = http.post(server_url + "/register", data={
        "csrf_token": token, "username": username, "password": PASSWORD,
        "password_confirm": PASSWORD, "adult": "y"}, timeout=5, allow_redirects=False)
    assert response.status_code == 302, response.text[:500]
    return http


@pytest.fixture
def auth_factory():
    """auth_factory(app) -> (flask client, socket client) for a new signed-in user of that app."""
    opened = []

    def make(app, username: str | None = None):
        client = app.test_client()
        username = username or "u" + uuid.uuid4().hex[:10]
        response = client.post("/register", data={"username": username, "password": PASSWORD,
                                                  "password_confirm": PASSWORD, "adult": "y"})
        assert response.status_code == 302
        sio = socketio.test_client(app, flask_test_client=client)
        sio.get_received()
        opened.append(sio)
        return client, sio

    yield make
    for sio in opened:
        if sio.is_connected():
            sio.disconnect()
