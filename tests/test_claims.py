"""Work claimed once across processes: two apps on one database file stand for two processes."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dreamchat.extensions import db, socketio
from dreamchat.models import Companion, Message, Photo, ReplyClaim, Sender, User, utcnow
from dreamchat.tasks import claims
from tests.conftest import make_test_app, wait_for_background_work

LEASE = timedelta(seconds=30)


@pytest.fixture
def two_processes(tmp_path, migrated_database):
    """Two apps sharing one SQLite file, each with its own WORKER_ID (as two processes would)."""
    first = make_test_app(tmp_path, migrated_database, WORKER_ID="host:5001", WORK_LEASE_SECONDS=0.5)
    second = make_test_app(tmp_path, migrated_database, WORKER_ID="host:5002", WORK_LEASE_SECONDS=0.5)
    second.config["SQLALCHEMY_DATABASE_URI"] = first.config["SQLALCHEMY_DATABASE_URI"]
    yield first, second
    for app in (first, second):
        wait_for_background_work(app)


def a_user_with_unanswered(app, count: int = 1, slug: str = "emma") -> tuple[int, int]:
    with app.app_context():
        user = User(username=f"u{time.monotonic_ns()}", password_hash="x")
        db.session.add(user)
        db.session.flush()
        companion_id = db.session.scalar(sa.select(Companion.id).where(Companion.slug == slug))
        for number in range(count):
            db.session.add(Message(user_id=user.id, companion_id=companion_id, sender=Sender.USER, type="text",
                                   content=f"hello {number}"))
        db.session.commit()
        return user.id, companion_id


def replies_of(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Message.content).where(
            Message.user_id == user_id, Message.sender == Sender.COMPANION, Message.status == "done")))


def test_a_conversation_is_claimed_by_one_process_until_its_lease_lapses(app):
    user_id, companion_id = a_user_with_unanswered(app)
    with app.app_context():
        assert claims.claim_conversation(user_id, companion_id, "a", LEASE)
        assert claims.claim_conversation(user_id, companion_id, "a", LEASE), "the owner renews"
        assert not claims.claim_conversation(user_id, companion_id, "b", LEASE)
        assert claims.unclaimed_conversations(utcnow(), "b") == []
        assert claims.unclaimed_conversations(utcnow(), "a") == [(user_id, companion_id)], "its own, after a restart"
        db.session.execute(sa.update(ReplyClaim).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert claims.unclaimed_conversations(utcnow(), "b") == [(user_id, companion_id)]
        assert claims.claim_conversation(user_id, companion_id, "b", LEASE), "a lapsed claim is taken over"
        assert not claims.claim_conversation(user_id, companion_id, "a", LEASE)
        claims.release_conversation(user_id, companion_id, "a")
        assert db.session.scalar(sa.select(ReplyClaim.owner)) == "b", "only the owner lets go"
        claims.release_conversation(user_id, companion_id, "b")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReplyClaim)) == 0


def test_a_photo_is_made_by_one_process(app):
    user_id, companion_id = a_user_with_unanswered(app)
    with app.app_context():
        photo = Photo(user_id=user_id, companion_id=companion_id, request_id="r1")
        db.session.add(photo)
        db.session.commit()
        assert claims.claim_photo(photo.id, "a", LEASE)
        assert not claims.claim_photo(photo.id, "b", LEASE)
        assert claims.unclaimed_photos(utcnow(), "b") == []
        db.session.execute(sa.update(Photo).values(claim_expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert claims.claim_photo(photo.id, "b", LEASE)
        db.session.execute(sa.update(Photo).values(status="done"))
        db.session.commit()
        assert not claims.claim_photo(photo.id, "b", LEASE) and claims.unclaimed_photos(utcnow(), "b") == []


def test_a_second_process_waits_for_the_claim_then_answers_what_is_left(two_processes):
    first, second = two_processes
    user_id, companion_id = a_user_with_unanswered(first)
    with first.app_context():
        assert claims.claim_conversation(user_id, companion_id, first.config["WORKER_ID"], LEASE)
    with second.app_context():
        second.extensions["companion_worker"].reply_later(user_id, companion_id)
    time.sleep(1.2)
    assert replies_of(second, user_id) == [], "no reply while the first process holds the conversation"
    with first.app_context():
        claims.release_conversation(user_id, companion_id, first.config["WORKER_ID"])
    deadline = time.monotonic() + 5
    while not replies_of(second, user_id) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(replies_of(second, user_id)) == 1


def test_a_stopped_processs_conversation_is_taken_over_when_its_lease_lapses(two_processes):
    first, second = two_processes
    user_id, companion_id = a_user_with_unanswered(first, count=2)
    with first.app_context():  # the first process claimed it, then stopped: its lease (0.5 s) lapses
        assert claims.claim_conversation(user_id, companion_id, first.config["WORKER_ID"], timedelta(seconds=0.5))
    scheduler = second.extensions["companion_worker"]
    scheduler.take_over_unclaimed_work()
    assert replies_of(second, user_id) == []
    time.sleep(0.6)
    scheduler.take_over_unclaimed_work()
    deadline = time.monotonic() + 5
    while not replies_of(second, user_id) and time.monotonic() < deadline:
        time.sleep(0.1)
    wait_for_background_work(second)
    assert len(replies_of(second, user_id)) == 1
    with second.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReplyClaim)) == 0, "let go when done"


def test_both_processes_resuming_answer_each_conversation_once(two_processes, monkeypatch):
    """Each conversation is composed by one process only (the claim), and stored once."""
    first, second = two_processes
    users = [a_user_with_unanswered(first, count=2, slug=slug) for slug in ("emma", "luna", "sofia")]
    composed = []
    for app in (first, second):
        provider = app.extensions["reply_provider"]
        monkeypatch.setattr(provider, "compose", lambda request, compose=provider.compose, worker=app.config[
            "WORKER_ID"]: composed.append((worker, request.conversation_key)) or compose(request))
    for app in (first, second):
        app.extensions["companion_worker"].resume_unfinished()
    for app in (first, second):
        wait_for_background_work(app)
    time.sleep(1.5)  # a task that waited for the other's claim gives up once nothing is left
    for app in (first, second):
        wait_for_background_work(app)
    assert [len(replies_of(first, user_id)) for user_id, _ in users] == [1, 1, 1]
    assert len(composed) == 3 and len({key for _, key in composed}) == 3, composed


def test_the_sweep_is_off_at_zero(make_app):
    app = make_app(WORK_SWEEP_SECONDS=0)
    started = time.monotonic()
    app.extensions["companion_worker"].sweep_forever()
    assert time.monotonic() - started < 0.5
    assert socketio.server is not None


def test_a_process_stopping_with_work_undone_lets_go_of_its_claims(app):
    user_id, companion_id = a_user_with_unanswered(app)
    with app.app_context():
        photo = Photo(user_id=user_id, companion_id=companion_id, request_id="r1")
        db.session.add(photo)
        db.session.commit()
        assert claims.claim_conversation(user_id, companion_id, "a", LEASE) and claims.claim_photo(photo.id, "a", LEASE)
        claims.release_all("a")
        assert claims.unclaimed_conversations(utcnow(), "b") == [(user_id, companion_id)]
        assert claims.unclaimed_photos(utcnow(), "b") == [photo.id]
