"""The user's own messages: send, edit, delete, and asking the companion for a (new) answer to them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from dreamchat import tasks
from dreamchat.actions.events import record_event
from dreamchat.actions.memory import remember_facts
from dreamchat.extensions import db
from dreamchat.models import Companion, Message, Sender, User, utcnow
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


def send_user_message(user_id: int, companion: Companion, content: str, client_id: str | None,
                      sender_sid: str | None = None) -> StoredMessage:
    """Store the user's message, tell the user's other tabs, and wake the companion.

    A client_id already stored (the caller checks first; the unique index settles a race)
    returns the stored message unchanged and emits nothing.
    """
    message = Message(user_id=user_id, companion_id=companion.id, sender=Sender.USER, type="text",
                      content=content, client_id=client_id)
    db.session.add(message)
    try:
        db.session.flush()
        remember_facts(user_id, companion.id, content)
        event = record_event(user_id, "message_received", {"message": message.to_dict()}, skip_sid=sender_sid)
        remind_to_take_a_break(user_id, companion, message.created_at)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = find_by_client_id(user_id, client_id) if client_id else None
        if existing is None:
            raise
        return StoredMessage(existing.to_dict(), seq=None, created=False)
    tasks.reply_later(user_id, companion.id)
    return StoredMessage(event["message"], seq=event["seq"], created=True)


def remind_to_take_a_break(user_id: int, companion: Companion, now: datetime) -> None:
    """Track the stretch of continuous chatting (pauses under BREAK_GAP end none); every
    BREAK_REMINDER_MINUTES of it, a system notice (not a companion message) says she is an AI and
    suggests a break. Called inside the transaction that stores the user's message."""
    user = db.session.get(User, user_id)
    if user.last_chat_at is None or user.chat_started_at is None or now - user.last_chat_at > BREAK_GAP:
        user.chat_started_at = now
    user.last_chat_at = now
    minutes = current_app.config["BREAK_REMINDER_MINUTES"]
    if not minutes:
        return
    since = max(user.chat_started_at, user.break_reminded_at or user.chat_started_at)
    if now - since < timedelta(minutes=minutes):
        return
    user.break_reminded_at = now
    hours = (now - user.chat_started_at).total_seconds() / 3600
    length = f"{hours:.0f} hours" if hours >= 1.5 else f"{max(1, round(hours * 60))} minutes"
    record_event(user_id, "system_notice", {
        "girl_id": companion.slug, "kind": "break_reminder",
        "message": f"You've been chatting for {length}. A reminder: {companion.name} is an AI companion, not "
                   f"a person. It might be a good moment for a break: stretch, drink some water, or check in "
                   f"with a friend. {companion.name} will be here when you come back."})


def latest_message(user_id: int, companion_id: int) -> Message | None:
    return db.session.scalar(sa.select(Message).where(
        Message.user_id == user_id, Message.companion_id == companion_id, Message.status == "done")
        .order_by(Message.id.desc()).limit(1))


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
