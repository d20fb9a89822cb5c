"""Work claimed once across processes, in the database (SQLite and PostgreSQL alike): a lease.

A conversation's reply task holds the conversation's ReplyClaim while it works and renews it; a
photo task claims its Photo row. A claim names its owner (WORKER_ID: this process) and lapses at
expires_at, so the work of a process that stopped (kill -9, a lost machine) is taken over by
another once WORK_LEASE_SECONDS have passed, by the sweep (scheduler.sweep_forever) or the next
start. The owner takes its own claims back at once (a restart on the same host and port).

The claim only decides who works; exactly-once storage is still the writes' own: a reply is stored
only if the messages it answers are still unanswered, a photo only if it is still pending.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from dreamchat.extensions import db
from dreamchat.models import UNANSWERED_WHERE, Group, GroupMessage, Message, Photo, ReplyClaim, Sender, utcnow

claims_table, photos_table, messages_table = ReplyClaim.__table__, Photo.__table__, Message.__table__
groups_table, group_messages_table = Group.__table__, GroupMessage.__table__


def _claim_conversation_statement() -> sa.Insert:
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(claims_table).values(user_id=sa.bindparam("uid"), companion_id=sa.bindparam("cid"),
                                            owner=sa.bindparam("me"), expires_at=sa.bindparam("until"))
    return statement.on_conflict_do_update(
        index_elements=["user_id", "companion_id"],
        set_={"owner": statement.excluded.owner, "expires_at": statement.excluded.expires_at},
        where=sa.or_(claims_table.c.owner == statement.excluded.owner,
                     claims_table.c.expires_at < sa.bindparam("now"))).returning(claims_table.c.owner)


def claim_conversation(user_id: int, companion_id: int, owner: str, lease: timedelta) -> bool:
    """Take (or renew) the conversation's reply claim; False while another process holds it. Commits."""
    now = utcnow()
    taken = db.session.execute(_claim_conversation_statement(), {
        "uid": user_id, "cid": companion_id, "me": owner, "until": now + lease, "now": now}).scalar()
    db.session.commit()
    return taken is not None


def release_conversation(user_id: int, companion_id: int, owner: str) -> None:
    db.session.execute(claims_table.delete().where(claims_table.c.user_id == user_id,
                                                   claims_table.c.companion_id == companion_id,
                                                   claims_table.c.owner == owner))
    db.session.commit()


def release_all(owner: str) -> None:
    """A process stopping with work undone lets go of its claims, for the others to take over now."""
    db.session.execute(claims_table.delete().where(claims_table.c.owner == owner))
    db.session.execute(photos_table.update().where(photos_table.c.claimed_by == owner,
                                                   photos_table.c.status == "pending")
                       .values(claimed_by=None, claim_expires_at=None))
    db.session.execute(groups_table.update().where(groups_table.c.claimed_by == owner)
                       .values(claimed_by=None, claim_expires_at=None))
    db.session.commit()


def claim_photo(photo_id: int, owner: str, lease: timedelta) -> bool:
    """Take a pending photo to make; False when it is done, failed, or another process is making it."""
    now = utcnow()
    taken = db.session.execute(photos_table.update().where(
        photos_table.c.id == photo_id, photos_table.c.status == "pending",
        sa.or_(photos_table.c.claimed_by.is_(None), photos_table.c.claimed_by == owner,
               photos_table.c.claim_expires_at < now))
        .values(claimed_by=owner, claim_expires_at=now + lease)).rowcount
    db.session.commit()
    return taken == 1


def unclaimed_conversations(now: datetime, owner: str) -> list[tuple[int, int]]:
    """Conversations with unanswered messages whose reply nobody is working on (no claim, a lapsed
    one, or this process's own from before a restart)."""
    live = sa.exists().where(claims_table.c.user_id == messages_table.c.user_id,
                             claims_table.c.companion_id == messages_table.c.companion_id,
                             claims_table.c.expires_at >= now, claims_table.c.owner != owner)
    return [tuple(row) for row in db.session.execute(
        sa.select(messages_table.c.user_id, messages_table.c.companion_id).distinct().where(
            messages_table.c.sender == Sender.USER.value, messages_table.c.answered_at.is_(None), ~live))]


def unclaimed_photos(now: datetime, owner: str) -> list[int]:
    """Pending photos nobody is making."""
    return list(db.session.scalars(sa.select(photos_table.c.id).where(
        photos_table.c.status == "pending",
        sa.or_(photos_table.c.claimed_by.is_(None), photos_table.c.claimed_by == owner,
               photos_table.c.claim_expires_at < now))))


# The claim left on a group whose turn failed (the model, no fallback): the sweeps leave the group alone
# until it lapses (GROUP_RETRY_SECONDS); anyone may take it at once for a new message.
RETRY_LATER = "retry-after-failure"


def claim_group(group_id: int, owner: str, lease: timedelta) -> bool:
    """Take (or renew) a group chat's reply claim (a lease on its row); False while another process holds it."""
    now = utcnow()
    taken = db.session.execute(groups_table.update().where(
        groups_table.c.id == group_id,
        sa.or_(groups_table.c.claimed_by.is_(None), groups_table.c.claimed_by == owner,
               groups_table.c.claimed_by == RETRY_LATER, groups_table.c.claim_expires_at < now))
        .values(claimed_by=owner, claim_expires_at=now + lease)).rowcount
    db.session.commit()
    return taken == 1


def back_off_group(group_id: int, owner: str, seconds: float) -> None:
    """The turn failed: no sweep retakes the group for `seconds` (0: released, retried at the next sweep)."""
    values = ({"claimed_by": RETRY_LATER, "claim_expires_at": utcnow() + timedelta(seconds=seconds)} if seconds > 0
              else {"claimed_by": None, "claim_expires_at": None})
    db.session.execute(groups_table.update().where(groups_table.c.id == group_id, groups_table.c.claimed_by == owner)
                       .values(**values))
    db.session.commit()


def release_group(group_id: int, owner: str) -> None:
    db.session.execute(groups_table.update().where(groups_table.c.id == group_id, groups_table.c.claimed_by == owner)
                       .values(claimed_by=None, claim_expires_at=None))
    db.session.commit()


def unclaimed_groups(now: datetime, owner: str) -> list[tuple[int, int]]:
    """(user_id, group_id) of the group chats with an unfinished turn that nobody is working on."""
    # Along ix_group_messages_unanswered (its predicate word for word, so SQLite uses it).
    waiting = sa.select(group_messages_table.c.group_id).where(sa.text(UNANSWERED_WHERE))
    return [tuple(row) for row in db.session.execute(
        sa.select(groups_table.c.user_id, groups_table.c.id).where(
            groups_table.c.id.in_(waiting),
            sa.or_(groups_table.c.claimed_by.is_(None), groups_table.c.claimed_by == owner,
                   groups_table.c.claim_expires_at < now)))]
