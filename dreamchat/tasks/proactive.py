"""The companion writes first: the periodic check (scheduler.proactive_forever, or a test calling
write_due_first_messages) that finds the conversations due, claims each once, composes and stores.

Due: opted in (conversation_settings.proactive), the newest message is hers, finished, older than
PROACTIVE_AFTER_HOURS, not already one written first (at most one unanswered), not a crisis reply
(never after a crisis turn until the user writes again), no unanswered user message and no reply
being written (no live reply claim), and it is not the user's night (PROACTIVE_NIGHT in their time
zone, UTC when unknown). All of it is in the database, so it survives restarts; the claim (a lease
of WORK_LEASE_SECONDS, as in tasks/claims.py, timed when it is taken) makes one process write it,
and the store's check of the newest message makes it stored once. The provider composes with no
transaction open. A first message that could not be written (the model failed, the companion is
gone, nothing to say) keeps its claim until PROACTIVE_RETRY_SECONDS later (0: released, tried again
at the next check), so a failing model is not called every check; the owner waits for it too.
"""
from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from dreamchat.actions import memory, proactive
from dreamchat.ai import ChatLine, ReplyRequest
from dreamchat.companions import directory
from dreamchat.extensions import db
from dreamchat.models import ConversationSetting, Message, ReplyClaim, Sender, User, utcnow
from dreamchat.providers import ProviderError
from dreamchat.safety import keep_honest
from dreamchat.tasks.reply import text_of
from dreamchat.understanding import detect_language

log = logging.getLogger(__name__)

HISTORY_FOR_FIRST_MESSAGE = 12
settings_table, messages_table = ConversationSetting.__table__, Message.__table__
claims_table, users_table = ReplyClaim.__table__, User.__table__


@dataclass(frozen=True)
class DueConversation:
    user_id: int
    companion_id: int
    newest_id: int
    time_zone: str | None


def unclaimed(now: datetime):
    """No first-message claim, or a lapsed one; the process holding it waits for it too (a backed-off
    failure is not retried early by its own process)."""
    return sa.or_(settings_table.c.claimed_by.is_(None), settings_table.c.claim_expires_at < now)


def due_conversations(now: datetime, quiet_for: timedelta, owner: str) -> list[DueConversation]:
    """Opted-in conversations whose newest message is hers, plain and older than quiet_for, with
    nothing waiting for a reply and no claim of another process (night is checked apart)."""
    newest_id = (sa.select(sa.func.max(messages_table.c.id))
                 .where(messages_table.c.user_id == settings_table.c.user_id,
                        messages_table.c.companion_id == settings_table.c.companion_id)
                 .scalar_subquery())
    unanswered = sa.exists().where(
        messages_table.c.user_id == settings_table.c.user_id,
        messages_table.c.companion_id == settings_table.c.companion_id,
        messages_table.c.sender == Sender.USER.value, messages_table.c.answered_at.is_(None))
    reply_claimed = sa.exists().where(claims_table.c.user_id == settings_table.c.user_id,
                                      claims_table.c.companion_id == settings_table.c.companion_id,
                                      claims_table.c.expires_at >= now)
    # A crisis turn of hers since the user last wrote (not only her newest: a photo asked for with the
    # button after the crisis reply comes after it), so nothing until the user writes again.
    theirs = messages_table.alias("theirs")
    users_last = (sa.select(sa.func.coalesce(sa.func.max(theirs.c.id), 0))
                  .where(theirs.c.user_id == settings_table.c.user_id,
                         theirs.c.companion_id == settings_table.c.companion_id,
                         theirs.c.sender == Sender.USER.value)
                  .correlate(settings_table).scalar_subquery())
    crisis_since = sa.exists().where(
        messages_table.c.user_id == settings_table.c.user_id,
        messages_table.c.companion_id == settings_table.c.companion_id,
        messages_table.c.sender == Sender.COMPANION.value, messages_table.c.safety == "crisis",
        messages_table.c.id > users_last)
    newest = messages_table.alias("newest")
    rows = db.session.execute(
        sa.select(settings_table.c.user_id, settings_table.c.companion_id, newest.c.id, users_table.c.time_zone)
        .select_from(settings_table.join(newest, newest.c.id == newest_id)
                     .join(users_table, users_table.c.id == settings_table.c.user_id))
        .where(settings_table.c.proactive == sa.true(),
               unclaimed(now),
               newest.c.sender == Sender.COMPANION.value, newest.c.status == "done",
               newest.c.proactive.is_(None), newest.c.safety.is_(None), newest.c.created_at < now - quiet_for,
               ~unanswered, ~reply_claimed, ~crisis_since)).all()
    return [DueConversation(*row) for row in rows]


def at_night(time_zone: str | None, night: tuple[int, int] | None, now: datetime) -> bool:
    """Whether now (naive UTC) falls in the night window, in the user's time zone (UTC when unknown)."""
    if night is None:
        return False
    zone = ZoneInfo(proactive.known_time_zone(time_zone) or "UTC")
    hour = now.replace(tzinfo=timezone.utc).astimezone(zone).hour
    start, end = night
    return start <= hour < end if start < end else hour >= start or hour < end


def claim(user_id: int, companion_id: int, owner: str, lease: timedelta, now: datetime) -> bool:
    """Take the conversation's first-message claim; False when another process holds it. Commits."""
    taken = db.session.execute(settings_table.update().where(
        settings_table.c.user_id == user_id, settings_table.c.companion_id == companion_id,
        settings_table.c.proactive == sa.true(), unclaimed(now))
        .values(claimed_by=owner, claim_expires_at=now + lease)).rowcount
    db.session.commit()
    return taken == 1


def back_off(user_id: int, companion_id: int, owner: str, retry: timedelta, now: datetime) -> None:
    """A first message not written: keep the claim until now + retry (PROACTIVE_RETRY_SECONDS), so no
    process calls the model for it before; a zero retry releases it (tried again at the next check)."""
    values = dict(claim_expires_at=now + retry) if retry > timedelta(0) else dict(claimed_by=None,
                                                                                   claim_expires_at=None)
    db.session.execute(settings_table.update().where(
        settings_table.c.user_id == user_id, settings_table.c.companion_id == companion_id,
        settings_table.c.claimed_by == owner).values(**values))
    db.session.commit()


def first_message_request(due: DueConversation) -> tuple[ReplyRequest, str] | None:
    """What the provider needs to write first, and the conversation's language; None when the
    account or the companion is gone."""
    persona = directory.persona(due.companion_id)
    user_name = db.session.scalar(sa.select(users_table.c.username).where(users_table.c.id == due.user_id))
    if persona is None or user_name is None:
        return None
    conversation = (messages_table.c.user_id == due.user_id, messages_table.c.companion_id == due.companion_id)
    recent = db.session.execute(
        sa.select(messages_table.c.sender, messages_table.c.content, messages_table.c.type,
                  messages_table.c.transcript)
        .where(*conversation, messages_table.c.id <= due.newest_id, messages_table.c.status == "done")
        .order_by(messages_table.c.id.desc()).limit(HISTORY_FOR_FIRST_MESSAGE)).all()
    recent.reverse()
    last_first = db.session.scalar(
        sa.select(messages_table.c.content).where(*conversation, messages_table.c.proactive == sa.true())
        .order_by(messages_table.c.id.desc()).limit(1))
    # What the user said, typed or in a voice note's transcript, as the reply task reads it (text_of)
    said = [text_of(row) for row in reversed(recent) if row.sender == Sender.USER and row.type in ("text", "voice")]
    language = next(filter(None, map(detect_language, said[:5])), None) or persona.language or "en"
    request = ReplyRequest(
        persona=persona, user_name=user_name,
        history=tuple(ChatLine(sender=row.sender, content=text_of(row), type=row.type) for row in recent),
        new_messages=(), conversation_key=f"{due.user_id}:{persona.slug}",
        memory=memory.memory_lines(due.user_id, due.companion_id),
        avoid=(last_first,) if last_first else (), proactive=True)
    return request, language


def write_due_first_messages(app: Flask, cpu_slot, now: datetime | None = None) -> int:
    """One check: write her first message in every conversation due; returns how many were stored.
    PROACTIVE_AFTER_HOURS = 0 turns it off."""
    config = app.config
    hours = config["PROACTIVE_AFTER_HOURS"]
    if hours <= 0:
        return 0
    owner = config["WORKER_ID"]
    lease = timedelta(seconds=config["WORK_LEASE_SECONDS"])
    retry = timedelta(seconds=config["PROACTIVE_RETRY_SECONDS"])
    started, now = time.monotonic(), now or utcnow()

    def clock() -> datetime:
        """The check's time now: now advanced by the time spent since (model calls are slow), so each
        claim is timed when it is taken, not when the check began."""
        return now + timedelta(seconds=time.monotonic() - started)

    with app.app_context():
        due = [found for found in due_conversations(now, timedelta(hours=hours), owner)
               if not at_night(found.time_zone, config["PROACTIVE_NIGHT"], now)]
        db.session.remove()
    stored = 0
    for found in due:
        with app.app_context():
            try:
                stored += write_first_message(app, found, owner, lease, clock, cpu_slot, retry)
            except Exception:  # noqa: BLE001 - one conversation's failure leaves the others their turn
                db.session.rollback()
                log.exception("first message failed for user=%s companion=%s", found.user_id, found.companion_id)
                try:
                    back_off(found.user_id, found.companion_id, owner, retry, clock())
                except Exception:  # noqa: BLE001 - the lease lapses on its own
                    db.session.rollback()
            finally:
                db.session.remove()
    return stored


def write_first_message(app: Flask, due: DueConversation, owner: str, lease: timedelta, clock, cpu_slot,
                        retry: timedelta = timedelta(0)) -> bool:
    """Claim (timed by clock() now), compose and store one first message; when it cannot be written,
    back off for retry (PROACTIVE_RETRY_SECONDS)."""
    if not claim(due.user_id, due.companion_id, owner, lease, clock()):
        return False
    companion = directory.by_id(due.companion_id)
    loaded = first_message_request(due) if companion else None
    db.session.close()  # no transaction open while the provider composes
    if loaded is None:
        log.warning("first message not written (the account or the companion is gone): tried again later")
        back_off(due.user_id, due.companion_id, owner, retry, clock())
        return False
    request, language = loaded
    provider = app.extensions["reply_provider"]
    try:
        with cpu_slot() if not provider.streams else nullcontext():  # waiting for a model takes no slot
            text = provider.compose(request).text
    except ProviderError as error:
        fallback = app.extensions.get("fallback_reply_provider")
        if fallback is None:
            log.warning("first message not written (%s): a check after PROACTIVE_RETRY_SECONDS tries again",
                        error.kind)
            back_off(due.user_id, due.companion_id, owner, retry, clock())
            return False
        text = fallback.compose(request).text
    text = keep_honest(" ".join(text.split()), language)
    if not text:
        back_off(due.user_id, due.companion_id, owner, retry, clock())
        return False
    return proactive.store_first_message(due.user_id, companion, text, due.newest_id, owner) is not None
