"""The companion writes first: a conversation's opt-in, the user's time zone, and her message stored once.

The periodic check that finds the conversations due and composes her message is tasks/proactive.py;
what it changes goes through here: store_first_message writes the message only while the
conversation is as it was read (the same newest message, still opted in, still claimed by this
process), so a user who wrote meanwhile gets no stale message and it is stored at most once.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from dreamchat.actions.events import next_event_seq, record_event
from dreamchat.extensions import db
from dreamchat.models import ConversationSetting, Message, Sender, User, isoformat, utcnow

log = logging.getLogger(__name__)

settings_table, messages_table, users_table = ConversationSetting.__table__, Message.__table__, User.__table__
ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}")
NEWEST_MESSAGE = (sa.select(sa.func.max(messages_table.c.id))
                  .where(messages_table.c.user_id == sa.bindparam("uid"),
                         messages_table.c.companion_id == sa.bindparam("cid")))
INSERT_FIRST_MESSAGE = sa.insert(messages_table).returning(messages_table.c.id)


def proactive_enabled(user_id: int, companion_id: int) -> bool:
    """Whether the companion may write first in this conversation (off unless the user turned it on)."""
    return bool(db.session.scalar(sa.select(settings_table.c.proactive).where(
        settings_table.c.user_id == user_id, settings_table.c.companion_id == companion_id)))


def _upsert_setting(user_id: int, companion_id: int, enabled: bool) -> sa.Insert:
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(settings_table).values(user_id=user_id, companion_id=companion_id, proactive=enabled)
    return statement.on_conflict_do_update(index_elements=["user_id", "companion_id"],
                                           set_={"proactive": statement.excluded.proactive})


def set_proactive(user_id: int, companion, enabled: bool) -> int | None:
    """Turn the companion's messages written first on or off for the conversation; records
    `proactive_changed` for every tab. Returns its seq, None when it already was so (nothing recorded)."""
    if proactive_enabled(user_id, companion.id) == enabled:
        db.session.rollback()
        return None
    db.session.execute(_upsert_setting(user_id, companion.id, enabled))
    seq = record_event(user_id, "proactive_changed", {"girl_id": companion.slug, "enabled": enabled})["seq"]
    db.session.commit()
    return seq


@lru_cache(maxsize=1024)
def known_time_zone(name: object) -> str | None:
    """An IANA time zone name that zoneinfo knows ("Europe/Paris"), else None."""
    if not isinstance(name, str) or not 0 < len(name) <= 64 or not ZONE_NAME.fullmatch(name):
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name


def remember_time_zone(user: User, name: object) -> bool:
    """Keep the time zone the page reported (at connect) when it is a known one and has changed;
    an unknown one is ignored. True when it was written."""
    zone = known_time_zone(name)
    if zone is None or zone == user.time_zone:
        return False
    db.session.execute(users_table.update().where(users_table.c.id == user.id).values(time_zone=zone))
    db.session.commit()
    return True


def release_claim(user_id: int, companion_id: int, owner: str) -> None:
    db.session.execute(settings_table.update().where(
        settings_table.c.user_id == user_id, settings_table.c.companion_id == companion_id,
        settings_table.c.claimed_by == owner).values(claimed_by=None, claim_expires_at=None))
    db.session.commit()


def store_first_message(user_id: int, companion, text: str, newest_id: int, owner: str) -> dict | None:
    """Store her message written first and record its `message_received`, in one commit, only if the
    conversation's newest message is still newest_id and the conversation is still opted in and
    claimed by owner; lets go of the claim. Returns the stored message, None when it was not stored.

    The user's row is locked first (taking the event's seq), so a message the user is sending now
    is either seen here (nothing stored) or comes after hers."""
    seq = next_event_seq(user_id)
    connection = db.session.connection()
    conversation = {"uid": user_id, "cid": companion.id}
    still_claimed = connection.execute(sa.select(settings_table.c.proactive).where(
        settings_table.c.user_id == user_id, settings_table.c.companion_id == companion.id,
        settings_table.c.claimed_by == owner)).scalar()
    if not still_claimed or connection.execute(NEWEST_MESSAGE, conversation).scalar() != newest_id:
        db.session.rollback()
        release_claim(user_id, companion.id, owner)
        log.info("first message dropped for user=%s companion=%s: the conversation changed meanwhile",
                 user_id, companion.id)
        return None
    now = utcnow()
    stored_id = connection.execute(INSERT_FIRST_MESSAGE, {
        "user_id": user_id, "companion_id": companion.id, "sender": Sender.COMPANION.value, "type": "text",
        "content": text, "created_at": now, "status": "done", "proactive": True}).scalar_one()
    message = {"id": stored_id, "girl_id": companion.slug, "sender": Sender.COMPANION.value, "type": "text",
               "content": text, "created_at": isoformat(now), "read_at": None, "proactive": True}
    stored = record_event(user_id, "message_received", {"message": message}, seq=seq)["message"]
    connection.execute(settings_table.update().where(
        settings_table.c.user_id == user_id, settings_table.c.companion_id == companion.id)
        .values(claimed_by=None, claim_expires_at=None))
    db.session.commit()
    return stored
