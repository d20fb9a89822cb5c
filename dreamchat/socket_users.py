"""Who each connected socket of this process is: taken from the session at connect (chat/events.py),
kept for its events, forgotten at disconnect or when its login ends (auth/sessions.py checks the login)."""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask_login import UserMixin


@dataclass(slots=True)
class SocketIdentity(UserMixin):
    """A socket's signed-in user: the id, the login it came through, when that login was last checked."""

    id: int
    login_id: str
    checked_at: float

    def get_id(self) -> str:
        return self.login_id


socket_identities: dict[str, SocketIdentity] = {}


def remember_socket_user(sid: str, user_id: int, login_id: str) -> None:
    """At connect, once the login is known to be live."""
    socket_identities[sid] = SocketIdentity(id=user_id, login_id=login_id, checked_at=time.monotonic())


def forget_socket_user(sid: str) -> None:
    socket_identities.pop(sid, None)
