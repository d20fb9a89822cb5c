"""Rate and daily limits per user, one place for the checks and their wording (socket handlers, reply task, forms).

Rate limits are a sliding window kept in this process; daily limits count today's (UTC) rows in the
database. check() raises LimitReached with the message the user reads.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Literal

import sqlalchemy as sa
from flask import Flask, current_app

from dreamchat.extensions import db
from dreamchat.models import Message, Photo, Sender, utcnow

EXTENSION = "rate_limiter"

Action = Literal["message", "photo"]


class LimitReached(Exception):
    """A limit refuses the action; message says which and when to try again (error code rate_limited)."""

    code = "rate_limited"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RateLimiter:
    """A per-process sliding-window limit per user and action."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[tuple[int, str], deque[float]] = defaultdict(deque)

    def allow(self, user_id: int, action: str, limit: int, window_seconds: float) -> bool:
        now = time.monotonic()
        with self._lock:
            hits = self._hits[(user_id, action)]
            while hits and hits[0] <= now - window_seconds:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            return True


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = RateLimiter()


def attempt_allowed(user_id: int, action: str, limit: int, window_seconds: float) -> bool:
    """One more attempt at `action` (counted when allowed); for limits with their own numbers (sign-in)."""
    return current_app.extensions[EXTENSION].allow(user_id, action, limit, window_seconds)


def _start_of_today():
    return utcnow().replace(hour=0, minute=0, second=0, microsecond=0)


def replies_today(user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(Message.id)).where(
        Message.user_id == user_id, Message.sender == Sender.COMPANION, Message.type == "text",
        Message.status == "done", Message.created_at >= _start_of_today()))


def photos_today(user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(Photo.id)).where(
        Photo.user_id == user_id, Photo.created_at >= _start_of_today()))


RATE_LIMITS: dict[Action, str] = {"message": "RATE_LIMIT_MESSAGES", "photo": "RATE_LIMIT_PHOTOS"}
DAILY_LIMITS = {"message": ("DAILY_REPLY_LIMIT", "replies", replies_today),
                "photo": ("DAILY_PHOTO_LIMIT", "photos", photos_today)}


def check_rate(user_id: int, action: Action) -> None:
    config = current_app.config
    if not attempt_allowed(user_id, action, config[RATE_LIMITS[action]], config["RATE_LIMIT_WINDOW_SECONDS"]):
        raise LimitReached("Slow down a little and try again in a moment.")


def check_daily(user_id: int, action: Action) -> None:
    """Each message gets a reply and each photo request a photo, so today's replies and photos count."""
    setting, what, count_today = DAILY_LIMITS[action]
    limit = current_app.config[setting]
    if limit and count_today(user_id) >= limit:
        raise LimitReached(f"You have reached today's limit of {limit} {what}. It resets at midnight UTC.")


def check(user_id: int, action: Action) -> None:
    """Both limits of a message or photo request; raises LimitReached."""
    check_rate(user_id, action)
    check_daily(user_id, action)
