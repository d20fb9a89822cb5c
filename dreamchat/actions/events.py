"""The user's numbered events: record_event() inside a transaction, emitted to the user's tabs once it commits.

Every change to a conversation is stored together with a UserEvent (seq 1, 2, 3... per user) in the
same transaction. record_event() also queues the event on the session; the after_commit listener
below emits what that session queued, once the transaction is committed, so no caller has to
remember to emit and nothing is emitted for a transaction that rolled back. A tab that was away
asks for what it missed with replay_since().

The log is bounded: record_event() prunes the user's events beyond the last EVENT_LOG_KEEP or
older than EVENT_LOG_DAYS, every few events, in the same transaction; replay past what is kept
answers `reset`.

Passing signals (typing, reply pieces, photo progress) are not events: emit_to_user() sends them
at once and nothing stores them.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, SessionTransaction

from dreamchat.extensions import db, socketio
from dreamchat.models import User, UserEvent, user_room, utcnow

log = logging.getLogger(__name__)

PENDING_EVENTS = "dreamchat.pending_events"
REPLAY_LIMIT = 500


@dataclass(frozen=True)
class PendingEvent:
    """An event recorded in `transaction` (a savepoint or the session's transaction), not yet emitted."""

    transaction: SessionTransaction
    user_id: int
    name: str
    payload: dict
    skip_sid: str | None


def record_event(user_id: int, name: str, payload: dict, skip_sid: str | None = None) -> dict:
    """Number an event inside the current transaction; it is emitted to the user's room after the
    commit (skip_sid: a socket that already knows, the sender's). Returns the payload with its seq.

    The row lock taken on the user by the increment keeps seq order equal to commit order.
    """
    session = db.session()
    seq = session.execute(
        sa.update(User).where(User.id == user_id).values(last_event_seq=User.last_event_seq + 1)
        .returning(User.last_event_seq)).scalar_one()
    payload = {**payload, "seq": seq}
    session.add(UserEvent(user_id=user_id, seq=seq, name=name, payload_json=json.dumps(payload)))
    prune_event_log(user_id, seq)
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(PENDING_EVENTS, []).append(PendingEvent(transaction, user_id, name, payload, skip_sid))
    return payload


def prune_every(keep: int) -> int:
    """How often (in events per user) to prune: about a tenth of what is kept, at most every 100."""
    return max(1, min(100, keep // 10)) if keep else 100


def prune_event_log(user_id: int, seq: int) -> None:
    """Every prune_every(keep)-th event of a user, delete the user's events beyond the last
    EVENT_LOG_KEEP and those older than EVENT_LOG_DAYS (0 turns either off), in the current
    transaction: one indexed DELETE, so the log holds at most keep + prune_every events per user."""
    config = current_app.config
    keep = max(0, int(config.get("EVENT_LOG_KEEP", 1000) or 0))
    days = max(0.0, float(config.get("EVENT_LOG_DAYS", 7) or 0))
    if not (keep or days) or seq % prune_every(keep):
        return
    too_old = []
    if keep:
        too_old.append(UserEvent.seq <= seq - keep)
    if days:
        too_old.append(UserEvent.created_at < utcnow() - timedelta(days=days))
    db.session.execute(sa.delete(UserEvent).where(UserEvent.user_id == user_id, UserEvent.seq < seq,
                                                  sa.or_(*too_old))
                       .execution_options(synchronize_session=False))


@sa.event.listens_for(Session, "after_commit")
def emit_committed_events(session: Session) -> None:
    """Runs for every Session's commit (every app's); emits only what record_event queued on this one,
    and only when the outermost transaction commits (a released savepoint is not a commit yet).

    The database has committed when this runs. An emit that fails is logged, not raised: the
    commit stands and the event stays stored, so the user's tabs get it by replay.
    """
    if session.in_nested_transaction():
        return
    for event in session.info.pop(PENDING_EVENTS, ()):
        try:
            emit_to_user(event.user_id, event.name, event.payload, skip_sid=event.skip_sid)
        except Exception:  # noqa: BLE001 - see the docstring
            log.exception("could not emit %s (seq %s) to user %s", event.name, event.payload["seq"], event.user_id)


@sa.event.listens_for(Session, "after_soft_rollback")
def forget_rolled_back_events(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rollback (of the whole transaction or of a savepoint) takes back the events recorded in it."""
    pending = session.info.get(PENDING_EVENTS)
    if pending:
        pending[:] = [event for event in pending if not _within(event.transaction, previous_transaction)]


@sa.event.listens_for(Session, "after_transaction_end")
def forget_unfinished_events(session: Session, transaction: SessionTransaction) -> None:
    """A session closed without commit or rollback (Session.close, remove) leaves nothing queued."""
    if transaction.parent is None:
        session.info.pop(PENDING_EVENTS, None)


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def emit_to_user(user_id: int, event: str, payload: dict, skip_sid: str | None = None) -> None:
    """To every tab of the user, in every process; a passing signal when called directly."""
    socketio.emit(event, payload, to=user_room(user_id), skip_sid=skip_sid)


@dataclass(frozen=True)
class Replay:
    events: list[dict]
    last_seq: int
    reset: bool


def replay_since(user_id: int, last_seq: int) -> Replay:
    """The user's events after last_seq, in order; reset when too many to replay one by one, or
    when the first of them is no longer kept (pruned: older than the oldest kept event)."""
    current = db.session.scalar(sa.select(User.last_event_seq).where(User.id == user_id)) or 0
    if last_seq >= current:
        return Replay(events=[], last_seq=current, reset=last_seq > current)
    if current - last_seq > REPLAY_LIMIT:
        return Replay(events=[], last_seq=current, reset=True)
    rows = list(db.session.scalars(sa.select(UserEvent).where(UserEvent.user_id == user_id,
                                                              UserEvent.seq > last_seq)
                                   .order_by(UserEvent.seq).limit(REPLAY_LIMIT)))
    if not rows or rows[0].seq != last_seq + 1:
        return Replay(events=[], last_seq=current, reset=True)
    events = [{"name": row.name, "payload": row.payload} for row in rows]
    return Replay(events=events, last_seq=rows[-1].seq, reset=False)


def login_room(login_token: str) -> str:
    """The room of one login's sockets (one browser session), so logging out closes just those."""
    return f"login:{login_token}"


def close_sockets(room: str) -> None:
    """Every socket in the room gets `logged_out`: through the message queue when there is one, so
    other processes' sockets get it too (the page then leaves); this process's are also disconnected."""
    local_sids = [sid for sid, _ in socketio.server.manager.get_participants("/", room)]
    socketio.emit("logged_out", {}, to=room)
    for sid in local_sids:
        socketio.server.disconnect(sid, namespace="/")
