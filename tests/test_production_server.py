"""The production path: `python app.py` under eventlet, driven by python-socketio's client over websocket."""
import statistics
import threading
import time
import uuid

import requests
import socketio as socketio_client

from tests.conftest import signed_in_session


def connect(server, http: requests.Session, **kwargs) -> tuple[socketio_client.Client, list]:
    received: list = []
    client = socketio_client.Client(reconnection=False)
    client.on("*", lambda event, *args: received.append((event, args[0] if args else None)))
    cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    client.connect(server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=5, **kwargs)
    return client, received


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("condition not reached in time")


def test_health_reports_eventlet(live_server):
    body = requests.get(live_server.url + "/healthz", timeout=5).json()
    assert body == {"status": "ok", "database": "ok", "async_mode": "eventlet"}


def test_connection_without_session_is_refused(live_server):
    client = socketio_client.Client(reconnection=False)
    errors = []
    client.on("connect_error", errors.append)
    try:
        client.connect(live_server.url, transports=["websocket"], wait_timeout=5)
        raise AssertionError("connected without a session")
    except socketio_client.exceptions.ConnectionError:
        pass
    assert errors and errors[0]["message"] == "unauthorized"


def test_full_conversation_over_websocket(live_server):
    http = signed_in_session(live_server.url)
    client, received = connect(live_server, http)
    try:
        wait_until(lambda: any(name == "connected" for name, _ in received))
        ack = client.call("send_message", {"girl_id": "emma", "content": "Salut ! Je m'appelle Marc",
                                           "client_id": uuid.uuid4().hex}, timeout=5)
        assert ack["ok"] and ack["message"]["sender"] == "user"
        wait_until(lambda: any(name == "message_received" for name, _ in received), timeout=15)
        names = [name for name, _ in received if name in ("message_read", "typing", "message_received")]
        assert names == ["message_read", "typing", "typing", "message_received"]
        reply = [data for name, data in received if name == "message_received"][0]["message"]
        assert "Marc" in reply["content"]

        photo = client.call("request_photo", {"girl_id": "emma", "context": "night sky"}, timeout=5)
        assert photo["ok"]
        wait_until(lambda: any(name == "photo_generated" for name, _ in received), timeout=15)
        url = [data for name, data in received if name == "photo_generated"][0]["photo_url"]
        image = http.get(live_server.url + url, timeout=5)
        assert image.status_code == 200 and len(image.content) > 1000
    finally:
        client.disconnect()


def test_a_lone_ack_does_not_wait_for_nagle(live_server):
    """Without TCP_NODELAY every small ack waits ~40 ms for the peer's delayed ACK."""
    http = signed_in_session(live_server.url)
    client, _ = connect(live_server, http)
    try:
        timings = []
        for _ in range(30):
            started = time.perf_counter()
            ack = client.call("typing_indicator", {"girl_id": "emma", "is_typing": False}, timeout=5)
            timings.append(time.perf_counter() - started)
            assert ack == {"ok": True}
            time.sleep(0.01)
        assert statistics.median(timings) < 0.02, f"median ack {statistics.median(timings) * 1000:.1f} ms"
    finally:
        client.disconnect()


def test_many_clients_at_once(live_server):
    """Twenty users chat at the same time; each gets exactly its own reply."""
    sessions = [signed_in_session(live_server.url) for _ in range(20)]
    clients = [connect(live_server, http) for http in sessions]
    try:
        def send(client):
            assert client.call("send_message", {"girl_id": "zoe", "content": "hey zoe, what's up?",
                                                "client_id": uuid.uuid4().hex}, timeout=10)["ok"]

        threads = [threading.Thread(target=send, args=(client,)) for client, _ in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for _, received in clients:
            wait_until(lambda: any(name == "message_received" for name, _ in received), timeout=20)
            assert sum(1 for name, _ in received if name == "message_received") == 1
    finally:
        for client, _ in clients:
            client.disconnect()


def test_accepted_connections_have_tcp_nodelay(monkeypatch):
    import socket

    import eventlet

    from dreamchat.serving import prepare_server

    monkeypatch.setattr(eventlet, "listen", eventlet.listen)
    prepare_server("eventlet")
    listener = eventlet.listen(("127.0.0.1", 0))
    try:
        peer = socket.create_connection(listener.getsockname())
        accepted, _ = listener.accept()
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        accepted.close()
        peer.close()
    finally:
        listener.close()


def test_an_oversized_packet_closes_only_that_connection(live_server):
    """max_http_buffer_size (64 KB): a 100 KB event is refused; nothing is stored; the server lives on."""
    from tests.realtime import Tab

    http = signed_in_session(live_server.url)
    tab = Tab(live_server.url, http).connect()
    try:
        tab.client.call("send_message", {"girl_id": "luna", "content": "x" * 100_000,
                                         "client_id": uuid.uuid4().hex}, timeout=3)
        raise AssertionError("an oversized packet was answered")
    except socketio_client.exceptions.TimeoutError:
        pass
    wait_until(lambda: not tab.client.connected, timeout=5)
    again = Tab(live_server.url, http).connect()
    assert again.send("luna", "still there?", uuid.uuid4().hex)["ok"]
    history = http.get(live_server.url + "/api/conversations/luna/messages", timeout=5).json()["messages"]
    assert [m["content"] for m in history if m["sender"] == "user"] == ["still there?"]
    again.disconnect()
