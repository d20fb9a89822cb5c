"""The companion's replies: stored at most once with the messages they answer, streamed, or reported as failed."""
from __future__ import annotations

import json
import logging
from datetime import datetime

import sqlalchemy as sa

from dreamchat.actions.events import emit_to_user, record_event
from dreamchat.extensions import db
from dreamchat.models import Companion, Message, Sender, utcnow

log = logging.getLogger(__name__)


def set_companion_typing(user_id: int, companion_slug: str, is_typing: bool) -> None:
    """Typing is a passing state: emitted, never stored or replayed."""
    emit_to_user(user_id, "typing", {"girl_id": companion_slug, "is_typing": is_typing})


def store_companion_reply(user_id: int, companion_id: int, text: str, answered_ids: list[int],
                          message_id: int | None = None, read_at: datetime | None = None,
                          safety: str | None = None, resources: dict | None = None) -> dict | None:
    """Store the companion's reply and mark the user messages it answers, in one commit.

    message_id is the streaming message the reply completes, if it was streamed; read_at is when
    the messages were read for it. None when they changed meanwhile: answered by another task
    (another process after a restart), deleted, or edited after read_at. So a reply is stored at
    most once, and never for text the user has since changed. safety and resources mark a crisis
    reply and the crisis lines shown under it.
    """
    now = utcnow()
    unchanged = Message.edited_at.is_(None) if read_at is None else sa.or_(
        Message.edited_at.is_(None), Message.edited_at <= read_at)
    claimed = db.session.execute(sa.update(Message).where(
        Message.id.in_(answered_ids), Message.answered_at.is_(None), unchanged).values(answered_at=now)).rowcount
    if claimed != len(answered_ids):
        db.session.rollback()
        log.info("reply dropped: messages %s were answered elsewhere", answered_ids)
        return None
    message = db.session.get(Message, message_id) if message_id else None
    if message is None:
        message = Message(user_id=user_id, companion_id=companion_id, sender=Sender.COMPANION, type="text")
        db.session.add(message)
    message.content, message.status, message.created_at = text, "done", now
    message.safety = safety
    message.resources_json = json.dumps(resources, ensure_ascii=False) if resources else None
    db.session.flush()
    event = record_event(user_id, "message_received", {"message": message.to_dict()})
    db.session.commit()
    return event["message"]


def start_reply_stream(user_id: int, companion_id: int, abandon_before: datetime | None = None) -> int:
    """Reserve the message a streamed reply will become; it is announced only when complete. The
    conversation's streams begun before abandon_before (by a process that has stopped) are deleted
    first, each with its message_deleted event."""
    if abandon_before is not None:
        left = db.session.execute(sa.select(Message.id, Companion.slug).join(
            Companion, Message.companion_id == Companion.id).where(
            Message.user_id == user_id, Message.companion_id == companion_id, Message.status == "streaming",
            Message.created_at < abandon_before)).all()
        for message_id, companion_slug in left:
            db.session.execute(sa.delete(Message).where(Message.id == message_id))
            record_event(user_id, "message_deleted", {"girl_id": companion_slug, "message_id": message_id})
    message = Message(user_id=user_id, companion_id=companion_id, sender=Sender.COMPANION, type="text",
                      content="", status="streaming")
    db.session.add(message)
    db.session.commit()
    return message.id


def emit_reply_delta(user_id: int, companion_slug: str, message_id: int, offset: int, delta: str) -> None:
    """A piece of a reply being generated: passing, not stored; the final message_received is."""
    emit_to_user(user_id, "message_delta", {"girl_id": companion_slug, "message_id": message_id, "offset": offset,
                                            "delta": delta})


def abandon_reply_stream(user_id: int, companion_slug: str, message_id: int) -> None:
    """A stream that failed or lost the race leaves nothing behind."""
    db.session.execute(sa.delete(Message).where(Message.id == message_id, Message.status == "streaming"))
    record_event(user_id, "message_deleted", {"girl_id": companion_slug, "message_id": message_id})
    db.session.commit()


def abandon_stale_streams(started_before: datetime) -> int:
    """At start: streams that a stopped process left half-written (older than started_before) are deleted,
    each with its message_deleted event; returns how many."""
    stale = db.session.execute(sa.select(Message.id, Message.user_id, Companion.slug)
                               .join(Companion, Message.companion_id == Companion.id)
                               .where(Message.status == "streaming", Message.created_at < started_before)).all()
    for message_id, user_id, companion_slug in stale:
        db.session.execute(sa.delete(Message).where(Message.id == message_id))
        record_event(user_id, "message_deleted", {"girl_id": companion_slug, "message_id": message_id})
    db.session.commit()
    return len(stale)


def report_reply_failure(user_id: int, companion_slug: str, code: str, message: str) -> None:
    """The reply could not be written: the user's messages stay unanswered until a retry."""
    record_event(user_id, "chat_error", {"girl_id": companion_slug, "code": code, "message": message,
                                         "retry": "reply"})
    db.session.commit()
