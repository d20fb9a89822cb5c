"""Short-lived state that every process must see, in Redis when REDIS_URL (or a redis://
SOCKETIO_MESSAGE_QUEUE) is set: who is typing, and the text of each reply being streamed.

With one process (no Redis) the scheduler's own memory is enough and this module holds nothing.
Nothing here is needed to keep a message: when Redis is down, sends are stored and acknowledged as
always, typing and mid-stream snapshots are only seen by the process that has them, and the
failure is logged once a minute (`/healthz` says `redis: down`).

- Typing: `typing:<user>:<companion>` exists while the user types (it expires by itself), so a
  reply task on another process waits for a user typing in a tab served here.
- Streams: `streams:<user>` maps a conversation to {message_id, girl_id, text} while a reply is
  written, updated at every piece, so a tab that connects to another process mid-reply gets the
  text so far (then the following pieces through the message queue).
"""
from __future__ import annotations

import json
import logging
import math
import time

from flask import Flask, current_app

log = logging.getLogger(__name__)

EXTENSION = "shared_state"
TIMEOUT_SECONDS = 0.5
STREAM_KEY_SECONDS = 600
WARNING_INTERVAL = 60.0


class SharedState:
    """Redis-backed when a URL is given; otherwise every call does nothing (one process)."""

    def __init__(self, redis_url: str | None, key_prefix: str) -> None:
        self.redis = None
        self.prefix = key_prefix
        self._warned_at = -math.inf
        if redis_url:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=TIMEOUT_SECONDS,
                                              socket_connect_timeout=TIMEOUT_SECONDS, decode_responses=True)

    @property
    def shared(self) -> bool:
        return self.redis is not None

    def _failed(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARNING_INTERVAL:
            self._warned_at = now
            log.warning("shared state (Redis) unavailable (%s); typing and streams stay in this process meanwhile",
                        type(error).__name__)

    def _call(self, default, function, *args):
        try:
            return function(*args)
        except Exception as error:  # noqa: BLE001 - Redis down: this process's own state still works
            self._failed(error)
            return default

    def note_typing(self, user_id: int, companion_id: int, seconds: float | None) -> None:
        """The user types in this conversation for the next `seconds`; None: stopped."""
        if self.redis is None:
            return
        key = f"{self.prefix}:typing:{user_id}:{companion_id}"
        if seconds:
            self._call(None, lambda: self.redis.set(key, "1", px=max(1, int(seconds * 1000))))
        else:
            self._call(None, self.redis.delete, key)

    def typing_for(self, user_id: int, companion_id: int) -> float:
        """Seconds the user is still typing here, as any process saw it (0 when not)."""
        if self.redis is None:
            return 0.0
        milliseconds = self._call(-2, self.redis.pttl, f"{self.prefix}:typing:{user_id}:{companion_id}")
        return milliseconds / 1000 if milliseconds and milliseconds > 0 else 0.0

    def set_stream(self, user_id: int, companion_id: int, message_id: int, girl_id: str, text: str) -> None:
        if self.redis is None:
            return
        key = f"{self.prefix}:streams:{user_id}"
        value = json.dumps({"companion_id": companion_id, "message_id": message_id, "girl_id": girl_id,
                            "text": text}, ensure_ascii=False)

        def write() -> None:
            with self.redis.pipeline(transaction=False) as pipe:
                pipe.hset(key, str(companion_id), value)
                pipe.expire(key, STREAM_KEY_SECONDS)
                pipe.execute()

        self._call(None, write)

    def end_stream(self, user_id: int, companion_id: int, message_id: int) -> None:
        if self.redis is None:
            return
        key = f"{self.prefix}:streams:{user_id}"

        def remove() -> None:
            found = self.redis.hget(key, str(companion_id))
            if found and json.loads(found).get("message_id") == message_id:
                self.redis.hdel(key, str(companion_id))

        self._call(None, remove)

    def streams(self, user_id: int) -> list[dict]:
        """The replies being streamed for this user in any process: [{companion_id, message_id, girl_id, text}]."""
        if self.redis is None:
            return []
        found = self._call({}, self.redis.hgetall, f"{self.prefix}:streams:{user_id}")
        return [json.loads(value) for value in found.values()]

    def healthy(self) -> bool | None:
        """None without Redis; else whether it answers a ping."""
        if self.redis is None:
            return None
        return bool(self._call(False, self.redis.ping))


def init_app(app: Flask) -> None:
    config = app.config
    url = config.get("REDIS_URL") or None
    app.extensions[EXTENSION] = SharedState(url, config["RATE_LIMIT_KEY_PREFIX"])


def shared_state() -> SharedState:
    return current_app.extensions[EXTENSION]
