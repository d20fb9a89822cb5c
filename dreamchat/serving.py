"""What `python app.py` needs around socketio.run: the address, sockets without Nagle's delay, a cap of
open connections per client address, and the read and idle timeouts."""
from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections import Counter

log = logging.getLogger(__name__)


def listen_options() -> tuple[str, int]:
    """HOST and PORT; a platform that sets PORT expects us on every interface."""
    raw_port = os.environ.get("PORT", "").strip()
    if raw_port and not raw_port.isdigit():
        raise SystemExit(f"PORT must be a number, got {raw_port!r}")
    default_host = "0.0.0.0" if raw_port else "127.0.0.1"
    return os.environ.get("HOST") or default_host, int(raw_port or 5000)


LISTEN_BACKLOG = 1024
_BUSY_BODY = b"Too many connections from your address; try again shortly.\n"
TOO_MANY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            b"Retry-After: 5\r\nContent-Length: " + str(len(_BUSY_BODY)).encode() + b"\r\n\r\n" + _BUSY_BODY)


class NoDelayListener:
    """Wraps a listening socket so that every accepted connection has TCP_NODELAY: without it
    a small ack waits ~40 ms for the client's delayed ACK (Nagle's algorithm).

    With max_per_address > 0 it also counts the open connections of each client address and turns
    away (503, closed at once) a connection past the cap, so one address holding many half-open
    connections cannot use up the server's connections (max_size) or its file descriptors.
    """

    def __init__(self, sock, max_per_address: int = 0) -> None:
        self._sock = sock
        self.max_per_address = max_per_address
        self.open_by_address: Counter = Counter()
        self.refused = 0
        self._last_warning: dict[str, float] = {}

    def accept(self):
        while True:
            client, address = self._sock.accept()
            host = address[0] if isinstance(address, tuple) and address else str(address)
            if self.max_per_address and self.open_by_address[host] >= self.max_per_address:
                self._refuse(client, host)
                continue
            try:
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            if self.max_per_address:
                self._count(client, host)
            return client, address

    def _count(self, client, host: str) -> None:
        self.open_by_address[host] += 1
        close = client.close
        closed = []

        def close_and_uncount(*args, **kwargs):
            if not closed:
                closed.append(True)
                self.open_by_address[host] -= 1
                if self.open_by_address[host] <= 0:
                    del self.open_by_address[host]
            return close(*args, **kwargs)

        client.close = close_and_uncount  # eventlet.wsgi closes each connection once it is done

    def _refuse(self, client, host: str) -> None:
        self.refused += 1
        try:
            client.fd.send(TOO_MANY)  # non-blocking: whatever fits, never waits
        except (OSError, AttributeError):
            pass
        try:
            client.close()
        except OSError:
            pass
        now = time.monotonic()
        if now - self._last_warning.get(host, -3600.0) >= 60:
            self._last_warning[host] = now
            log.warning("refusing connections from %s: %d open, MAX_CONNECTIONS_PER_ADDRESS is %d",
                        host, self.open_by_address[host], self.max_per_address)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def prepare_server(async_mode: str, max_per_address: int = 0) -> None:
    """Under eventlet, make socketio.run's listening socket hand out TCP_NODELAY connections,
    at most max_per_address open at once per client address (0: no cap)."""
    if async_mode != "eventlet":
        return
    import eventlet

    if getattr(eventlet.listen, "without_nagle", False):
        return

    original_listen = eventlet.listen

    def listen_without_nagle(*args, **kwargs):
        sock = original_listen(*args, **kwargs)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.listen(LISTEN_BACKLOG)  # eventlet's 50 drops SYNs in a burst; refusing is cheaper than that
        return NoDelayListener(sock, max_per_address)

    listen_without_nagle.without_nagle = True
    eventlet.listen = listen_without_nagle


def server_options(async_mode: str, header_timeout: float, idle_timeout: float) -> dict:
    """eventlet.wsgi.server options: socket_timeout bounds every read of a request (headers, body)
    by header_timeout; keepalive bounds the wait for the next request line by idle_timeout (0: none).
    Websockets are read with the idle timeout instead (see IdleWebsockets)."""
    if async_mode != "eventlet":
        return {}
    options: dict = {"max_size": 10_000}
    if header_timeout > 0:
        options["socket_timeout"] = header_timeout
    if idle_timeout > 0:
        options["keepalive"] = idle_timeout
    elif header_timeout > 0:
        options["keepalive"] = 365 * 86400.0  # no idle limit, but the header timeout must not apply
    return options


class IdleWebsockets:
    """WSGI middleware: a websocket upgrade reads its frames with the idle timeout, not the short header
    timeout, and never less than engine.io's ping cycle (ping_floor: the interval plus the time a
    pong may take), so a quiet websocket is kept by its pings and a dead one is closed by engine.io."""

    def __init__(self, wsgi_app, idle_timeout: float, ping_floor: float = 0.0) -> None:
        self.wsgi_app = wsgi_app
        self.timeout = max(idle_timeout, ping_floor) if idle_timeout > 0 else None

    def __call__(self, environ, start_response):
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            try:
                environ["eventlet.input"].get_socket().settimeout(self.timeout)
            except (KeyError, AttributeError, OSError):
                pass
        return self.wsgi_app(environ, start_response)


def ping_floor(socketio) -> float:
    """engine.io's ping interval plus its ping timeout, plus a margin: how long a live websocket may be silent."""
    eio = socketio.server.eio
    interval = eio.ping_interval if not isinstance(eio.ping_interval, (tuple, list)) else sum(eio.ping_interval)
    return float(interval) + float(eio.ping_timeout) + 5.0


def install_graceful_shutdown(scheduler, grace_seconds: float) -> None:
    """On SIGTERM (a platform restart): start no new work, let running replies and photos finish
    for up to grace_seconds, then exit. Unfinished work is resumed at the next start.

    The handler only raises a flag: a signal handler may run inside the event loop itself, where
    nothing may wait, so a watcher task that wakes twice a second does the draining.
    """
    from dreamchat.extensions import socketio

    requested = []

    def on_sigterm(_signum, _frame) -> None:
        requested.append(True)

    def watch() -> None:
        while not requested:
            socketio.sleep(0.5)
        log.info("SIGTERM: draining for up to %.0f s", grace_seconds)
        finished = scheduler.drain(grace_seconds)
        log.info("shutting down (%s)", "all work finished" if finished else "unfinished work will resume")
        logging.shutdown()
        os._exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    socketio.start_background_task(watch)
