"""Password hashing and checking, off the event loop.

scrypt costs ~0.1 s of CPU per hash and per check. Under eventlet it runs in eventlet's thread
pool (tpool: hashlib releases the GIL while it works), so the loop keeps serving every other user;
at most MAX_CONCURRENT_HASHES run at once (each scrypt hash takes 32 MB). Under threading (tests,
`flask run`) it is a plain call. The method is PASSWORD_HASH_METHOD; a stored hash names its own.
"""
from __future__ import annotations

import secrets
import threading
from functools import lru_cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from dreamchat.extensions import db
from dreamchat.offload import run_blocking

MAX_CONCURRENT_HASHES = 4

# Created at import, after app.py monkey-patched threading: a green semaphore under eventlet.
_slots = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)


def run_off_loop(function, *args):
    """CPU-bound work off the event loop (offload.run_blocking), at most a few at once.

    The request's database connection goes back to the pool first (when nothing is pending), so a
    request waiting for a hashing slot holds no connection that other users need."""
    session = db.session()
    if not (session.new or session.dirty or session.deleted):
        session.rollback()
    with _slots:
        return run_blocking(function, *args)


def hash_password(password: str) -> str:
    return run_off_loop(generate_password_hash, password, current_app.config["PASSWORD_HASH_METHOD"])


def password_matches(password_hash: str, password: str) -> bool:
    return run_off_loop(check_password_hash, password_hash, password)


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return run_off_loop(generate_password_hash, secrets.token_hex(16), method)


def check_unknown_user(password: str) -> bool:
    """Checked when the username is unknown, so both answers take as long; always False."""
    password_matches(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
    return False
