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
from dreamchat.models import Companion, Message, Sender, User, isoformat, utcnow
from dreamchat.understanding import detect_crisis

BREAK_GAP = timedelta(minutes=30)


@dataclass(frozen=True)
class StoredMessage:
    message: dict
    seq: int | None
    created: bool


def find_by_client_id(user_id: int, client_id: str) -> Message | None:
    return db.session.scalar(sa.select(Message).where(Message.user_id == user_id, Message.client_id == client_id))


def own_message(user_id: int, companion: Companion, message_id: int) -> Message | None:
    return db.session.scalar(sa.select(Message).where(
        Message.id == message_id, Message.user_id == user_id, Message.companion_id == companion.id,
        Message.sender == Sender.USER))


def unanswered_count(user_id: int, companion_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(Message.id)).where(Message.awaiting_reply(user_id, companion_id)))


def send_user_message(user_id: int, companion: CompanionRef, content: str, client_id: str | None,
                      sender_sid: str | None = None) -> StoredMessage:
    """Store the user's message (through the group-commit writer), tell the user's other tabs,
    and wake the companion.

    A client_id already stored returns the stored message unchanged and emits nothing.
    """
    stored = writer.write(store_user_message, user_id, companion, content, client_id, sender_sid, utcnow())
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
                       sender_sid: str | None, now: datetime) -> StoredMessage:
    """The write of send_user_message (a writer job): the message, the facts it tells, its event
    and the break reminder's bookkeeping, in a few prebuilt statements, without loading any row."""
    connection = db.session.connection()
    message_id = connection.execute(insert_user_message(), {
        "user_id": user_id, "companion_id": companion.id, "sender": Sender.USER.value, "type": "text",
        "content": content, "client_id": client_id, "created_at": now, "status": "done"}).scalar()
    if message_id is None:
        existing = find_by_client_id(user_id, client_id)
        return StoredMessage(existing.to_dict(), seq=None, created=False)
    message = {"id": message_id, "girl_id": companion.slug, "sender": Sender.USER.value, "type": "text",
               "content": content, "created_at": isoformat(now), "read_at": None, "client_id": client_id}
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
    return message is not None and message.sender == Sender.COMPANION and message.type == "text"


def unanswer(user_id: int, reply: Message) -> list[int]:
    """Delete a companion reply and make the user messages it answered unanswered again."""
    ids = list(db.session.scalars(sa.select(Message.id).where(
        Message.user_id == user_id, Message.companion_id == reply.companion_id, Message.sender == Sender.USER,
        Message.answered_at == reply.created_at)))
    db.session.execute(sa.update(Message).where(Message.id.in_(ids)).values(answered_at=None))
    db.session.delete(reply)
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
    db.session.commit()
    if reply is not None or message.answered_at is None:
        tasks.reply_later(user_id, message.companion_id)
    return event["message"]


def delete_message(user_id: int, message: Message) -> None:
    companion_slug = message.companion.slug
    db.session.delete(message)
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
    that turn gets a crisis reply and no photo."""
    waiting = db.session.scalars(sa.select(Message.content).where(Message.awaiting_reply(user_id, companion_id)))
    return any(detect_crisis(text) for text in waiting)
