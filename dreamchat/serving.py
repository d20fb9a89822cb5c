"""What `python app.py` needs around socketio.run: the address, and sockets without Nagle's delay."""
from __future__ import annotations

import logging
import os
import signal
import socket

log = logging.getLogger(__name__)


def listen_options() -> tuple[str, int]:
    """HOST and PORT; a platform that sets PORT expects us on every interface."""
    raw_port = os.environ.get("PORT", "").strip()
    if raw_port and not raw_port.isdigit():
        raise SystemExit(f"PORT must be a number, got {raw_port!r}")
    default_host = "0.0.0.0" if raw_port else "127.0.0.1"
    return os.environ.get("HOST") or default_host, int(raw_port or 5000)


class NoDelayListener:
    """Wraps a listening socket so that every accepted connection has TCP_NODELAY: without it
    a small ack waits ~40 ms for the client's delayed ACK (Nagle's algorithm)."""

    def __init__(self, sock) -> None:
        self._sock = sock

    def accept(self):
        client, address = self._sock.accept()
        try:
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        return client, address

    def __getattr__(self, name):
        return getattr(self._sock, name)


def prepare_server(async_mode: str) -> None:
    """Under eventlet, make socketio.run's listening socket hand out TCP_NODELAY connections."""
    if async_mode != "eventlet":
        return
    import eventlet

    if getattr(eventlet.listen, "without_nagle", False):
        return

    original_listen = eventlet.listen

    def listen_without_nagle(*args, **kwargs):
        sock = original_listen(*args, **kwargs)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return NoDelayListener(sock)

    listen_without_nagle.without_nagle = True
    eventlet.listen = listen_without_nagle


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
