"""Accounts: sign-up, login sessions, password change and deletion, each reaching every session and
socket concerned.

Each sign-in is a LoginSession row (its token stored hashed); the session and remember-me cookies
carry its id and token, and every request and socket event loads the user through it
(auth/sessions.py), in every process. Deleting the row signs that browser out; its sockets are
also told `logged_out` and closed (the login room), so open tabs leave at once.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from dreamchat.actions.events import close_sockets, login_room
from dreamchat.extensions import db
from dreamchat.models import LoginSession, User, user_room, utcnow


def create_user(username: str, password_hash: str) -> User | None:
    """A new account, or None when the username is taken (in any case)."""
    user = User(username=username, password_hash=password_hash)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return user


def start_login_session(user_id: int, token_hash: str, remember: bool, user_agent: str,
                        idle_before: datetime) -> LoginSession:
    """A new login of the user; their logins unused since idle_before are deleted on the way."""
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user_id,
                                                     LoginSession.last_seen_at < idle_before))
    now = utcnow()
    login = LoginSession(user_id=user_id, token_hash=token_hash, remember=remember, user_agent=user_agent,
                         created_at=now, last_seen_at=now)
    db.session.add(login)
    db.session.commit()
    return login


def end_login_session(login_session_id: int | None) -> None:
    """Logging out: that login no longer loads anyone, and its sockets close, in every process."""
    if login_session_id is None:
        return
    db.session.execute(sa.delete(LoginSession).where(LoginSession.id == login_session_id))
    db.session.commit()
    close_sockets(login_room(str(login_session_id)))


def end_all_login_sessions(user_id: int) -> None:
    """Sign out everywhere: every login of the user ends and every socket of the user closes."""
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user_id))
    db.session.commit()
    close_sockets(user_room(user_id))


def change_password(user: User, new_password_hash: str) -> None:
    """Store the new password and end every login of the user, with its sockets, in one commit:
    a copied cookie of this browser dies too. The caller signs this browser in again (a new login)."""
    user.password_hash = new_password_hash
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.commit()
    close_sockets(user_room(user.id))


def tables_owned_by_users() -> list[sa.Table]:
    """Every table with a user_id column, children before parents (messages before photos),
    so a table added later is erased with the account without being listed here."""
    return [table for table in reversed(db.metadata.sorted_tables)
            if "user_id" in table.c and table.name != User.__tablename__]


def delete_account(user_id: int) -> None:
    """Erase every row of the user, then the user, in one commit; then close their sockets.

    The user's row is locked first (PostgreSQL; SQLite has one writer at a time anyway), so a
    reply or photo task cannot add a row meanwhile: its insert waits and then fails on the
    foreign key, and nothing of the user is left behind."""
    db.session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())
    # Group members have no user_id of their own: theirs is their group's.
    groups, members = db.metadata.tables["groups"], db.metadata.tables["group_members"]
    db.session.execute(members.delete().where(members.c.group_id.in_(
        sa.select(groups.c.id).where(groups.c.user_id == user_id))))
    for table in tables_owned_by_users():
        db.session.execute(table.delete().where(table.c.user_id == user_id))
    db.session.execute(User.__table__.delete().where(User.__table__.c.id == user_id))
    db.session.commit()
    close_sockets(user_room(user_id))
