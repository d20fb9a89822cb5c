"""Accounts: sign-up, logout, password change and deletion, each reaching every session and socket concerned.

A session is valid while the session token in its id (User.get_id) matches the user's; rotating
the token signs out every session and remember-me cookie issued before, in every process, since
each request and each socket event loads the user again. The user's sockets are also told
`logged_out` and closed, so open tabs leave at once.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from dreamchat.actions.events import close_sockets, login_room
from dreamchat.extensions import db
from dreamchat.models import User, user_room


def create_user(username: str, password: str) -> User | None:
    """A new account, or None when the username is taken (in any case)."""
    user = User(username=username)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return user


def end_login_session(login_token: str | None) -> None:
    """Logging out closes that login's sockets, in this process and the others."""
    if login_token:
        close_sockets(login_room(login_token))


def change_password(user: User, new_password: str) -> None:
    """Store the new password with a new session token, then close the user's sockets.

    Every session signed in before, this one included, no longer loads the user: the caller
    signs this one in again (login_user) so it carries the new id."""
    user.set_password(new_password)
    user.rotate_session_token()
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
    for table in tables_owned_by_users():
        db.session.execute(table.delete().where(table.c.user_id == user_id))
    db.session.execute(User.__table__.delete().where(User.__table__.c.id == user_id))
    db.session.commit()
    close_sockets(user_room(user_id))
