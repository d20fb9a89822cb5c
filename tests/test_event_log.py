"""The replay log (user_events) is bounded: the last EVENT_LOG_KEEP events per user, none older than
EVENT_LOG_DAYS, pruned as events are recorded; a replay past what is kept answers reset."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from dreamchat.actions.events import prune_every, record_event, replay_since
from dreamchat.extensions import db
from dreamchat.models import User, UserEvent, utcnow
from tests.conftest import payloads, wait_for_events


def new_user(app, auth_factory, username: str) -> int:
    """A registered user (through the sign-up form, as any user); their id."""
    auth_factory(app, username)
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def record(app, user_id: int, count: int) -> None:
    with app.app_context():
        for n in range(count):
            record_event(user_id, "system_notice", {"girl_id": "emma", "kind": "test", "message": f"n{n}"})
            db.session.commit()


def kept_seqs(app, user_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(UserEvent.seq).where(UserEvent.user_id == user_id)
                                       .order_by(UserEvent.seq)))


def test_keeps_the_last_events_per_user(make_app, auth_factory):
    app = make_app(EVENT_LOG_KEEP=50, EVENT_LOG_DAYS=7)
    alice, bob = new_user(app, auth_factory, "alice"), new_user(app, auth_factory, "bob")
    record(app, alice, 237)
    record(app, bob, 20)
    seqs = kept_seqs(app, alice)
    assert seqs == list(range(seqs[0], 238)), "the newest events are kept, in one run"
    assert 50 <= len(seqs) < 50 + prune_every(50)
    assert kept_seqs(app, bob) == list(range(1, 21)), "another user's events are not touched"


def test_keep_zero_and_days_zero_keep_everything(make_app, auth_factory):
    app = make_app(EVENT_LOG_KEEP=0, EVENT_LOG_DAYS=0)
    user = new_user(app, auth_factory, "alice")
    record(app, user, 250)
    assert kept_seqs(app, user) == list(range(1, 251))


def test_events_older_than_the_days_are_pruned(make_app, auth_factory):
    app = make_app(EVENT_LOG_KEEP=0, EVENT_LOG_DAYS=7)
    user = new_user(app, auth_factory, "alice")
    record(app, user, 30)
    with app.app_context():
        db.session.execute(sa.update(UserEvent).where(UserEvent.user_id == user, UserEvent.seq <= 20)
                           .values(created_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    record(app, user, 100 - 30)  # seq 100 prunes (every 100th event when only days are set)
    assert kept_seqs(app, user) == list(range(21, 101))


def test_a_rolled_back_event_prunes_nothing(make_app, auth_factory):
    app = make_app(EVENT_LOG_KEEP=5, EVENT_LOG_DAYS=0)  # prunes at every event
    user = new_user(app, auth_factory, "alice")
    record(app, user, 9)
    assert kept_seqs(app, user) == [5, 6, 7, 8, 9]
    with app.app_context():
        record_event(user, "system_notice", {"girl_id": "emma", "kind": "test", "message": "x"})  # would drop 5
        db.session.rollback()
    assert kept_seqs(app, user) == [5, 6, 7, 8, 9]


def test_replay_resets_past_the_oldest_kept_event(make_app, auth_factory):
    app = make_app(EVENT_LOG_KEEP=20, EVENT_LOG_DAYS=7)
    user = new_user(app, auth_factory, "alice")
    record(app, user, 100)
    oldest = kept_seqs(app, user)[0]
    assert oldest > 60
    with app.app_context():
        behind = replay_since(user, oldest - 2)
        assert behind.reset is True and behind.events == [] and behind.last_seq == 100
        just_in = replay_since(user, oldest - 1)
        assert just_in.reset is False
        assert [e["payload"]["seq"] for e in just_in.events] == list(range(oldest, 101))
        recent = replay_since(user, 95)
        assert recent.reset is False and [e["payload"]["seq"] for e in recent.events] == [96, 97, 98, 99, 100]
        assert replay_since(user, 100) == replay_since(user, 100)
        assert replay_since(user, 100).events == [] and replay_since(user, 100).reset is False


def test_sync_over_the_socket_resets_past_the_kept_log(make_app, auth_factory):
    app = make_app(EVENT_LOG_KEEP=5, EVENT_LOG_DAYS=7, BREAK_REMINDER_MINUTES=0)
    _, sio = auth_factory(app, "alice")
    with app.app_context():
        user = db.session.scalar(sa.select(User.id).where(User.username == "alice"))
    sio.get_received()
    record(app, user, 30)
    assert sio.emit("sync", {"last_seq": 1}, callback=True) == {"ok": True}
    events = wait_for_events(sio, lambda got: any(e["name"] == "sync" for e in got))
    assert payloads(events, "sync")[-1] == {"events": [], "last_seq": 30, "reset": True}
    assert sio.emit("sync", {"last_seq": 28}, callback=True) == {"ok": True}
    events = wait_for_events(sio, lambda got: any(e["name"] == "sync" for e in got))
    replay = payloads(events, "sync")[-1]
    assert replay["reset"] is False and [e["payload"]["seq"] for e in replay["events"]] == [29, 30]
