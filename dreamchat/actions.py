"""The only place that changes conversation state: store, commit, then emit.

Socket handlers and the companion worker call these functions; nothing else writes messages or
photos. Each change is recorded as a numbered UserEvent in the same transaction, then emitted to
the user's room after the commit, so every tab agrees and a tab that was away can replay what it
missed (see replay_since).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dreamchat.extensions import db, socketio
from dreamchat.ai.offline import extract_facts
from dreamchat.understanding import detect_crisis
from dreamchat.models import Companion, MemoryFact, Message, Photo, User, UserEvent, isoformat, user_room, utcnow

log = logging.getLogger(__name__)

PENDING_EVENTS = "dreamchat.pending_events"
REPLAY_LIMIT = 500
BREAK_GAP = timedelta(minutes=30)
MEMORY_LIMIT = 60


def login_room(login_token: str) -> str:
    return f"login:{login_token}"


def emit_to_user(user_id: int, event: str, payload: dict, skip_sid: str | None = None) -> None:
    socketio.emit(event, payload, to=user_room(user_id), skip_sid=skip_sid)


def record_event(user_id: int, name: str, payload: dict, skip_sid: str | None = None) -> dict:
    """Number an event inside the current transaction; commit_and_emit sends it after the commit.

    The row lock taken on the user by the increment keeps seq order equal to commit order.
    """
    seq = db.session.execute(
        sa.update(User).where(User.id == user_id).values(last_event_seq=User.last_event_seq + 1)
        .returning(User.last_event_seq)).scalar_one()
    payload = {**payload, "seq": seq}
    db.session.add(UserEvent(user_id=user_id, seq=seq, name=name, payload_json=json.dumps(payload)))
    db.session.info.setdefault(PENDING_EVENTS, []).append((user_id, name, payload, skip_sid))
    return payload


def commit_and_emit() -> None:
    db.session.commit()
    for user_id, name, payload, skip_sid in db.session.info.pop(PENDING_EVENTS, []):
        emit_to_user(user_id, name, payload, skip_sid=skip_sid)


@sa.event.listens_for(Session, "after_soft_rollback")
def forget_unsent_events(session, _previous_transaction) -> None:
    session.info.pop(PENDING_EVENTS, None)


@dataclass(frozen=True)
class Replay:
    events: list[dict]
    last_seq: int
    reset: bool


def replay_since(user_id: int, last_seq: int) -> Replay:
    """The user's events after last_seq, in order; reset when too many to replay one by one."""
    current = db.session.scalar(sa.select(User.last_event_seq).where(User.id == user_id)) or 0
    if last_seq >= current:
        return Replay(events=[], last_seq=current, reset=last_seq > current)
    if current - last_seq > REPLAY_LIMIT:
        return Replay(events=[], last_seq=current, reset=True)
    rows = db.session.scalars(sa.select(UserEvent).where(UserEvent.user_id == user_id, UserEvent.seq > last_seq)
                              .order_by(UserEvent.seq))
    events = [{"name": row.name, "payload": row.payload} for row in rows]
    return Replay(events=events, last_seq=events[-1]["payload"]["seq"] if events else current, reset=False)


def worker():
    return current_app.extensions["companion_worker"]


@dataclass(frozen=True)
class StoredMessage:
    message: dict
    seq: int | None
    created: bool


def find_by_client_id(user_id: int, client_id: str) -> Message | None:
    return db.session.scalar(sa.select(Message).where(Message.user_id == user_id, Message.client_id == client_id))


def send_user_message(user_id: int, companion: Companion, content: str, client_id: str | None,
                      sender_sid: str | None = None) -> StoredMessage:
    """Store the user's message, tell the user's other tabs, and wake the companion.

    A client_id already stored (the caller checks first; the unique index settles a race)
    returns the stored message unchanged and emits nothing.
    """
    message = Message(user_id=user_id, companion_id=companion.id, sender="user", type="text",
                      content=content, client_id=client_id)
    db.session.add(message)
    try:
        db.session.flush()
        remember_facts(user_id, companion.id, content)
        event = record_event(user_id, "message_received", {"message": message.to_dict()}, skip_sid=sender_sid)
        remind_to_take_a_break(user_id, companion, message.created_at)
        commit_and_emit()
    except IntegrityError:
        db.session.rollback()
        existing = find_by_client_id(user_id, client_id) if client_id else None
        if existing is None:
            raise
        return StoredMessage(existing.to_dict(), seq=None, created=False)
    worker().reply_later(user_id, companion.id)
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


def remember_facts(user_id: int, companion_id: int, text: str) -> None:
    """Keep what the user tells about themselves (name, likes, plans, dates) for later sessions;
    called inside the transaction that stores the message."""
    facts = extract_facts(text)
    if not facts:
        return
    known = {(f.kind, f.value.lower()): f for f in db.session.scalars(sa.select(MemoryFact).where(
        MemoryFact.user_id == user_id, MemoryFact.companion_id == companion_id))}
    now = utcnow()
    for kind, value in facts:
        value = value[:200]
        if kind == "name":
            for (old_kind, _), fact in list(known.items()):
                if old_kind == "name" and fact.value != value:
                    db.session.delete(fact)
        if (kind, value.lower()) in known:
            known[(kind, value.lower())].updated_at = now
            continue
        fact = MemoryFact(user_id=user_id, companion_id=companion_id, kind=kind, value=value, created_at=now,
                          updated_at=now)
        db.session.add(fact)
        known[(kind, value.lower())] = fact
    if len(known) > MEMORY_LIMIT:
        for fact in sorted(known.values(), key=lambda f: f.updated_at)[:len(known) - MEMORY_LIMIT]:
            if fact.kind != "name":
                db.session.delete(fact)


def memory_lines(user_id: int, companion_id: int) -> tuple[str, ...]:
    facts = db.session.scalars(sa.select(MemoryFact).where(
        MemoryFact.user_id == user_id, MemoryFact.companion_id == companion_id).order_by(MemoryFact.id))
    return tuple(fact.as_line() for fact in facts)


def mark_read_by_user(user_id: int, companion: Companion, message_ids: list[int]) -> list[int]:
    """The user has seen these companion messages; returns the ids newly marked read."""
    ids = list(db.session.scalars(sa.select(Message.id).where(
        Message.user_id == user_id, Message.companion_id == companion.id, Message.sender == "girl",
        Message.read_at.is_(None), Message.id.in_(message_ids)).order_by(Message.id)))
    mark_read(user_id, companion.slug, ids)
    return ids


def mark_read_by_companion(user_id: int, companion_id: int, slug: str) -> list[int]:
    """The companion has read every unread user message in the conversation."""
    ids = list(db.session.scalars(sa.select(Message.id).where(
        Message.user_id == user_id, Message.companion_id == companion_id, Message.sender == "user",
        Message.read_at.is_(None)).order_by(Message.id)))
    mark_read(user_id, slug, ids)
    return ids


def mark_read(user_id: int, slug: str, ids: list[int]) -> None:
    if not ids:
        return
    now = utcnow()
    db.session.execute(sa.update(Message).where(Message.id.in_(ids)).values(read_at=now))
    for message_id in ids:
        record_event(user_id, "message_read", {"message_id": message_id, "girl_id": slug, "read_at": isoformat(now)})
    commit_and_emit()


def set_companion_typing(user_id: int, slug: str, is_typing: bool) -> None:
    """Typing is a passing state: emitted, never stored or replayed."""
    emit_to_user(user_id, "typing", {"girl_id": slug, "is_typing": is_typing})


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
        message = Message(user_id=user_id, companion_id=companion_id, sender="girl", type="text")
        db.session.add(message)
    message.content, message.status, message.created_at = text, "done", now
    message.safety = safety
    message.resources_json = json.dumps(resources, ensure_ascii=False) if resources else None
    db.session.flush()
    event = record_event(user_id, "message_received", {"message": message.to_dict()})
    commit_and_emit()
    return event["message"]


def start_reply_stream(user_id: int, companion_id: int) -> int:
    """Reserve the message a streamed reply will become; it is announced only when complete."""
    message = Message(user_id=user_id, companion_id=companion_id, sender="girl", type="text",
                      content="", status="streaming")
    db.session.add(message)
    db.session.commit()
    return message.id


def emit_reply_delta(user_id: int, slug: str, message_id: int, offset: int, delta: str) -> None:
    """A piece of a reply being generated: passing, not stored; the final message_received is."""
    emit_to_user(user_id, "message_delta", {"girl_id": slug, "message_id": message_id, "offset": offset,
                                            "delta": delta})


def abandon_reply_stream(user_id: int, slug: str, message_id: int) -> None:
    """A stream that failed or lost the race leaves nothing behind."""
    db.session.execute(sa.delete(Message).where(Message.id == message_id, Message.status == "streaming"))
    record_event(user_id, "message_deleted", {"girl_id": slug, "message_id": message_id})
    commit_and_emit()


def find_photo(user_id: int, request_id: str) -> Photo | None:
    return db.session.scalar(sa.select(Photo).where(Photo.user_id == user_id, Photo.request_id == request_id))


def request_photo(user_id: int, companion: Companion, context: str, request_id: str) -> Photo:
    """Record a photo request and start making it; a request_id seen before is not made twice."""
    context = " ".join(context.split())[:200]
    photo = find_photo(user_id, request_id)
    if photo is not None:
        return photo
    photo = Photo(user_id=user_id, companion_id=companion.id, context=context, request_id=request_id)
    db.session.add(photo)
    try:
        db.session.flush()
        record_event(user_id, "photo_pending", {"girl_id": companion.slug, "request_id": request_id,
                                                "context": context})
        commit_and_emit()
    except IntegrityError:
        db.session.rollback()
        return find_photo(user_id, request_id)
    worker().make_photo_later(photo.id)
    return photo


def complete_photo(photo_id: int, data: bytes, mime: str, width: int, height: int, caption: str) -> dict | None:
    """Store the finished image and the photo message that shows it, then announce both.
    None when the photo was no longer pending (finished elsewhere)."""
    now = utcnow()
    claimed = db.session.execute(sa.update(Photo).where(Photo.id == photo_id, Photo.status == "pending").values(
        status="done", completed_at=now, data=data, mime=mime, width=width, height=height)).rowcount
    if claimed != 1:
        db.session.rollback()
        return None
    photo = db.session.get(Photo, photo_id)
    message = Message(user_id=photo.user_id, companion_id=photo.companion_id, sender="girl", type="photo",
                      content=caption, photo_id=photo.id, created_at=now)
    db.session.add(message)
    db.session.flush()
    stored = message.to_dict()
    record_event(photo.user_id, "photo_generated", {
        "girl_id": stored["girl_id"], "photo_url": photo.url, "request_id": photo.request_id, "message": stored})
    commit_and_emit()
    return stored


def fail_photo(photo_id: int) -> None:
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.status != "pending":
        return
    photo.status = "failed"
    slug = db.session.get(Companion, photo.companion_id).slug
    record_event(photo.user_id, "chat_error", {
        "girl_id": slug, "request_id": photo.request_id, "code": "internal",
        "message": "The photo could not be made. Please ask again."})
    commit_and_emit()


def latest_message(user_id: int, companion_id: int) -> Message | None:
    return db.session.scalar(sa.select(Message).where(
        Message.user_id == user_id, Message.companion_id == companion_id, Message.status == "done")
        .order_by(Message.id.desc()).limit(1))


def unanswer(user_id: int, reply: Message) -> list[int]:
    """Delete a companion reply and make the user messages it answered unanswered again."""
    ids = list(db.session.scalars(sa.select(Message.id).where(
        Message.user_id == user_id, Message.companion_id == reply.companion_id, Message.sender == "user",
        Message.answered_at == reply.created_at)))
    db.session.execute(sa.update(Message).where(Message.id.in_(ids)).values(answered_at=None))
    db.session.delete(reply)
    record_event(user_id, "message_deleted", {"girl_id": reply.companion.slug, "message_id": reply.id})
    return ids


def regenerate_last_reply(user_id: int, companion: Companion) -> int | None:
    """Replace the companion's last reply with a new one; the id of the deleted reply, or None."""
    reply = latest_message(user_id, companion.id)
    if reply is None or reply.sender != "girl" or reply.type != "text":
        return None
    if not unanswer(user_id, reply):
        db.session.rollback()
        return None
    commit_and_emit()
    worker().reply_later(user_id, companion.id, avoid=reply.content)
    return reply.id


def own_message(user_id: int, companion: Companion, message_id: int) -> Message | None:
    return db.session.scalar(sa.select(Message).where(
        Message.id == message_id, Message.user_id == user_id, Message.companion_id == companion.id,
        Message.sender == "user"))


def edit_message(user_id: int, message: Message, content: str) -> dict:
    """Change the text of the user's own message. When the companion's answer to it is the
    newest message, that answer is replaced by one to the new text."""
    message.content, message.edited_at = content, utcnow()
    reply = latest_message(user_id, message.companion_id)
    regenerate = (message.answered_at is not None and reply is not None and reply.sender == "girl"
                  and reply.type == "text" and reply.created_at == message.answered_at)
    if regenerate:
        unanswer(user_id, reply)
    db.session.flush()
    event = record_event(user_id, "message_updated", {"message": message.to_dict()})
    commit_and_emit()
    if regenerate or message.answered_at is None:
        worker().reply_later(user_id, message.companion_id)
    return event["message"]


def delete_message(user_id: int, message: Message) -> None:
    slug = message.companion.slug
    db.session.delete(message)
    record_event(user_id, "message_deleted", {"girl_id": slug, "message_id": message.id})
    commit_and_emit()


def retry_reply(user_id: int, companion: Companion) -> bool:
    """Ask again for an answer to the user's unanswered messages; False when there are none."""
    waiting = db.session.scalar(sa.select(sa.func.count(Message.id)).where(
        Message.user_id == user_id, Message.companion_id == companion.id, Message.sender == "user",
        Message.answered_at.is_(None)))
    if waiting:
        worker().reply_later(user_id, companion.id)
    return bool(waiting)


def awaits_crisis_reply(user_id: int, companion_id: int) -> bool:
    """True while a message the companion has not answered yet may come from a person in crisis:
    that turn gets a crisis reply and no photo."""
    waiting = db.session.scalars(sa.select(Message.content).where(
        Message.user_id == user_id, Message.companion_id == companion_id, Message.sender == "user",
        Message.answered_at.is_(None)))
    return any(detect_crisis(text) for text in waiting)


def replies_today(user_id: int) -> int:
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return db.session.scalar(sa.select(sa.func.count(Message.id)).where(
        Message.user_id == user_id, Message.sender == "girl", Message.type == "text", Message.status == "done",
        Message.created_at >= today))


def photos_today(user_id: int) -> int:
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return db.session.scalar(sa.select(sa.func.count(Photo.id)).where(
        Photo.user_id == user_id, Photo.created_at >= today))


def report_photo_refused(user_id: int, slug: str, message: str) -> None:
    record_event(user_id, "chat_error", {"girl_id": slug, "code": "rate_limited", "message": message})
    commit_and_emit()


def report_reply_failure(user_id: int, slug: str, code: str, message: str) -> None:
    """The reply could not be written: the user's messages stay unanswered until a retry."""
    record_event(user_id, "chat_error", {"girl_id": slug, "code": code, "message": message, "retry": "reply"})
    commit_and_emit()


def end_login_session(login_token: str | None) -> None:
    """Logging out closes that login's sockets here and tells its sockets in other processes to close."""
    if not login_token:
        return
    room = login_room(login_token)
    local_sids = [sid for sid, _ in socketio.server.manager.get_participants("/", room)]
    socketio.emit("logged_out", {}, to=room)
    for sid in local_sids:
        socketio.server.disconnect(sid, namespace="/")
