"""CPU-bound or blocking work off the event loop: eventlet's thread pool (tpool) under eventlet,
gevent's hub thread pool under gevent, a plain call in threading mode (flask run, pytest)."""
from __future__ import annotations

from dreamchat.extensions import socketio


def run_blocking(function, *args):
    """function(*args) in a worker thread when an event loop serves everyone, so it keeps serving."""
    if socketio.async_mode == "eventlet":
        from eventlet import tpool

        return tpool.execute(function, *args)
    if socketio.async_mode == "gevent":
        import gevent

        return gevent.get_hub().threadpool.apply(function, args)
    return function(*args)
