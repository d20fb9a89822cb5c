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
from dreamchat.socket_users import forget_socket_user

log = logging.getLogger(__name__)

PENDING_EVENTS = "dreamchat.pending_events"


@dataclass(frozen=True)
class PendingEvent:
    """An event recorded in `transaction` (a savepoint or the session's transaction), not yet emitted."""

    transaction: SessionTransaction
    user_id: int
    name: str
    payload: dict
    skip_sid: str | None


users, user_events = User.__table__, UserEvent.__table__
TAKE_SEQS = (sa.update(users).where(users.c.id == sa.bindparam("uid"))
             .values(last_event_seq=users.c.last_event_seq + sa.bindparam("count"))
             .returning(users.c.last_event_seq))
INSERT_EVENTS = sa.insert(user_events)


def record_event(user_id: int, name: str, payload: dict, skip_sid: str | None = None,
                 seq: int | None = None) -> dict:
    """Number an event inside the current transaction; it is emitted to the user's room after the
    commit (skip_sid: a socket that already knows, the sender's). Returns the payload with its seq.
    seq: a number already taken (next_event_seq) in this transaction.

    The row lock taken on the user by the increment keeps seq order equal to commit order.
    """
    return record_events(user_id, [(name, payload)], skip_sid=skip_sid, first_seq=seq)[0]


def record_events(user_id: int, events: list[tuple[str, dict]], skip_sid: str | None = None,
                  first_seq: int | None = None) -> list[dict]:
    """record_event for several events of one user at once: one statement numbers them, one stores them."""
    session = db.session()
    if session.new or session.deleted or session.dirty:
        session.flush()
    connection = session.connection()
    if first_seq is None:
        first_seq = connection.execute(TAKE_SEQS, {"uid": user_id, "count": len(events)}).scalar_one() - len(events) + 1
    now = utcnow()
    payloads = [{**payload, "seq": first_seq + offset} for offset, (_, payload) in enumerate(events)]
    connection.execute(INSERT_EVENTS, [
        {"user_id": user_id, "seq": payload["seq"], "name": name, "payload_json": json.dumps(payload), "created_at": now}
        for (name, _), payload in zip(events, payloads)])
    prune_event_log(user_id, first_seq, payloads[-1]["seq"])
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(PENDING_EVENTS, []).extend(
        PendingEvent(transaction, user_id, name, payload, skip_sid) for (name, _), payload in zip(events, payloads))
    return payloads


def next_event_seq(user_id: int) -> int:
    """Take the user's next event number, for record_event(seq=...)."""
    return db.session.connection().execute(TAKE_SEQS, {"uid": user_id, "count": 1}).scalar_one()


def prune_every(keep: int) -> int:
    """How often (in events per user) to prune: about a tenth of what is kept, at most every 100."""
    return max(1, min(100, keep // 10)) if keep else 100


def prune_event_log(user_id: int, first_seq: int, last_seq: int) -> None:
    """Each time the user's seq passes a multiple of prune_every(keep), delete the user's events beyond
    the last EVENT_LOG_KEEP and those older than EVENT_LOG_DAYS (0 turns either off), in the current
    transaction: one indexed DELETE, so the log holds at most keep + prune_every events per user."""
    config = current_app.config
    keep = max(0, int(config.get("EVENT_LOG_KEEP", 1000) or 0))
    days = max(0.0, float(config.get("EVENT_LOG_DAYS", 7) or 0))
    every = prune_every(keep)
    if not (keep or days) or last_seq // every == (first_seq - 1) // every:
        return
    too_old = []
    if keep:
        too_old.append(user_events.c.seq <= last_seq - keep)
    if days:
        too_old.append(user_events.c.created_at < utcnow() - timedelta(days=days))
    db.session.connection().execute(sa.delete(user_events).where(
        user_events.c.user_id == user_id, user_events.c.seq < last_seq, sa.or_(*too_old)))


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
    """The user's events after last_seq, in order; reset when more than REPLAY_MAX_EVENTS or
    REPLAY_MAX_BYTES, or when the first of them is no longer kept (pruned: older than the oldest kept)."""
    config = current_app.config
    max_events, max_bytes = config["REPLAY_MAX_EVENTS"], config["REPLAY_MAX_BYTES"]
    current = db.session.scalar(sa.select(User.last_event_seq).where(User.id == user_id)) or 0
    if last_seq >= current:
        return Replay(events=[], last_seq=current, reset=last_seq > current)
    if max_events and current - last_seq > max_events:
        return Replay(events=[], last_seq=current, reset=True)
    query = (sa.select(UserEvent.seq, UserEvent.name, UserEvent.payload_json)
             .where(UserEvent.user_id == user_id, UserEvent.seq > last_seq).order_by(UserEvent.seq))
    rows = db.session.execute(query.limit(max_events) if max_events else query).all()
    if not rows or rows[0].seq != last_seq + 1:
        return Replay(events=[], last_seq=current, reset=True)
    if max_bytes and sum(len(row.payload_json) for row in rows) > max_bytes:
        return Replay(events=[], last_seq=current, reset=True)
    events = [{"name": row.name, "payload": json.loads(row.payload_json)} for row in rows]
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
        forget_socket_user(sid)
        socketio.server.disconnect(sid, namespace="/")
