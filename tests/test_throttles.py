"""Throttles that match the threat: sign-ins per client address across usernames, sign-ups per
address, 429 with Retry-After and a friendly page; limits that expire, hold across processes
sharing Redis, count generations rather than rows, and key on the real client behind a proxy."""
from __future__ import annotations

import logging
import threading
import time
import uuid

import pytest
import redis
import requests
import sqlalchemy as sa

from dreamchat import quotas
from dreamchat.extensions import db
from dreamchat.models import Message, User
from tests.conftest import PASSWORD, AuthActions, csrf_token_in, new_client_id, signed_in_session, wait_for_background_work

REDIS_URL = "redis://127.0.0.1:6379/0"


def login(client, username, password="wrong password", address="10.0.0.1", **headers):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def register(client, username, address="10.0.0.1", **headers):
    return client.post("/register", data={"username": username, "password": PASSWORD, "password_confirm": PASSWORD,
                                          "adult": "y"}, environ_base={"REMOTE_ADDR": address}, headers=headers)


def assert_throttled(response, wording: str) -> int:
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    page = response.get_data(as_text=True)
    assert wording in page and "try again" in page and "Slow down a little" in page
    return retry_after


def test_sign_ins_are_limited_per_address_across_usernames(make_app, caplog):
    app = make_app(RATE_LIMIT_LOGINS=5)
    client = app.test_client()
    codes = [login(client, f"user{n}").status_code for n in range(5)]
    assert codes == [401] * 5
    retry_after = assert_throttled(login(client, "user-new"), "Too many sign-in attempts")
    assert retry_after <= 60
    assert "login throttled for 10.0.0.1" in caplog.text
    # Another address is not affected.
    assert login(client, "user-new", address="10.0.0.2").status_code == 401


def test_a_throttled_sign_in_checks_no_password(make_app, monkeypatch):
    app = make_app(RATE_LIMIT_LOGINS=1)
    client = app.test_client()
    AuthActions(client).register("alex")
    client.post("/logout")
    login(client, "alex")
    from dreamchat.auth import passwords

    monkeypatch.setattr(passwords, "run_off_loop", lambda *args: pytest.fail("hashed while throttled"))
    assert login(client, "alex", PASSWORD).status_code == 429


def test_the_per_username_limit_still_holds(make_app):
    app = make_app(RATE_LIMIT_LOGINS=0)
    client = app.test_client()
    codes = [login(client, "alex").status_code for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    assert login(client, "someone-else").status_code == 401


def test_zero_means_no_limit(make_app):
    app = make_app(RATE_LIMIT_LOGINS=0, RATE_LIMIT_SIGNUPS=0)
    client = app.test_client()
    assert {login(client, f"user{n}").status_code for n in range(30)} == {401}
    for n in range(8):
        fresh = app.test_client()
        assert register(fresh, f"new{n}").status_code == 302


def test_sign_ups_are_limited_per_address(make_app, caplog):
    app = make_app(RATE_LIMIT_SIGNUPS=2)
    for n in range(2):
        assert register(app.test_client(), f"new{n}").status_code == 302
    refused = register(app.test_client(), "one-too-many")
    retry_after = assert_throttled(refused, "Too many new accounts")
    assert 60 < retry_after <= 3600
    assert "sign-up throttled for 10.0.0.1" in caplog.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2
    # An invalid form is no sign-up and is not counted; another address can still sign up.
    assert register(app.test_client(), "x").status_code == 400
    assert register(app.test_client(), "from-elsewhere", address="10.0.0.9").status_code == 302


def test_forwarded_addresses_count_only_behind_trusted_proxies(make_app):
    # Without TRUSTED_PROXIES a client cannot dodge the limit with X-Forwarded-For.
    app = make_app(RATE_LIMIT_LOGINS=2)
    client = app.test_client()
    codes = [login(client, "alex", **{"X-Forwarded-For": f"192.0.2.{n}"}).status_code for n in range(3)]
    assert codes == [401, 401, 429]

    # Behind one proxy (a PaaS router), each client's own address counts.
    app = make_app(RATE_LIMIT_LOGINS=2, TRUSTED_PROXIES=1)
    seen = {}

    @app.get("/_whoami")
    def whoami():
        from flask import request

        seen.update(address=request.remote_addr, scheme=request.scheme)
        return "ok"

    client = app.test_client()
    proxy = "10.1.1.1"
    client.get("/_whoami", environ_base={"REMOTE_ADDR": proxy},
               headers={"X-Forwarded-For": "192.0.2.7", "X-Forwarded-Proto": "https"})
    assert seen == {"address": "192.0.2.7", "scheme": "https"}
    for _ in range(2):
        assert login(client, "alex", address=proxy, **{"X-Forwarded-For": "192.0.2.7"}).status_code == 401
    assert login(client, "alex", address=proxy, **{"X-Forwarded-For": "192.0.2.7"}).status_code == 429
    assert login(client, "alex", address=proxy, **{"X-Forwarded-For": "192.0.2.8"}).status_code == 401
    # Only the hop the proxy appended is trusted: a spoofed left-most entry changes nothing.
    spoofed = login(client, "alex", address=proxy, **{"X-Forwarded-For": "203.0.113.1, 192.0.2.7"})
    assert spoofed.status_code == 429


def test_a_negative_proxy_count_is_refused(make_app):
    with pytest.raises(SystemExit, match="TRUSTED_PROXIES"):
        make_app(TRUSTED_PROXIES=-1)


def test_limits_expire(make_app):
    app = make_app()
    with app.app_context():
        assert quotas.throttle("test", "k", 2, 1) is None
        assert quotas.throttle("test", "k", 2, 1) is None
        assert quotas.throttle("test", "k", 2, 1) == 1
        assert quotas.throttle("test", "other", 2, 1) is None
        time.sleep(1.1)
        assert quotas.throttle("test", "k", 2, 1) is None


@pytest.mark.parametrize("strategy", ["fixed-window", "moving-window", "sliding-window-counter"])
def test_every_strategy_limits(make_app, strategy):
    app = make_app(RATE_LIMIT_STRATEGY=strategy)
    with app.app_context():
        assert [quotas.attempt_allowed(1, "test", 3, 60) for _ in range(4)] == [True, True, True, False]


def test_an_unknown_strategy_is_refused_at_start(make_app):
    with pytest.raises(SystemExit, match="RATE_LIMIT_STRATEGY"):
        make_app(RATE_LIMIT_STRATEGY="leaky-bucket")


def test_the_daily_limit_counts_generations_not_stored_rows(make_app, auth_factory):
    """A regenerated reply replaces the stored one, but the engine wrote twice: both count."""
    app = make_app(DAILY_REPLY_LIMIT=2)
    client, sio = auth_factory(app)
    first = sio.emit("send_message", {"girl_id": "emma", "content": "hello", "client_id": new_client_id()},
                     callback=True)
    assert first["ok"]
    wait_for_background_work(app)
    regenerated = sio.emit("regenerate_reply", {"girl_id": "emma"}, callback=True)
    assert regenerated["ok"], regenerated
    wait_for_background_work(app)
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id))
        assert quotas.generations_today(user_id) == 2
        assert db.session.scalar(sa.select(sa.func.count(Message.id)).where(Message.sender == "girl")) == 1
    refused = sio.emit("send_message", {"girl_id": "emma", "content": "again", "client_id": new_client_id()},
                       callback=True)
    assert refused["error"]["code"] == "rate_limited" and "today's limit of 2 replies" in refused["error"]["message"]


def test_count_generation_is_per_user_and_per_day(make_app, monkeypatch):
    from datetime import datetime

    app = make_app(DAILY_REPLY_LIMIT=2)
    with app.app_context():
        quotas.count_generation(1)
        quotas.count_generation(1)
        quotas.count_generation(2)
        assert (quotas.generations_today(1), quotas.generations_today(2)) == (2, 1)
        with pytest.raises(quotas.LimitReached) as refused:
            quotas.check_daily(1, "message")
        assert 0 < refused.value.retry_after <= 24 * 3600
        quotas.check_daily(2, "message")
        monkeypatch.setattr(quotas, "utcnow", lambda: datetime(2099, 1, 2, 0, 0, 1))
        assert quotas.generations_today(1) == 0
        quotas.check_daily(1, "message")


def test_an_unreachable_storage_lets_everything_through_and_says_so(make_app, caplog):
    app = make_app(RATE_LIMIT_STORAGE_URL="redis://127.0.0.1:9/0", RATE_LIMIT_LOGINS=1)
    client = app.test_client()
    caplog.set_level(logging.WARNING)
    assert [login(client, f"user{n}").status_code for n in range(3)] == [401] * 3
    assert "rate limit storage unavailable" in caplog.text
    with app.app_context():
        quotas.count_generation(1)
        assert quotas.generations_today(1) == 0


def test_the_account_password_forms_answer_429_with_retry_after(app, client, auth):
    auth.register("alex")
    for _ in range(10):
        client.post("/account/password", data={"current_password": "a wrong guess", "new_password": "whatever12",
                                               "new_password_confirm": "whatever12"})
    response = client.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1


# Limits across processes ---------------------------------------------------------------------------

@pytest.fixture
def shared_redis():
    """A key prefix of its own on the local Redis, removed afterwards; skips when Redis is absent."""
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not running at {REDIS_URL}: start redis-server to test limits across processes")
    prefix = f"dreamchat-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in connection.scan_iter(f"{prefix}:*"):
        connection.delete(key)
    connection.close()


def test_two_app_instances_sharing_redis_share_the_limits(make_app, shared_redis):
    settings = {"RATE_LIMIT_STORAGE_URL": REDIS_URL, "RATE_LIMIT_KEY_PREFIX": shared_redis, "RATE_LIMIT_LOGINS": 3}
    first, second = make_app(**settings), make_app(**settings)
    assert quotas.EXTENSION in first.extensions and first.extensions[quotas.EXTENSION] is not \
        second.extensions[quotas.EXTENSION]
    one, two = first.test_client(), second.test_client()
    assert [login(one, "a").status_code, login(two, "b").status_code, login(one, "c").status_code] == [401] * 3
    assert_throttled(login(two, "d"), "Too many sign-in attempts")
    assert_throttled(login(one, "e"), "Too many sign-in attempts")
    # The daily count is shared too.
    with first.app_context():
        quotas.count_generation(42)
    with second.app_context():
        quotas.count_generation(42)
        assert quotas.generations_today(42) == 2


def test_redis_is_used_when_redis_url_or_a_redis_message_queue_is_set(monkeypatch):
    from dreamchat.config import rate_limit_storage_from_env

    for name in ("RATE_LIMIT_STORAGE_URL", "REDIS_URL", "SOCKETIO_MESSAGE_QUEUE"):
        monkeypatch.delenv(name, raising=False)
    assert rate_limit_storage_from_env() == "memory://"
    monkeypatch.setenv("SOCKETIO_MESSAGE_QUEUE", "redis://queue:6379/1")
    assert rate_limit_storage_from_env() == "redis://queue:6379/1"
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    assert rate_limit_storage_from_env() == "redis://cache:6379/0"
    monkeypatch.setenv("RATE_LIMIT_STORAGE_URL", "memory://")
    assert rate_limit_storage_from_env() == "memory://"
    monkeypatch.delenv("RATE_LIMIT_STORAGE_URL")
    monkeypatch.delenv("REDIS_URL")
    monkeypatch.setenv("SOCKETIO_MESSAGE_QUEUE", "amqp://rabbit//")
    assert rate_limit_storage_from_env() == "memory://"


# The real server -----------------------------------------------------------------------------------

def test_the_eventlet_server_throttles_sign_ins_and_sign_ups(start_server):
    """`python app.py`: password checks run in eventlet's thread pool; the limits answer 429."""
    server = start_server(RATE_LIMIT_LOGINS="4", RATE_LIMIT_SIGNUPS="2")
    for _ in range(2):
        signed_in_session(server.url)
    http = requests.Session()
    page = http.get(server.url + "/register", timeout=5).text
    token = csrf_token_in(page)
    refused = http.post(server.url + "/register", data={
        "csrf_token": token, "username": "third", "password": PASSWORD, "password_confirm": PASSWORD, "adult": "y"},
        timeout=5, allow_redirects=False)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    codes = []
    for n in range(5):
        codes.append(failed_login(http, server.url, f"nobody{n}"))
    assert codes == [401, 401, 401, 401, 429]
    assert "Too many sign-in attempts" in server.log() or "login throttled" in server.log()


def failed_login(http: requests.Session, server_url: str, username: str) -> int:
    """A sign-in with a wrong password through the real form; the status code."""
    token = csrf_token_in(http.get(server_url + "/login", timeout=5).text)
    return http.post(server_url + "/login", data={"csrf_token": token, "username": username,
                                                  "password": "wrong password"},
                     timeout=5, allow_redirects=False).status_code


def login_flood(server_url: str, stop: threading.Event, codes: list[int]) -> None:
    """One client posting /login with a new username each time, as fast as it is answered."""
    http = requests.Session()
    page = http.get(server_url + "/login", timeout=10).text
    token = csrf_token_in(page)
    while not stop.is_set():
        try:
            response = http.post(server_url + "/login", data={"csrf_token": token, "username": uuid.uuid4().hex[:20],
                                                              "password": "a wrong password"},
                                 timeout=10, allow_redirects=False)
            codes.append(response.status_code)
        except requests.RequestException:
            codes.append(0)


def ack_latencies(tab, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        ack = tab.call("typing_indicator", {"girl_id": "emma", "is_typing": False}, timeout=10)
        latencies.append(time.perf_counter() - started)
        assert ack["ok"], ack
        time.sleep(0.03)
    return latencies


@pytest.mark.parametrize("logins_per_minute", ["10", "0"], ids=["throttled", "unthrottled"])
def test_a_sign_in_flood_from_one_address_does_not_stall_other_users(start_server, logins_per_minute):
    """8 clients post /login with new usernames (scrypt each time, unless throttled); another user's
    socket acks stay quick, since password checks run off the event loop."""
    import statistics

    import socketio as socketio_client

    from tests.realtime import cookie_header

    server = start_server(RATE_LIMIT_LOGINS=logins_per_minute)
    http = signed_in_session(server.url)
    tab = socketio_client.Client(reconnection=False)
    tab.connect(server.url, headers={"Cookie": cookie_header(http)}, transports=["websocket"], wait_timeout=5)
    try:
        baseline = statistics.median(ack_latencies(tab, 10))
        stop, codes = threading.Event(), []
        flooders = [threading.Thread(target=login_flood, args=(server.url, stop, codes), daemon=True)
                    for _ in range(8)]
        for thread in flooders:
            thread.start()
        time.sleep(1.0)
        try:
            during = ack_latencies(tab, 40)
        finally:
            stop.set()
            for thread in flooders:
                thread.join(15)
    finally:
        tab.disconnect()
    p50 = statistics.median(during)
    assert p50 <= 0.05, f"p50 ack {p50 * 1000:.0f} ms during the flood (baseline {baseline * 1000:.0f} ms)"
    assert codes and 0 not in codes
    if logins_per_minute == "0":
        assert set(codes) == {401} and len(codes) >= 8
    else:
        assert codes.count(401) <= 10 and codes.count(429) == len(codes) - codes.count(401) > 0


def test_two_server_processes_sharing_redis_share_the_sign_in_limit(start_server, shared_redis):
    settings = {"REDIS_URL": REDIS_URL, "RATE_LIMIT_KEY_PREFIX": shared_redis, "RATE_LIMIT_LOGINS": "3"}
    servers = [start_server(**settings), start_server(**settings)]
    codes = []
    for n in range(5):
        codes.append(failed_login(requests.Session(), servers[n % 2].url, f"nobody{n}"))
    assert codes == [401, 401, 401, 429, 429]
