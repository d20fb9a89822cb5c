"""ASYNC_MODE=gevent: `python app.py` served by gevent's pywsgi (websockets through gevent-websocket), with the
same timeouts, TCP_NODELAY, per-address cap and graceful SIGTERM as under eventlet (SIGTERM: test_delivery.py,
in both modes)."""
import socket
import time
import uuid

import pytest
import requests

from tests.conftest import signed_in_session
from tests.realtime import Tab

pytest.importorskip("gevent")

GEVENT = {"ASYNC_MODE": "gevent"}


def test_health_reports_gevent(start_server):
    server = start_server(**GEVENT)
    body = requests.get(server.url + "/healthz", timeout=5).json()
    assert body == {"status": "ok", "database": "ok", "async_mode": "gevent"}
    assert "(gevent)" in server.log()


def test_a_signed_in_websocket_gets_its_ack_and_the_companions_reply(start_server):
    server = start_server(REPLY_DELAY_SCALE="0.1", **GEVENT)
    http = signed_in_session(server.url)
    tab = Tab(server.url, http).connect()
    try:
        assert tab.client.transport() == "websocket"
        ack = tab.send("emma", "Hi! My name is Marc", uuid.uuid4().hex)
        assert ack["ok"] and ack["message"]["sender"] == "user"
        try:
            tab.wait_for(lambda t: t.messages("girl"), timeout=20)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{server.log()[-4000:]}") from None
        assert "Marc" in tab.messages("girl")[0]["content"]
        started = time.perf_counter()  # no Nagle delay on the acks either
        for _ in range(10):
            assert tab.client.call("typing_indicator", {"girl_id": "emma", "is_typing": False}, timeout=5) == {"ok": True}
        assert (time.perf_counter() - started) / 10 < 0.03
    finally:
        tab.disconnect()
    time.sleep(0.3)  # the end of a websocket is a normal close, not an application error
    assert "Traceback" not in server.log() and "did not call start_response" not in server.log()


def test_a_second_socket_and_http_keep_working_while_one_is_open(start_server):
    server = start_server(REPLY_DELAY_SCALE="0", **GEVENT)
    first_user, second_user = signed_in_session(server.url), signed_in_session(server.url)
    first, second = Tab(server.url, first_user).connect(), Tab(server.url, second_user).connect()
    try:
        assert second.send("zoe", "hey zoe", uuid.uuid4().hex)["ok"]
        second.wait_for(lambda t: t.messages("girl"), timeout=20)
        assert first.messages() == []  # each user gets only their own conversation
        assert first_user.get(server.url + "/", timeout=5).status_code == 200
    finally:
        first.disconnect()
        second.disconnect()


def test_a_silent_connection_is_closed_after_the_header_timeout(start_server):
    server = start_server(HTTP_HEADER_TIMEOUT_SECONDS="1", **GEVENT)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as silent:
        silent.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the end of the headers
        started = time.monotonic()
        answer = b""
        while chunk := silent.recv(1000):  # closed, maybe after a 400
            answer += chunk
        assert time.monotonic() - started < 4
        assert answer == b"" or answer.startswith(b"HTTP/1.1 400"), answer
    assert requests.get(server.url + "/healthz", timeout=5).ok


def test_idle_keepalive_is_closed_but_a_quiet_websocket_stays(start_server):
    server = start_server(HTTP_HEADER_TIMEOUT_SECONDS="1", HTTP_IDLE_TIMEOUT_SECONDS="2", **GEVENT)
    tab = Tab(server.url, signed_in_session(server.url)).connect()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as kept:
            kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert kept.recv(1000).startswith(b"HTTP/1.1 200")
            started = time.monotonic()
            while kept.recv(1000):
                pass
            assert 1.5 < time.monotonic() - started < 5  # the idle timeout, not the header timeout
        time.sleep(1)
        assert tab.client.connected  # silent for longer than both timeouts: kept by engine.io's pings
        assert tab.client.call("typing_indicator", {"girl_id": "emma", "is_typing": False}, timeout=5) == {"ok": True}
    finally:
        tab.disconnect()


def test_connections_past_the_per_address_cap_get_a_503(start_server):
    server = start_server(MAX_CONNECTIONS_PER_ADDRESS="3", **GEVENT)
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(3)]
    try:
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as extra:
            assert extra.recv(100).startswith(b"HTTP/1.1 503")
    finally:
        for connection in held:
            connection.close()
    time.sleep(0.3)
    assert requests.get(server.url + "/healthz", timeout=5).ok
