"""Login sessions, seen from the handlers: sign a user in, load the user of a request or socket event.

Flask-Login keeps "<login session id>:<token>" (User.get_id) in the session cookie and in the
remember-me cookie; the token is random and stored only as its SHA-256 (LoginSession). Every
request and every socket event (Flask-SocketIO reuses the session copied at connect, and
current_user is loaded again in each event's context) goes through load_user: a deleted login, a
wrong token or a login idle longer than LOGIN_IDLE_DAYS loads nobody. A login in use has its
last_seen_at moved at most once an hour; for a remembered login the remember-me cookie is sent
again then, so "Keep me signed in" lasts LOGIN_IDLE_DAYS after the last visit (sliding).

session["login_token"] names the login's socket room (chat/events.py joins it at connect), so
ending a login closes just its sockets.

A socket loads its user once, at connect: its events then use a SocketIdentity (the user's id and
the login) instead of loading the user, and check that the login is still live with one small
query (login_alive), every event by default or at most every SOCKET_LOGIN_RECHECK_SECONDS. So a
login ended anywhere stops its sockets in every process at their next event.
"""
from __future__ import annotations

import hmac
import logging
import secrets
import time
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from flask import current_app, has_request_context, request, session
from flask_login import current_user, login_user

from dreamchat.actions import account
from dreamchat.extensions import db
from dreamchat.models import LoginSession, User, utcnow
from dreamchat.socket_users import SocketIdentity, forget_socket_user, socket_identities

log = logging.getLogger(__name__)

LAST_SEEN_STEP = timedelta(hours=1)
MAX_LOGIN_ID_LENGTH = 120
USER_AGENT_LENGTH = 120


def idle_limit() -> timedelta:
    return timedelta(days=current_app.config["LOGIN_IDLE_DAYS"])


def sign_in(user: User, remember: bool) -> LoginSession:
    """A new login session for user, and this browser signed in with it."""
    token = secrets.token_urlsafe(32)
    raw_agent = request.user_agent.string or "" if has_request_context() else ""
    user_agent = "".join(char for char in raw_agent[:4 * USER_AGENT_LENGTH] if char.isprintable())[:USER_AGENT_LENGTH]
    login = account.start_login_session(user.id, LoginSession.hash_token(token), remember, user_agent,
                                        idle_before=utcnow() - idle_limit())
    user.login_id = f"{login.id}:{token}"
    login_user(user, remember=remember)
    session["login_token"] = str(login.id)
    return login


def parse_login_id(login_id: object) -> tuple[int, str] | None:
    if not isinstance(login_id, str) or len(login_id) > MAX_LOGIN_ID_LENGTH:
        return None
    number, _, token = login_id.partition(":")
    if not (number.isascii() and number.isdigit()) or len(number) > 18 or not token:
        return None
    return int(number), token


def load_user(login_id: str) -> User | None:
    """The user of a live login session, or None (ended, wrong token, idle too long, malformed)."""
    parsed = parse_login_id(login_id)
    if parsed is None:
        return None
    number, token = parsed
    login = db.session.get(LoginSession, number)
    if login is None or not still_live(number, login.token_hash, token, login.last_seen_at):
        return None
    user = login.user
    user.login_id = login_id
    if session.get("login_token") != str(login.id):
        session["login_token"] = str(login.id)
    return user


def note_seen(login: LoginSession, now) -> None:
    """Move last_seen_at on its own connection, so the request's transaction commits nothing early;
    a remembered login's cookie is sent again (HTTP only: a socket event sets no cookie)."""
    try:
        with db.engine.begin() as connection:
            connection.execute(sa.update(LoginSession).where(LoginSession.id == login.id).values(last_seen_at=now))
    except sa.exc.SQLAlchemyError as error:  # the next request tries again; this one goes on
        log.warning("could not note login session %s as seen: %s", login.id, type(error).__name__)
        return
    set_committed_value(login, "last_seen_at", now)
    if login.remember and has_request_context() and not hasattr(request, "sid"):
        session["_remember"] = "set"


def current_login_session_id() -> int | None:
    """The id of the login session the current user was loaded through."""
    parsed = parse_login_id(getattr(current_user, "login_id", None))
    return parsed[0] if parsed else None


def current_login_remembered() -> bool:
    """Whether the current login was made with "Keep me signed in"."""
    login_session_id = current_login_session_id()
    return bool(login_session_id and db.session.scalar(
        sa.select(LoginSession.remember).where(LoginSession.id == login_session_id)))


logins = LoginSession.__table__
LOGIN_OF_SOCKET = sa.select(logins.c.token_hash, logins.c.last_seen_at).where(
    logins.c.id == sa.bindparam("login"), logins.c.user_id == sa.bindparam("uid"))


def socket_user(sid: str) -> SocketIdentity | None:
    """The socket's user, checked against its login when the last check is older than
    SOCKET_LOGIN_RECHECK_SECONDS; None when the socket has none or its login has ended."""
    identity = socket_identities.get(sid)
    if identity is None:
        return None
    now = time.monotonic()
    if now - identity.checked_at >= current_app.config["SOCKET_LOGIN_RECHECK_SECONDS"]:
        if not login_alive(identity.login_id, identity.id):
            forget_socket_user(sid)
            return None
        identity.checked_at = now
    return identity


def login_alive(login_id: str, user_id: int) -> bool:
    """load_user's checks in one small query, without loading the user: the login exists, is the
    user's, its token matches and it has not been idle too long (last_seen_at moved as load_user does)."""
    parsed = parse_login_id(login_id)
    if parsed is None:
        return False
    number, token = parsed
    row = db.session.connection().execute(LOGIN_OF_SOCKET, {"login": number, "uid": user_id}).first()
    return row is not None and still_live(number, row.token_hash, token, row.last_seen_at)


def still_live(login_id: int, token_hash: str, token: str, last_seen_at) -> bool:
    """The token matches and the login has not been idle too long; a login in use has its
    last_seen_at moved at most once an hour (note_seen)."""
    if not hmac.compare_digest(token_hash, LoginSession.hash_token(token)):
        return False
    now = utcnow()
    if now - last_seen_at > idle_limit():
        return False
    if now - last_seen_at >= LAST_SEEN_STEP:
        note_seen(db.session.get(LoginSession, login_id), now)
    return True
