"""The yardstick for scripts/benchmark.py: a bare Flask-SocketIO app under eventlet whose only work is
to answer `send_message` with an ack. Served like DreamChat's `python app.py`: TCP_NODELAY on every
accepted socket, a listen backlog of 1024, eventlet.wsgi max_size 10,000.

Run: `.venv/bin/python bench/echo_server.py` (HOST, PORT from the environment; 127.0.0.1:5001 by default).
"""
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import socket  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode="eventlet")


class NoDelayListener:
    def __init__(self, sock):
        self._sock = sock

    def accept(self):
        client, address = self._sock.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return client, address

    def __getattr__(self, name):
        return getattr(self._sock, name)


def listen_without_nagle(*args, _listen=eventlet.listen, **kwargs):
    sock = _listen(*args, **kwargs)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(1024)
    return NoDelayListener(sock)


eventlet.listen = listen_without_nagle


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@socketio.on("send_message")
def on_send_message(payload):
    return {"ok": True}


if __name__ == "__main__":
    socketio.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5001")),
                 debug=False, use_reloader=False, log_output=False, max_size=10_000)
