"""Photos the companion is asked for: requested once per request_id, made in the background, delivered or failed."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from dreamchat import tasks
from dreamchat.actions.events import emit_to_user, record_event
from dreamchat.extensions import db
from dreamchat.models import Companion, Message, Photo, Sender, utcnow


def find_photo(user_id: int, request_id: str) -> Photo | None:
    return db.session.scalar(sa.select(Photo).where(Photo.user_id == user_id, Photo.request_id == request_id))


def request_photo(user_id: int, companion: Companion, context: str, request_id: str,
                  group_id: int | None = None) -> Photo:
    """Record a photo request and start making it; a request_id seen before is not made twice.
    group_id: asked in a group chat, where it is delivered (no photo_pending: the group page shows it once made)."""
    context = " ".join(context.split())[:200]
    photo = find_photo(user_id, request_id)
    if photo is not None:
        return photo
    photo = Photo(user_id=user_id, companion_id=companion.id, context=context, request_id=request_id,
                  group_id=group_id)
    db.session.add(photo)
    try:
        db.session.flush()
        if group_id is None:
            record_event(user_id, "photo_pending", {"girl_id": companion.slug, "request_id": request_id,
                                                    "context": context})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return find_photo(user_id, request_id)
    tasks.make_photo_later(photo.id)
    return photo


def report_photo_progress(user_id: int, companion_slug: str, request_id: str, progress: float) -> None:
    """How far a photo is, 0.0 to 1.0: a passing signal, not stored."""
    emit_to_user(user_id, "photo_progress", {"girl_id": companion_slug, "request_id": request_id,
                                             "progress": round(progress, 3)})


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
    if photo.group_id is not None:
        from dreamchat.actions.groups import store_group_photo
        return store_group_photo(photo, caption, now)
    message = Message(user_id=photo.user_id, companion_id=photo.companion_id, sender=Sender.COMPANION, type="photo",
                      content=caption, photo_id=photo.id, created_at=now)
    db.session.add(message)
    db.session.flush()
    stored = message.to_dict()
    record_event(photo.user_id, "photo_generated", {
        "girl_id": stored["girl_id"], "photo_url": photo.url, "request_id": photo.request_id, "message": stored})
    db.session.commit()
    return stored


def fail_photo(photo_id: int) -> None:
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.status != "pending":
        return
    photo.status = "failed"
    companion_slug = db.session.get(Companion, photo.companion_id).slug
    where = {"girl_id": None, "group_id": photo.group_id} if photo.group_id else {"girl_id": companion_slug}
    record_event(photo.user_id, "chat_error", {
        **where, "request_id": photo.request_id, "code": "internal",
        "message": "The photo could not be made. Please ask again."})
    db.session.commit()


def report_photo_refused(user_id: int, companion_slug: str, message: str) -> None:
    """A photo asked for in words that a limit refuses (the socket request gets an error ack instead)."""
    record_event(user_id, "chat_error", {"girl_id": companion_slug, "code": "rate_limited", "message": message})
    db.session.commit()
