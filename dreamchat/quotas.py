"""Rate and daily limits, one place for the checks and their wording (socket handlers, reply task, forms).

The counts live in a storage of the `limits` package (the library Flask-Limiter is built on):
this process's memory by default, Redis when RATE_LIMIT_STORAGE_URL, REDIS_URL or a redis://
SOCKETIO_MESSAGE_QUEUE is set, so that limits hold across processes. Every count expires with its
window. RATE_LIMIT_STRATEGY picks how a window moves (moving-window by default).

- check(user_id, action) is the rate limit (one attempt counted) and the daily limit of a message
  or a photo request; it raises LimitReached with the message the user reads.
- The daily message limit counts generations, not stored rows: the socket handlers call check()
  before, and count_generation(user_id) after, each event that makes the model write (send, an
  answered edit, regenerate, retry; chat/events.py), in a counter per user and UTC day kept in
  the same storage.
- attempt_allowed(...) and throttle(...) are limits with their own numbers (sign-in, sign-up, the
  account password forms); throttle answers how long to wait (Retry-After).

A limit of 0 means no limit. When the storage cannot be reached (Redis down) the limits let
everything through and say so in the log, rather than refusing every user.
"""
from __future__ import annotations

import logging
import math
import time
from typing import Literal

import sqlalchemy as sa
from flask import Flask, current_app
from limits import RateLimitItemPerSecond
from limits.storage import Storage, storage_from_string
from limits.strategies import STRATEGIES, RateLimiter

from dreamchat.extensions import db
from dreamchat.models import Photo, utcnow

log = logging.getLogger(__name__)

EXTENSION = "rate_limiter"
STORAGE_TIMEOUT_SECONDS = 2
DAY_SECONDS = 24 * 60 * 60
STORAGE_WARNING_INTERVAL = 60.0

Action = Literal["message", "photo"]


class LimitReached(Exception):
    """A limit refuses the action; message says which and when to try again (error code rate_limited)."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class Limits:
    """The app's limit storage and strategy (one per app)."""

    def __init__(self, storage_url: str, strategy: str, key_prefix: str) -> None:
        if strategy not in STRATEGIES:
            raise SystemExit(f"RATE_LIMIT_STRATEGY must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
        options = {}
        if storage_url.startswith(("redis://", "rediss://", "unix://")):
            options = {"key_prefix": key_prefix, "socket_timeout": STORAGE_TIMEOUT_SECONDS,
                       "socket_connect_timeout": STORAGE_TIMEOUT_SECONDS}
        self.storage: Storage = storage_from_string(storage_url, **options)
        self.limiter: RateLimiter = STRATEGIES[strategy](self.storage)
        self.storage_url = storage_url
        self._warned_at = -math.inf

    def storage_failed(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= STORAGE_WARNING_INTERVAL:
            self._warned_at = now
            log.warning("rate limit storage unavailable (%s: %s); limits are not enforced meanwhile",
                        type(error).__name__, error)

    def hit(self, name: str, key: str, limit: int, window_seconds: float) -> int | None:
        """One attempt counted: None when allowed, else the seconds to wait for the next one."""
        if limit <= 0:
            return None
        item = RateLimitItemPerSecond(limit, max(1, round(window_seconds)))
        try:
            if self.limiter.hit(item, name, key):
                return None
            reset_at = self.limiter.get_window_stats(item, name, key).reset_time
        except Exception as error:  # noqa: BLE001 - a storage outage must not refuse everyone
            self.storage_failed(error)
            return None
        return max(1, math.ceil(reset_at - time.time()))

    def add(self, key: str, expiry_seconds: int) -> None:
        try:
            self.storage.incr(key, expiry_seconds)
        except Exception as error:  # noqa: BLE001
            self.storage_failed(error)

    def count(self, key: str) -> int:
        try:
            return self.storage.get(key)
        except Exception as error:  # noqa: BLE001
            self.storage_failed(error)
            return 0


def init_app(app: Flask) -> None:
    config = app.config
    app.extensions[EXTENSION] = Limits(config["RATE_LIMIT_STORAGE_URL"], config["RATE_LIMIT_STRATEGY"],
                                       config["RATE_LIMIT_KEY_PREFIX"])


def app_limits() -> Limits:
    return current_app.extensions[EXTENSION]


def throttle(name: str, key: str, limit: int, window_seconds: float) -> int | None:
    """One more attempt at `name` by `key` (a client address, a user id), counted when allowed:
    None when allowed, else the seconds until the next one is (for Retry-After). limit 0: no limit."""
    return app_limits().hit(name, key, limit, window_seconds)


def attempt_allowed(user_id: int, action: str, limit: int, window_seconds: float) -> bool:
    """One more attempt at `action` (counted when allowed); for limits with their own numbers."""
    return throttle(action, str(user_id), limit, window_seconds) is None


def _today_key(user_id: int) -> str:
    return f"generations/{user_id}/{utcnow():%Y-%m-%d}"


def count_generation(user_id: int) -> None:
    """One more generation of the user's today (UTC); called once the action that asks for it committed.
    Not counted while DAILY_REPLY_LIMIT is 0 (no limit to count toward)."""
    if current_app.config["DAILY_REPLY_LIMIT"]:
        app_limits().add(_today_key(user_id), 2 * DAY_SECONDS)


def generations_today(user_id: int) -> int:
    return app_limits().count(_today_key(user_id))


def _start_of_today():
    return utcnow().replace(hour=0, minute=0, second=0, microsecond=0)


def photos_today(user_id: int) -> int:
    """Each photo request is one generation and one row (a refused request stores none)."""
    return db.session.scalar(sa.select(sa.func.count(Photo.id)).where(
        Photo.user_id == user_id, Photo.created_at >= _start_of_today()))


def seconds_to_midnight() -> int:
    now = utcnow()
    return max(1, DAY_SECONDS - (now.hour * 3600 + now.minute * 60 + now.second))


RATE_LIMITS: dict[Action, str] = {"message": "RATE_LIMIT_MESSAGES", "photo": "RATE_LIMIT_PHOTOS"}
DAILY_LIMITS = {"message": ("DAILY_REPLY_LIMIT", "replies", generations_today),
                "photo": ("DAILY_PHOTO_LIMIT", "photos", photos_today)}


def check_rate(user_id: int, action: Action) -> None:
    config = current_app.config
    wait = throttle(action, str(user_id), config[RATE_LIMITS[action]], config["RATE_LIMIT_WINDOW_SECONDS"])
    if wait is not None:
        raise LimitReached("Slow down a little and try again in a moment.", retry_after=wait)


def check_daily(user_id: int, action: Action) -> None:
    """Today's (UTC) generations: replies asked of the engine, photos requested."""
    setting, what, count_today = DAILY_LIMITS[action]
    limit = current_app.config[setting]
    if limit and count_today(user_id) >= limit:
        raise LimitReached(f"You have reached today's limit of {limit} {what}. It resets at midnight UTC.",
                           retry_after=seconds_to_midnight())


def check(user_id: int, action: Action) -> None:
    """Both limits of a message or photo request; raises LimitReached."""
    check_rate(user_id, action)
    check_daily(user_id, action)
