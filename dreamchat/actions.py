"""The only place that changes conversation state: store, commit, then emit.

Socket handlers and the companion worker call these functions; nothing else writes
messages or photos. Every event goes to the user's room, so all of the user's tabs agree.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from dreamchat.extensions import db, socketio
from dreamchat.models import Companion, Message, Photo, isoformat, user_room, utcnow

log = logging.getLogger(__name__)


def login_room(login_token: str) -> str:
    return f"login:{login_token}"


def emit_to_user(user_id: int, event: str, payload: dict, skip_sid: str | None = None) -> None:
    socketio.emit(event, payload, to=user_room(user_id), skip_sid=skip_sid)


def worker():
    return current_app.extensions["companion_worker"]


@dataclass(frozen=True)
class StoredMessage:
    message: dict
    created: bool


def find_by_client_id(user_id: int, client_id: str) -> Message | None:
    return db.session.scalar(sa.select(Message).where(Message.user_id == user_id, Message.client_id == client_id))


def send_user_message(user_id: int, companion: Companion, content: str, client_id: str | None,
                      sender_sid: str | None = None) -> StoredMessage:
    """Store the user's message, tell the user's other tabs, and wake the companion.

    A client_id seen before returns the stored message unchanged and emits nothing.
    """
    if client_id:
        existing = find_by_client_id(user_id, client_id)
        if existing is not None:
            return StoredMessage(existing.to_dict(), created=False)
    message = Message(user_id=user_id, companion_id=companion.id, sender="user", type="text",
                      content=content, client_id=client_id)
    db.session.add(message)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = find_by_client_id(user_id, client_id) if client_id else None
        if existing is None:
            raise
        return StoredMessage(existing.to_dict(), created=False)
    stored = message.to_dict()
    emit_to_user(user_id, "message_received", {"message": stored}, skip_sid=sender_sid)
    worker().reply_later(user_id, companion.id)
    return StoredMessage(stored, created=True)


def mark_read_by_user(user_id: int, companion: Companion, message_ids: list[int]) -> list[int]:
    """The user has seen these companion messages; returns the ids newly marked read."""
    now = utcnow()
    ids = list(db.session.scalars(sa.select(Message.id).where(
        Message.user_id == user_id, Message.companion_id == companion.id, Message.sender == "girl",
        Message.read_at.is_(None), Message.id.in_(message_ids))))
    if not ids:
        return []
    db.session.execute(sa.update(Message).where(Message.id.in_(ids)).values(read_at=now))
    db.session.commit()
    for message_id in ids:
        emit_to_user(user_id, "message_read", {"message_id": message_id, "girl_id": companion.slug,
                                               "read_at": isoformat(now)})
    return ids


def mark_read_by_companion(user_id: int, companion_id: int, slug: str) -> list[int]:
    """The companion has read every unread user message in the conversation."""
    now = utcnow()
    ids = list(db.session.scalars(sa.select(Message.id).where(
        Message.user_id == user_id, Message.companion_id == companion_id, Message.sender == "user",
        Message.read_at.is_(None)).order_by(Message.id)))
    if ids:
        db.session.execute(sa.update(Message).where(Message.id.in_(ids)).values(read_at=now))
        db.session.commit()
    for message_id in ids:
        emit_to_user(user_id, "message_read", {"message_id": message_id, "girl_id": slug,
                                               "read_at": isoformat(now)})
    return ids


def set_companion_typing(user_id: int, slug: str, is_typing: bool) -> None:
    emit_to_user(user_id, "typing", {"girl_id": slug, "is_typing": is_typing})


def store_companion_reply(user_id: int, companion_id: int, text: str, answered_ids: list[int]) -> dict:
    """Store the companion's reply and mark the user messages it answers, in one commit."""
    now = utcnow()
    message = Message(user_id=user_id, companion_id=companion_id, sender="girl", type="text",
                      content=text, created_at=now)
    db.session.add(message)
    if answered_ids:
        db.session.execute(sa.update(Message).where(Message.id.in_(answered_ids)).values(answered_at=now))
    db.session.commit()
    stored = message.to_dict()
    emit_to_user(user_id, "message_received", {"message": stored})
    return stored


def request_photo(user_id: int, companion: Companion, context: str, request_id: str) -> Photo:
    """Record a photo request and start making it; a request_id seen before is not made twice."""
    photo = db.session.scalar(sa.select(Photo).where(Photo.user_id == user_id, Photo.request_id == request_id))
    if photo is not None:
        return photo
    photo = Photo(user_id=user_id, companion_id=companion.id, context=context, request_id=request_id)
    db.session.add(photo)
    db.session.commit()
    emit_to_user(user_id, "photo_pending", {"girl_id": companion.slug, "request_id": request_id,
                                            "context": context})
    worker().make_photo_later(photo.id)
    return photo


def complete_photo(photo_id: int, data: bytes, mime: str, width: int, height: int, caption: str) -> dict | None:
    """Store the finished image and the photo message that shows it, then announce both."""
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.status != "pending":
        return None
    now = utcnow()
    photo.data, photo.mime, photo.width, photo.height = data, mime, width, height
    photo.status, photo.completed_at = "done", now
    message = Message(user_id=photo.user_id, companion_id=photo.companion_id, sender="girl", type="photo",
                      content=caption, photo_id=photo.id, created_at=now)
    db.session.add(message)
    db.session.commit()
    stored = message.to_dict()
    emit_to_user(photo.user_id, "photo_generated", {
        "girl_id": stored["girl_id"], "photo_url": photo.url, "request_id": photo.request_id, "message": stored})
    return stored


def fail_photo(photo_id: int) -> None:
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.status != "pending":
        return
    photo.status = "failed"
    slug = db.session.get(Companion, photo.companion_id).slug
    db.session.commit()
    emit_to_user(photo.user_id, "chat_error", {
        "girl_id": slug, "request_id": photo.request_id, "code": "internal",
        "message": "The photo could not be made. Please ask again."})


def report_reply_failure(user_id: int, slug: str) -> None:
    emit_to_user(user_id, "chat_error", {
        "girl_id": slug, "code": "internal",
        "message": "Your message is saved, but no reply could be written. Send another message to retry."})


def end_login_session(login_token: str | None) -> None:
    """Logging out closes every socket opened with that login, in this process and others."""
    if not login_token:
        return
    room = login_room(login_token)
    local_sids = [sid for sid, _ in socketio.server.manager.get_participants("/", room)]
    socketio.emit("logged_out", {}, to=room)
    for sid in local_sids:
        socketio.server.disconnect(sid, namespace="/")
