"""Read receipts, both ways: the user has seen the companion's messages, the companion has read the user's."""
from __future__ import annotations

import sqlalchemy as sa

from dreamchat.actions.events import record_event
from dreamchat.extensions import db
from dreamchat.models import Companion, Message, Sender, isoformat, utcnow


def mark_read_by_user(user_id: int, companion: Companion, message_ids: list[int]) -> list[int]:
    """The user has seen these companion messages; returns the ids newly marked read."""
    return _mark_read(user_id, companion.id, companion.slug, Sender.COMPANION, Message.id.in_(message_ids))


def mark_read_by_companion(user_id: int, companion_id: int, companion_slug: str) -> list[int]:
    """The companion has read every unread user message in the conversation; returns their ids."""
    return _mark_read(user_id, companion_id, companion_slug, Sender.USER, sa.true())


def _mark_read(user_id: int, companion_id: int, companion_slug: str, sender: Sender,
               which: sa.ColumnElement[bool]) -> list[int]:
    """Mark the unread messages of `sender` that match `which` read, one message_read event each."""
    ids = list(db.session.scalars(sa.select(Message.id).where(
        Message.user_id == user_id, Message.companion_id == companion_id, Message.sender == sender,
        Message.read_at.is_(None), which).order_by(Message.id)))
    if not ids:
        return ids
    now = utcnow()
    db.session.execute(sa.update(Message).where(Message.id.in_(ids)).values(read_at=now))
    for message_id in ids:
        record_event(user_id, "message_read", {"message_id": message_id, "girl_id": companion_slug,
                                               "read_at": isoformat(now)})
    db.session.commit()
    return ids
