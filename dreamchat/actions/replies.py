"""The companion's replies: stored at most once with the messages they answer, streamed, or reported as failed."""
from __future__ import annotations

import json
import logging
from datetime import datetime

import sqlalchemy as sa

from dreamchat import writer
from dreamchat.actions.events import emit_to_user, record_event
from dreamchat.extensions import db
from dreamchat.models import Companion, Message, Sender, isoformat, utcnow

log = logging.getLogger(__name__)


def set_companion_typing(user_id: int, companion_slug: str, is_typing: bool) -> None:
    """Typing is a passing state: emitted, never stored or replayed."""
    emit_to_user(user_id, "typing", {"girl_id": companion_slug, "is_typing": is_typing})


class ReplyNotNeeded(Exception):
    """The messages a reply answers changed before it was stored (answered elsewhere, deleted, edited)."""


def store_companion_reply(user_id: int, companion, text: str, answered_ids: list[int],
                          message_id: int | None = None, read_at: datetime | None = None,
                          safety: str | None = None, resources: dict | None = None) -> dict | None:
    """Store the companion's reply and mark the user messages it answers, in one commit (through
    the group-commit writer); returns the stored message.

    message_id is the streaming message the reply completes, if it was streamed; read_at is when
    the messages were read for it. None when they changed meanwhile: answered by another task
    (another process after a restart), deleted, or edited after read_at. So a reply is stored at
    most once, and never for text the user has since changed. safety and resources mark a crisis
    reply and the crisis lines shown under it.
    """
    try:
        return writer.write(write_companion_reply, user_id, companion, text, tuple(answered_ids), message_id,
                            read_at, safety, resources)
    except ReplyNotNeeded:
        log.info("reply dropped: messages %s were answered elsewhere", answered_ids)
        return None


messages_table = Message.__table__
CLAIM_ANSWERED = (sa.update(messages_table).where(
    messages_table.c.id.in_(sa.bindparam("ids", expanding=True)), messages_table.c.answered_at.is_(None),
    sa.or_(messages_table.c.edited_at.is_(None), messages_table.c.edited_at <= sa.bindparam("loaded_at")))
    .values(answered_at=sa.bindparam("now")))
COMPLETE_STREAM = (sa.update(messages_table).where(messages_table.c.id == sa.bindparam("stream_id"))
                   .values(content=sa.bindparam("text"), status="done", created_at=sa.bindparam("now"),
                           safety=sa.bindparam("mark"), resources_json=sa.bindparam("resources"))
                   .returning(messages_table.c.id))
INSERT_REPLY = sa.insert(messages_table).returning(messages_table.c.id)


def write_companion_reply(user_id: int, companion, text: str, answered_ids: tuple[int, ...],
                          message_id: int | None, read_at: datetime | None, safety: str | None,
                          resources: dict | None) -> dict:
    """The write of store_companion_reply (a writer job); raises ReplyNotNeeded, which rolls it back.
    A message edited after read_at (or edited at all, without read_at) is no longer claimable."""
    connection = db.session.connection()
    now = utcnow()
    claimed = connection.execute(CLAIM_ANSWERED, {"ids": list(answered_ids), "loaded_at": read_at, "now": now}).rowcount
    if claimed != len(answered_ids):
        raise ReplyNotNeeded(answered_ids)
    resources_json = json.dumps(resources, ensure_ascii=False) if resources else None
    stored_id = None
    if message_id:
        stored_id = connection.execute(COMPLETE_STREAM, {"stream_id": message_id, "text": text, "now": now,
                                                         "mark": safety, "resources": resources_json}).scalar()
    if stored_id is None:
        stored_id = connection.execute(INSERT_REPLY, {
            "user_id": user_id, "companion_id": companion.id, "sender": Sender.COMPANION.value, "type": "text",
            "content": text, "created_at": now, "status": "done", "safety": safety,
            "resources_json": resources_json}).scalar_one()
    message = {"id": stored_id, "girl_id": companion.slug, "sender": Sender.COMPANION.value, "type": "text",
               "content": text, "created_at": isoformat(now), "read_at": None}
    if safety:
        message["safety"], message["resources"] = safety, resources
    return record_event(user_id, "message_received", {"message": message})["message"]


def start_reply_stream(user_id: int, companion_id: int, abandon_before: datetime | None = None) -> int:
    """Reserve the message a streamed reply will become; it is announced only when complete. The
    conversation's streams begun before abandon_before (by a process that has stopped) are deleted
    first, each with its message_deleted event."""
    if abandon_before is not None:
        left = db.session.execute(sa.select(Message.id, Companion.slug).join(
            Companion, Message.companion_id == Companion.id).where(
            Message.user_id == user_id, Message.companion_id == companion_id, Message.status != sa.literal_column("'done'"),
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
    db.session.execute(sa.delete(Message).where(Message.id == message_id, Message.status != sa.literal_column("'done'")))
    record_event(user_id, "message_deleted", {"girl_id": companion_slug, "message_id": message_id})
    db.session.commit()


def abandon_stale_streams(started_before: datetime) -> int:
    """At start: streams that a stopped process left half-written (older than started_before) are deleted,
    each with its message_deleted event; returns how many."""
    stale = db.session.execute(sa.select(Message.id, Message.user_id, Companion.slug)
                               .join(Companion, Message.companion_id == Companion.id)
                               .where(Message.status != sa.literal_column("'done'"), Message.created_at < started_before)).all()
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
