"""The hot path: group commit, statements per message, messages built without a reload, bounded replies."""
from __future__ import annotations

import json
import threading
import time

import pytest
import sqlalchemy as sa

from dreamchat import writer
from dreamchat.actions.events import record_event
from dreamchat.extensions import db, socketio
from dreamchat.models import Message, User, UserEvent
from tests.conftest import captured_statements, new_client_id, wait_for_background_work, wait_for_events


def replies_in(events: list[dict]) -> list[dict]:
    return [e["args"][0]["message"] for e in events
            if e["name"] == "message_received" and e["args"][0]["message"]["sender"] == "girl"]


def user_id_of(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def count_commits(app):
    commits = []
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "commit", lambda _conn: commits.append(1))
    return commits


def test_writes_queued_together_commit_together_in_queue_order(app, auth_factory):
    _, sio = auth_factory(app, "alex")
    user_id = user_id_of(app, "alex")
    gate = threading.Event()
    results: list[int] = []

    def job(number: int) -> int:
        gate.wait(5)  # the first job holds the writer until every other job is queued
        return record_event(user_id, "system_notice", {"girl_id": "emma", "kind": "test", "message": str(number)})["seq"]

    def writer_call(number: int) -> None:
        with app.app_context():
            results.append((number, writer.write(job, number)))

    commits = count_commits(app)
    first = threading.Thread(target=writer_call, args=(0,))
    first.start()
    time.sleep(0.2)
    others = [threading.Thread(target=writer_call, args=(n,)) for n in range(1, 21)]
    for thread in others:
        thread.start()
        time.sleep(0.01)
    gate.set()
    for thread in [first, *others]:
        thread.join(10)

    assert len(results) == 21
    assert len(commits) == 2, "the 20 jobs queued behind the first one commit in one transaction"
    by_number = dict(results)
    assert [by_number[n] for n in range(21)] == list(range(1, 22)), "seq follows queue (and commit) order"
    received = [e["args"][0] for e in sio.get_received() if e["name"] == "system_notice"]
    assert [notice["seq"] for notice in received] == list(range(1, 22)), "emitted after the commit, in order"


def test_a_failing_write_fails_alone_and_the_batch_is_stored(app, auth_factory):
    _, sio = auth_factory(app, "alex")
    user_id = user_id_of(app, "alex")
    gate = threading.Event()
    outcomes: dict[int, object] = {}

    def job(number: int) -> int:
        gate.wait(5)
        seq = record_event(user_id, "system_notice", {"girl_id": "emma", "kind": "test", "message": str(number)})["seq"]
        if number == 3:
            raise ValueError("this one is bad")
        return seq

    def writer_call(number: int) -> None:
        with app.app_context():
            try:
                outcomes[number] = writer.write(job, number)
            except ValueError as error:
                outcomes[number] = error

    threads = [threading.Thread(target=writer_call, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
        time.sleep(0.02)
    gate.set()
    for thread in threads:
        thread.join(10)

    assert isinstance(outcomes[3], ValueError)
    stored = [outcome for number, outcome in sorted(outcomes.items()) if number != 3]
    assert stored == sorted(stored) and len(set(stored)) == 5
    with app.app_context():
        kept = list(db.session.scalars(sa.select(UserEvent.payload_json).where(UserEvent.user_id == user_id)))
    assert sorted(int(json.loads(payload)["message"]) for payload in kept) == [0, 1, 2, 4, 5]
    notices = [e["args"][0]["message"] for e in sio.get_received() if e["name"] == "system_notice"]
    assert sorted(notices) == ["0", "1", "2", "4", "5"], "nothing is emitted for the rolled-back write"


def test_a_write_inside_a_write_runs_inline(app, auth_factory):
    auth_factory(app, "alex")
    user_id = user_id_of(app, "alex")

    def inner() -> int:
        return record_event(user_id, "system_notice", {"girl_id": "emma", "kind": "test", "message": "inner"})["seq"]

    def outer() -> tuple[int, int]:
        return inner_seq(), record_event(user_id, "system_notice", {"girl_id": "emma", "kind": "t", "message": "o"})["seq"]

    def inner_seq() -> int:
        return writer.write(inner)

    with app.app_context():
        assert writer.write(outer) == (1, 2)


@pytest.mark.parametrize("batch_max", [0, 1])
def test_the_chat_works_with_the_writer_off_or_one_job_per_commit(make_app, auth_factory, batch_max):
    app = make_app(WRITE_BATCH_MAX=batch_max)
    _, sio = auth_factory(app)
    ack = sio.emit("send_message", {"girl_id": "emma", "content": "hello", "client_id": new_client_id()},
                   callback=True)
    assert ack["ok"] and ack["seq"] == 1
    assert replies_in(wait_for_events(sio, lambda events: replies_in(events)))


def test_acked_and_emitted_messages_are_what_is_stored(app, auth_factory):
    """The hot path builds the message JSON without reading it back: it must equal the stored row's."""
    client, sio = auth_factory(app, "alex")
    other_tab = socketio.test_client(app, flask_test_client=client)
    other_tab.get_received()
    ack = sio.emit("send_message", {"girl_id": "emma", "content": "I love jazz, and you?",
                                    "client_id": new_client_id()}, callback=True)
    replies = replies_in(wait_for_events(sio, lambda events: replies_in(events)))
    crisis_ack = sio.emit("send_message", {"girl_id": "emma", "content": "I want to kill myself",
                                           "client_id": new_client_id()}, callback=True)
    crisis = [r for r in replies_in(wait_for_events(sio, lambda events: replies_in(events))) if r.get("safety")]
    wait_for_background_work(app)
    seen_by_other_tab = [e["args"][0]["message"] for e in other_tab.get_received() if e["name"] == "message_received"]
    other_tab.disconnect()
    with app.app_context():
        stored = {m.id: m.to_dict() for m in db.session.scalars(sa.select(Message))}
    def as_stored(message: dict) -> bool:  # read_at moves later, when the other side reads it
        return message == stored[message["id"]] | {"read_at": message["read_at"]}

    assert as_stored(ack["message"]) and as_stored(crisis_ack["message"]) and as_stored(replies[0])
    assert crisis and as_stored(crisis[0]) and crisis[0]["resources"]
    assert len(seen_by_other_tab) == 4 and all(map(as_stored, seen_by_other_tab))


def test_a_message_costs_a_few_statements(app, auth_factory):
    """Counted, not timed: a send and its reply stay lean (see scripts/benchmark.py for the figures)."""
    _, sio = auth_factory(app, "alex")
    sio.emit("send_message", {"girl_id": "emma", "content": "warm up", "client_id": new_client_id()}, callback=True)
    wait_for_events(sio, lambda events: replies_in(events))
    wait_for_background_work(app)
    with captured_statements(app) as executed:
        ack = sio.emit("send_message", {"girl_id": "emma", "content": "how was your day?",
                                        "client_id": new_client_id()}, callback=True)
        sent = len(executed)
        wait_for_events(sio, lambda events: replies_in(events))
        wait_for_background_work(app)
    statements = [run.statement for run in executed]
    assert ack["ok"]
    assert sent <= 4, statements[:sent]
    assert len(statements) <= 18, statements  # 16, and the conversation's claim taken and let go
    assert not any(statement.strip().upper().startswith("SELECT 1") for statement in statements)


def test_replies_wait_for_a_slot_and_every_message_is_answered(make_app, auth_factory, monkeypatch):
    app = make_app(MAX_CONCURRENT_REPLIES=1)
    provider = app.extensions["reply_provider"]
    running, most = [0], [0]
    lock = threading.Lock()
    compose = provider.compose

    def slow_compose(request):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        try:
            return compose(request)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(provider, "compose", slow_compose)
    sockets = [auth_factory(app)[1] for _ in range(4)]
    for sio in sockets:
        assert sio.emit("send_message", {"girl_id": "emma", "content": "hi there", "client_id": new_client_id()},
                        callback=True)["ok"]
    for sio in sockets:
        assert len(replies_in(wait_for_events(sio, lambda events: replies_in(events)))) == 1
    assert most[0] == 1


def test_replay_of_a_thousand_events_is_one_sync_and_bounded_in_bytes(make_app, auth_factory):
    app = make_app(REPLAY_MAX_BYTES=200_000)
    _, sio = auth_factory(app, "alex")
    user_id = user_id_of(app, "alex")
    with app.app_context():
        for number in range(1000):
            record_event(user_id, "system_notice", {"girl_id": "emma", "kind": "test", "message": f"n{number}"})
        db.session.commit()
    sio.get_received()
    assert sio.emit("sync", {"last_seq": 0}, callback=True)["ok"]
    sync = next(e["args"][0] for e in sio.get_received() if e["name"] == "sync")
    assert not sync["reset"] and len(sync["events"]) == 1000 and sync["last_seq"] == 1000

    with app.app_context():
        for number in range(1000):
            record_event(user_id, "system_notice", {"girl_id": "emma", "kind": "test", "message": "x" * 300})
        db.session.commit()
    assert sio.emit("sync", {"last_seq": 1000}, callback=True)["ok"]
    sync = next(e["args"][0] for e in sio.get_received() if e["name"] == "sync")
    assert sync["reset"] and sync["events"] == [] and sync["last_seq"] == 2000
