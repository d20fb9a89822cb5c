"""What `python app.py` needs around socketio.run: the address, sockets without Nagle's delay, a cap of
open connections per client address, and the read and idle timeouts, under eventlet (the default) or
gevent (ASYNC_MODE=gevent)."""
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
MAX_CONNECTIONS = 10_000  # open connections served at once; more wait in the backlog
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
        refuse(client)
        now = time.monotonic()
        if now - self._last_warning.get(host, -3600.0) >= 60:
            self._last_warning[host] = now
            log.warning("refusing connections from %s: %d open, MAX_CONNECTIONS_PER_ADDRESS is %d",
                        host, self.open_by_address[host], self.max_per_address)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def refuse(client) -> None:
    """Send the 503 without waiting (whatever fits in the socket buffer) and close."""
    raw = getattr(client, "fd", None) or getattr(client, "_sock", None)  # eventlet's or gevent's OS socket
    try:
        raw.send(TOO_MANY)
    except (OSError, AttributeError):
        pass
    try:
        client.close()
    except OSError:
        pass


def raise_open_file_limit() -> None:
    """Each open connection is a file descriptor (two for a websocket under gevent): raise the soft
    RLIMIT_NOFILE to the hard limit, so thousands of idle sockets fit where the soft limit is 1024."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = hard if hard != resource.RLIM_INFINITY else 65536
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ImportError, ValueError, OSError):
        pass


def prepare_server(async_mode: str, max_per_address: int = 0) -> None:
    """Under eventlet, make socketio.run's listening socket hand out TCP_NODELAY connections,
    at most max_per_address open at once per client address (0: no cap). (Under gevent the
    connection handler does the same: see gevent_handler.)"""
    raise_open_file_limit()
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


# Read and write buffers of each connection's HTTP handler. eventlet's defaults (8 KB and 16 KB) are
# allocated when a connection opens and kept, unused, for the whole life of a websocket (whose frames
# go straight to the socket). Request lines and headers, cookies included, fit in 2 KB (a longer
# one is read in more steps); bodies and responses larger than a buffer go straight to the socket.
# Measured: ~3 KB less RSS per idle socket (68 -> 65 KB), see "Connection memory" in docs/architecture.md.
HTTP_READ_BUFFER = 2048
HTTP_WRITE_BUFFER = 4096


def lean_http_protocol():
    """eventlet.wsgi's HttpProtocol with small per-connection buffers (see HTTP_READ_BUFFER)."""
    import eventlet.wsgi

    class LeanHttpProtocol(eventlet.wsgi.HttpProtocol):
        rbufsize = HTTP_READ_BUFFER
        wbufsize = HTTP_WRITE_BUFFER

    return LeanHttpProtocol


def server_options(async_mode: str, header_timeout: float, idle_timeout: float, websocket_timeout: float | None = None,
                   max_per_address: int = 0) -> dict:
    """eventlet.wsgi.server options: socket_timeout bounds every read of a request (headers, body)
    by header_timeout; keepalive bounds the wait for the next request line by idle_timeout (0: none).
    Websockets are read with the idle timeout instead (see IdleWebsockets).

    Under gevent, the options of gevent.pywsgi.WSGIServer: a handler class that applies the same
    timeouts, TCP_NODELAY and the per-address cap (gevent_handler), the same backlog and at most as
    many connections as eventlet's max_size."""
    if async_mode == "gevent":
        from gevent.pool import Pool

        return {"handler_class": gevent_handler(header_timeout, idle_timeout, websocket_timeout, max_per_address),
                "spawn": Pool(MAX_CONNECTIONS), "backlog": LISTEN_BACKLOG}
    if async_mode != "eventlet":
        return {}
    options: dict = {"max_size": MAX_CONNECTIONS, "protocol": lean_http_protocol()}
    if header_timeout > 0:
        options["socket_timeout"] = header_timeout
    if idle_timeout > 0:
        options["keepalive"] = idle_timeout
    elif header_timeout > 0:
        options["keepalive"] = 365 * 86400.0  # no idle limit, but the header timeout must not apply
    return options


def gevent_handler(header_timeout: float, idle_timeout: float, websocket_timeout: float | None,
                   max_per_address: int = 0):
    """gevent.pywsgi's WSGIHandler doing what NoDelayListener, eventlet's socket_timeout and keepalive
    and IdleWebsockets do under eventlet: TCP_NODELAY on each connection; at most max_per_address
    open connections per client address (a 503 past it); header_timeout for each read of a request,
    idle_timeout for the wait for the next request on a kept-alive connection, and websocket_timeout
    (see websocket_read_timeout) for a websocket's reads."""
    try:  # with gevent-websocket installed, engine.io expects its handler to do the upgrades
        from geventwebsocket.handler import WebSocketHandler as BaseHandler
    except ImportError:  # else simple-websocket does, on a duplicate of the connection's socket
        from gevent.pywsgi import WSGIHandler as BaseHandler

    open_by_address: Counter = Counter()
    last_warning: dict[str, float] = {}
    header = header_timeout if header_timeout > 0 else None
    if idle_timeout > 0:
        idle = idle_timeout
    else:
        idle = 365 * 86400.0 if header is not None else None

    class DreamChatHandler(BaseHandler):
        requests_served = 0

        def handle(self):
            sock, address = self.socket, self.client_address
            host = address[0] if isinstance(address, tuple) and address else str(address)
            if max_per_address and open_by_address[host] >= max_per_address:
                refuse(sock)
                now = time.monotonic()
                if now - last_warning.get(host, -3600.0) >= 60:
                    last_warning[host] = now
                    log.warning("refusing connections from %s: %d open, MAX_CONNECTIONS_PER_ADDRESS is %d",
                                host, open_by_address[host], max_per_address)
                return
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            sock.settimeout(header)
            open_by_address[host] += 1
            try:
                super().handle()
            finally:
                open_by_address[host] -= 1
                if open_by_address[host] <= 0:
                    del open_by_address[host]

        def read_requestline(self):
            if self.requests_served:
                self.socket.settimeout(idle)  # a kept-alive connection waits for its next request
            try:
                return super().read_requestline()
            finally:
                if self.socket is not None:
                    self.socket.settimeout(header)

        def run_application(self):
            self.requests_served += 1
            if self.environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                # (simple-websocket reads a duplicate of this socket, which keeps this timeout)
                self.socket.settimeout(websocket_timeout)
            super().run_application()

    DreamChatHandler.open_by_address = open_by_address
    return DreamChatHandler


def run_gevent(socketio, app, host: str, port: int, options: dict) -> None:
    """What socketio.run does under gevent, with our handler class whether or not gevent-websocket is
    installed (socketio.run would pass its own too)."""
    from gevent import pywsgi

    socketio.wsgi_server = pywsgi.WSGIServer((host, port), app, log=None, **options)
    socketio.wsgi_server.serve_forever()


def websocket_read_timeout(idle_timeout: float, ping_floor: float = 0.0) -> float | None:
    """How long a websocket read may wait: the idle timeout, never less than engine.io's ping cycle
    (ping_floor); None (no limit) when the idle timeout is 0."""
    return max(idle_timeout, ping_floor) if idle_timeout > 0 else None


class IdleWebsockets:
    """WSGI middleware: a websocket upgrade reads its frames with the idle timeout, not the short header
    timeout, and never less than engine.io's ping cycle (ping_floor: the interval plus the time a
    pong may take), so a quiet websocket is kept by its pings and a dead one is closed by engine.io."""

    def __init__(self, wsgi_app, idle_timeout: float, ping_floor: float = 0.0) -> None:
        self.wsgi_app = wsgi_app
        self.timeout = websocket_read_timeout(idle_timeout, ping_floor)

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
