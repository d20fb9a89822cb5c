"""The user's own messages: send, edit, delete, and asking the companion for a (new) answer to them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from dreamchat import tasks, writer
from dreamchat.actions.events import record_event
from dreamchat.actions.memory import remember_facts
from dreamchat.companions.directory import CompanionRef
from dreamchat.extensions import db
from dreamchat.models import Companion, Message, Sender, User, VoiceNote, isoformat, quote_dict, utcnow
from dreamchat.understanding import detect_crisis

BREAK_GAP = timedelta(minutes=30)
EXCERPT_CHARS = 120


@dataclass(frozen=True)
class StoredMessage:
    message: dict
    seq: int | None
    created: bool


@dataclass(frozen=True)
class Quote:
    """The message a new one replies to: its id, sender and an excerpt for the bubble; id None and
    sender "" when it was deleted before the new one was stored."""

    id: int | None
    sender: str
    excerpt: str | None


def excerpt_of(content: str, message_type: str) -> str:
    """The quote's text: one line, at most EXCERPT_CHARS characters; a photo without a caption is "Photo",
    a voice note "Voice note"."""
    text = " ".join((content or "").split()) or {"photo": "Photo", "voice": "Voice note"}.get(message_type, "")
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1].rstrip() + "…"


QUOTABLE = (sa.select(Message.__table__.c.sender, Message.__table__.c.type, Message.__table__.c.content).where(
    Message.__table__.c.id == sa.bindparam("mid"), Message.__table__.c.user_id == sa.bindparam("uid"),
    Message.__table__.c.companion_id == sa.bindparam("cid"), Message.__table__.c.status == "done"))


EXISTS = sa.select(Message.__table__.c.id).where(Message.__table__.c.id == sa.bindparam("mid"))


class QuoteRefused(Exception):
    """reply_to_id names a message of another conversation or another user."""


def quote_target(user_id: int, companion_id: int, message_id: int) -> Quote:
    """The finished message of this conversation that a new message replies to, read in the
    transaction that stores the new one (so it cannot be deleted in between). A message that no
    longer exists (deleted while the new one waited in an outbox) gives a deleted quote, so the new
    message is still stored; a message of another conversation raises QuoteRefused."""
    connection = db.session.connection()
    row = connection.execute(QUOTABLE, {"mid": message_id, "uid": user_id, "cid": companion_id}).one_or_none()
    if row is not None:
        return Quote(message_id, row.sender, excerpt_of(row.content, row.type))
    if connection.execute(EXISTS, {"mid": message_id}).first() is not None:
        raise QuoteRefused(message_id)
    return Quote(None, "", None)


def refresh_quotes_of(user_id: int, message: Message) -> None:
    """After an edit: the replies quoting this message show its new text (an edit that removes
    something does not leave it in the quotes), and every tab gets them again (message_updated)."""
    quoting = list(db.session.scalars(sa.select(Message).where(Message.reply_to_id == message.id,
                                                                Message.user_id == user_id)))
    for reply in quoting:
        reply.reply_to_excerpt = excerpt_of(message.content, message.type)
    if quoting:
        db.session.flush()
    for reply in quoting:
        record_event(user_id, "message_updated", {"message": reply.to_dict()})


def unlink_quotes_of(message_id: int) -> None:
    """Before a message is deleted: the replies to it keep only its sender ("Deleted message")."""
    db.session.execute(sa.update(Message).where(Message.reply_to_id == message_id)
                       .values(reply_to_id=None, reply_to_excerpt=None), execution_options={"synchronize_session": False})


def forget_audio(*voice_note_ids: int | None) -> None:
    """After the message holding them was deleted (in the same transaction): its audio goes too."""
    ids = [note_id for note_id in voice_note_ids if note_id]
    if ids:
        db.session.flush()
        db.session.execute(sa.delete(VoiceNote).where(VoiceNote.id.in_(ids)), execution_options={"synchronize_session": False})


def find_by_client_id(user_id: int, client_id: str) -> Message | None:
    return db.session.scalar(sa.select(Message).where(Message.user_id == user_id, Message.client_id == client_id))


def own_message(user_id: int, companion: Companion, message_id: int) -> Message | None:
    return db.session.scalar(sa.select(Message).where(
        Message.id == message_id, Message.user_id == user_id, Message.companion_id == companion.id,
        Message.sender == Sender.USER))


def unanswered_count(user_id: int, companion_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(Message.id)).where(Message.awaiting_reply(user_id, companion_id)))


def send_user_message(user_id: int, companion: CompanionRef, content: str, client_id: str | None,
                      sender_sid: str | None = None, reply_to_id: int | None = None) -> StoredMessage:
    """Store the user's message (through the group-commit writer), tell the user's other tabs,
    and wake the companion. reply_to_id: the message it replies to (quote_target; QuoteRefused).

    A client_id already stored returns the stored message unchanged and emits nothing.
    """
    stored = writer.write(store_user_message, user_id, companion, content, client_id, sender_sid, utcnow(),
                          reply_to_id)
    if stored.created:
        tasks.reply_later(user_id, companion.id)
    return stored


messages_table, users = Message.__table__, User.__table__
_insert_user_message: dict[str, sa.Insert] = {}
NOTE_CHATTING = (
    sa.update(users).where(users.c.id == sa.bindparam("uid"))
    .values(last_event_seq=users.c.last_event_seq + 1, last_chat_at=sa.bindparam("now"),
            chat_started_at=sa.case((sa.and_(users.c.last_chat_at.is_not(None), users.c.chat_started_at.is_not(None),
                                             users.c.last_chat_at >= sa.bindparam("gap_start")),
                                     users.c.chat_started_at), else_=sa.bindparam("now")))
    .returning(users.c.last_event_seq, users.c.chat_started_at, users.c.break_reminded_at))


def insert_user_message() -> sa.Insert:
    """INSERT ... ON CONFLICT (user_id, client_id) DO NOTHING RETURNING id, for the session's database."""
    dialect = db.session.get_bind().dialect.name
    if dialect not in _insert_user_message:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        _insert_user_message[dialect] = (insert(messages_table).on_conflict_do_nothing(
            index_elements=["user_id", "client_id"]).returning(messages_table.c.id))
    return _insert_user_message[dialect]


def store_user_message(user_id: int, companion: CompanionRef, content: str, client_id: str | None,
                       sender_sid: str | None, now: datetime, reply_to_id: int | None = None) -> StoredMessage:
    """The write of send_user_message (a writer job): the message, the facts it tells, its event
    and the break reminder's bookkeeping, in a few prebuilt statements, without loading any row."""
    connection = db.session.connection()
    quote = quote_target(user_id, companion.id, reply_to_id) if reply_to_id else None
    message_id = connection.execute(insert_user_message(), {
        "user_id": user_id, "companion_id": companion.id, "sender": Sender.USER.value, "type": "text",
        "content": content, "client_id": client_id, "created_at": now, "status": "done",
        "reply_to_id": quote and quote.id, "reply_to_sender": quote and quote.sender,
        "reply_to_excerpt": quote and quote.excerpt}).scalar()
    if message_id is None:
        existing = find_by_client_id(user_id, client_id)
        return StoredMessage(existing.to_dict(), seq=None, created=False)
    message = {"id": message_id, "girl_id": companion.slug, "sender": Sender.USER.value, "type": "text",
               "content": content, "created_at": isoformat(now), "read_at": None, "client_id": client_id,
               "reply_to": quote_dict(quote.id, quote.sender, quote.excerpt) if quote else None}
    remember_facts(user_id, companion.id, content)
    seq, chat_started_at, break_reminded_at = connection.execute(
        NOTE_CHATTING, {"uid": user_id, "now": now, "gap_start": now - BREAK_GAP}).one()
    event = record_event(user_id, "message_received", {"message": message}, skip_sid=sender_sid, seq=seq)
    remind_to_take_a_break(user_id, companion, now, chat_started_at, break_reminded_at)
    return StoredMessage(event["message"], seq=event["seq"], created=True)


def remind_to_take_a_break(user_id: int, companion: CompanionRef, now: datetime, chat_started_at: datetime,
                           break_reminded_at: datetime | None) -> None:
    """Every BREAK_REMINDER_MINUTES of continuous chatting, a system notice (not a companion
    message) says she is an AI and suggests a break. Called inside the transaction that stores
    the user's message, which tracked the stretch of chatting (NOTE_CHATTING: a pause over BREAK_GAP
    starts a new one)."""
    minutes = current_app.config["BREAK_REMINDER_MINUTES"]
    if not minutes:
        return
    since = max(chat_started_at, break_reminded_at or chat_started_at)
    if now - since < timedelta(minutes=minutes):
        return
    db.session.execute(sa.update(User).where(User.id == user_id).values(break_reminded_at=now))
    hours = (now - chat_started_at).total_seconds() / 3600
    length = f"{hours:.0f} hours" if hours >= 1.5 else f"{max(1, round(hours * 60))} minutes"
    record_event(user_id, "system_notice", {
        "girl_id": companion.slug, "kind": "break_reminder",
        "message": f"You've been chatting for {length}. A reminder: {companion.name} is an AI companion, not "
                   f"a person. It might be a good moment for a break: stretch, drink some water, or check in "
                   f"with a friend. {companion.name} will be here when you come back."})


def latest_message(user_id: int, companion_id: int) -> Message | None:
    return db.session.scalar(sa.select(Message).where(
        Message.user_id == user_id, Message.companion_id.between(companion_id, companion_id), Message.status == "done")
        .order_by(Message.companion_id.desc(), Message.id.desc()).limit(1))


def is_text_reply(message: Message | None) -> bool:
    """Her text answer to the user (a message she wrote first answers nothing, so it is not one)."""
    return (message is not None and message.sender == Sender.COMPANION and message.type == "text"
            and not message.proactive)


def unanswer(user_id: int, reply: Message) -> list[int]:
    """Delete a companion reply and make the user messages it answered unanswered again."""
    ids = list(db.session.scalars(sa.select(Message.id).where(
        Message.user_id == user_id, Message.companion_id == reply.companion_id, Message.sender == Sender.USER,
        Message.answered_at == reply.created_at)))
    db.session.execute(sa.update(Message).where(Message.id.in_(ids)).values(answered_at=None))
    unlink_quotes_of(reply.id)
    db.session.delete(reply)
    forget_audio(reply.speech_id)
    record_event(user_id, "message_deleted", {"girl_id": reply.companion.slug, "message_id": reply.id})
    return ids


def regenerate_last_reply(user_id: int, companion: Companion) -> int | None:
    """Replace the companion's last reply with a new one; the id of the deleted reply, or None."""
    reply = latest_message(user_id, companion.id)
    if not is_text_reply(reply):
        return None
    if not unanswer(user_id, reply):
        db.session.rollback()
        return None
    db.session.commit()
    tasks.reply_later(user_id, companion.id, avoid=reply.content)
    return reply.id


def answer_to_replace(user_id: int, message: Message) -> Message | None:
    """The companion's answer to this message when it is the newest message (an edit replaces it)."""
    if message.answered_at is None:
        return None
    reply = latest_message(user_id, message.companion_id)
    return reply if is_text_reply(reply) and reply.created_at == message.answered_at else None


def edit_gets_new_answer(user_id: int, message: Message) -> bool:
    """Whether editing this message asks the companion for an answer (a generation): it is not
    answered yet, or its answer is the newest message and gets replaced."""
    return message.answered_at is None or answer_to_replace(user_id, message) is not None


def edit_message(user_id: int, message: Message, content: str) -> dict:
    """Change the text of the user's own message. When the companion's answer to it is the
    newest message, that answer is replaced by one to the new text."""
    reply = answer_to_replace(user_id, message)
    message.content, message.edited_at = content, utcnow()
    if reply is not None:
        unanswer(user_id, reply)
    db.session.flush()
    event = record_event(user_id, "message_updated", {"message": message.to_dict()})
    refresh_quotes_of(user_id, message)
    db.session.commit()
    if reply is not None or message.answered_at is None:
        tasks.reply_later(user_id, message.companion_id)
    return event["message"]


def delete_message(user_id: int, message: Message) -> None:
    companion_slug = message.companion.slug
    unlink_quotes_of(message.id)
    db.session.delete(message)
    forget_audio(message.voice_note_id, message.speech_id)
    record_event(user_id, "message_deleted", {"girl_id": companion_slug, "message_id": message.id})
    db.session.commit()


def retry_reply(user_id: int, companion: Companion) -> bool:
    """Ask again for an answer to the user's unanswered messages; False when there are none."""
    waiting = unanswered_count(user_id, companion.id)
    if waiting:
        tasks.reply_later(user_id, companion.id)
    return bool(waiting)


def awaits_crisis_reply(user_id: int, companion_id: int) -> bool:
    """True while a message the companion has not answered yet may come from a person in crisis:
    that turn gets a crisis reply and no photo. A voice note counts by its transcript once it has one."""
    waiting = db.session.scalars(sa.select(sa.func.coalesce(Message.transcript, Message.content))
                                 .where(Message.awaiting_reply(user_id, companion_id)))
    return any(detect_crisis(text) for text in waiting)
