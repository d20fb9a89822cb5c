"""The reads of every page and every message do not grow with the history (issue 9).

Checked on the query plans (SQLite's EXPLAIN QUERY PLAN), not on timings: every statement that
GET /, GET /chat/<slug>, the history API, a send with its reply, read receipts and a photo request
run on `messages` and `photos` is captured, and its plan must use an index that bounds the work:
no scan of the table, no walk of a whole conversation (or of all the user's messages) along
ix_messages_conversation without a LIMIT, and the partial indexes of migration 0010 for unanswered
and unread messages and the photo count of the day.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from dreamchat.chat.routes import UNREAD_SHOWN
from dreamchat.extensions import db
from dreamchat.models import Message, Sender
from tests.conftest import captured_statements, wait_for_background_work

HISTORY = 2000  # enough rows that a plan is the one of a long history; the plans do not depend on it


def companion_ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(sa.text("SELECT slug, id FROM companions")).all())


def seed_history(app, user_id: int, companion_id: int, count: int = HISTORY) -> None:
    """count messages, half the user's (read and answered), half hers (read), then 3 unread of hers."""
    start = datetime(2025, 1, 1)
    rows = []
    for i in range(count // 2):
        at = start + timedelta(seconds=10 * i)
        rows.append(dict(sender=Sender.USER, content=f"message {i}", created_at=at, read_at=at, answered_at=at))
        rows.append(dict(sender=Sender.COMPANION, content=f"reply {i}", created_at=at, read_at=at, answered_at=None))
    at = start + timedelta(seconds=10 * count)
    rows += [dict(sender=Sender.COMPANION, content=f"unread {k}", created_at=at, read_at=None, answered_at=None)
             for k in range(3)]
    with app.app_context():
        db.session.execute(sa.insert(Message), [
            dict(user_id=user_id, companion_id=companion_id, type="text", status="done", **row) for row in rows])
        db.session.commit()


def user_id_of(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.text("SELECT id FROM users WHERE username = :name"), {"name": username})


def query_plan(app, statement: str, parameters: tuple = ()) -> str:
    with app.app_context():
        with db.engine.connect() as connection:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return "\n".join(row[-1] for row in rows)


TOUCHES_HISTORY = re.compile(r"\b(FROM|UPDATE|DELETE FROM|JOIN)\s+(messages|photos)\b", re.IGNORECASE)


def history_reads(app, executed) -> list[tuple[str, str]]:
    """(statement, plan) of each distinct single read, update or delete of messages or photos."""
    seen, found = set(), []
    for statement, parameters, executemany in executed:
        if executemany:
            continue
        parameters = tuple(parameters or ())
        text = " ".join(statement.split())
        if text in seen or not text.upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
            continue
        if not TOUCHES_HISTORY.search(text):
            continue
        seen.add(text)
        found.append((text, query_plan(app, statement, parameters)))
    return found


def problems_of(statement: str, plan: str) -> list[str]:
    """Why this statement's work grows with the history, if it does."""
    problems = []
    if re.search(r"\bSCAN (messages|photos)\b", plan):
        problems.append("scans the table")
    if "ix_messages_conversation (user_id=?)" in plan:
        problems.append("walks all of the user's messages")
    if "ix_messages_conversation" in plan and " LIMIT " not in statement.upper():
        problems.append("walks a whole conversation without a LIMIT")
    by_primary_key = "INTEGER PRIMARY KEY" in plan and "ix_messages" not in plan
    if not by_primary_key:
        if "answered_at IS NULL" in statement and "ix_messages_unanswered" not in plan:
            problems.append("unanswered messages without ix_messages_unanswered")
        if "read_at IS NULL" in statement and "ix_messages_unread" not in plan:
            problems.append("unread messages without ix_messages_unread")
    if "FROM photos" in statement and "created_at >=" in statement and "ix_photos_user_created" not in plan:
        problems.append("today's photos without ix_photos_user_created")
    return problems


@pytest.mark.parametrize("analyzed", [False, True], ids=["no-stats", "analyzed"])
def test_pages_and_messages_read_through_indexes(make_app, auth_factory, analyzed):
    app = make_app(DAILY_PHOTO_LIMIT=50)
    client, sio = auth_factory(app, username="longhistory")
    emma = companion_ids(app)["emma"]
    seed_history(app, user_id_of(app, "longhistory"), emma)
    if analyzed:  # the statistics of a long-lived database must not turn the planner to a scan
        with app.app_context():
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
    with app.app_context():
        middle = db.session.scalar(sa.text("SELECT id FROM messages ORDER BY id LIMIT 1 OFFSET 1000"))

    with captured_statements(app) as statements:
        assert client.get("/").status_code == 200
        assert client.get("/chat/emma").status_code == 200
        for query in ("", f"?before={middle}", f"?after={middle}&limit=20"):
            assert client.get(f"/api/conversations/emma/messages{query}").status_code == 200
        sent = sio.emit("send_message", {"girl_id": "emma", "content": "Hi Emma, how was your day?"}, callback=True)
        assert sent["ok"], sent
        wait_for_background_work(app)
        newest = client.get("/api/conversations/emma/messages?limit=10").get_json()["messages"]
        unread = [m["id"] for m in newest if m["sender"] == Sender.COMPANION and m["read_at"] is None]
        assert len(unread) >= 3  # the seeded ones and her reply
        assert sio.emit("mark_read", {"girl_id": "emma", "message_ids": unread}, callback=True)["ok"]
        asked = sio.emit("request_photo", {"girl_id": "emma", "context": "at the beach"}, callback=True)
        assert asked["ok"], asked
        wait_for_background_work(app)

    reads = history_reads(app, statements)
    problems = {statement: found for statement, plan in reads if (found := problems_of(statement, plan))}
    assert not problems, "\n\n".join(f"{statement}\n  -> {', '.join(found)}\n{dict(reads)[statement]}"
                                     for statement, found in problems.items())
    used = "\n".join(plan for _, plan in reads)
    for index in ("ix_messages_unanswered", "ix_messages_unread", "ix_photos_user_created"):
        assert index in used, f"no captured read used {index}: the check would prove nothing"


def plan_of(app, query) -> str:
    with app.app_context():
        compiled = query.compile(db.engine)
        parameters = tuple(compiled.params[name] for name in compiled.positiontup)
        return query_plan(app, str(compiled), parameters)


@pytest.mark.parametrize("name, query, index", [
    ("the reply task's unanswered messages, in order",
     sa.select(Message.id).where(Message.awaiting_reply(1, 1)).order_by(Message.id), "ix_messages_unanswered"),
    ("unanswered messages at start, every conversation",
     sa.select(Message.user_id, Message.companion_id).where(
         Message.sender == Sender.USER, Message.answered_at.is_(None)).distinct(), "ix_messages_unanswered"),
    ("the companion's read receipts",
     sa.select(Message.id).where(Message.user_id == 1, Message.companion_id == 1, Message.sender == Sender.USER,
                                 Message.read_at.is_(None)).order_by(Message.id), "ix_messages_unread"),
    ("a conversation's abandoned stream",
     sa.select(Message.id).where(Message.user_id == 1, Message.companion_id == 1, Message.status != "done",
                                 Message.created_at < datetime(2030, 1, 1)), "ix_messages_streaming"),
    ("streams left by a stopped process",
     sa.select(Message.id, Message.user_id).where(Message.status != "done",
                                                  Message.created_at < datetime(2030, 1, 1)),
     "ix_messages_streaming"),
])
def test_the_partial_indexes_serve_their_reads(app, name, query, index):
    plan = plan_of(app, query)
    assert index in plan and "TEMP B-TREE FOR ORDER BY" not in plan, f"{name}:\n{plan}"


def test_the_partial_indexes_hold_only_their_rows(app):
    with app.app_context():
        sql = dict(db.session.execute(sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'")).all())
    assert sql["ix_messages_unanswered"].endswith("WHERE answered_at IS NULL")
    assert sql["ix_messages_unread"].endswith("WHERE read_at IS NULL")
    assert sql["ix_messages_streaming"].endswith("WHERE status <> 'done'")
    assert "WHERE" not in sql["ix_photos_user_created"]
    # A predicate "column = 'value'" would make SQLite re-prepare, at every execution, each statement
    # that binds that column ("sender = ?", "status = ?"): see migration 0010.
    for name, text in sql.items():
        assert not re.search(r"WHERE.*\w+ = '", text or ""), f"{name}: {text}"


def test_the_lists_unread_ids_are_the_newest_along_ix_messages_unread(make_app, auth_factory):
    """GET / (and the sidebar) list the ids of her newest UNREAD_SHOWN unread messages per companion in
    the one statement of companion_list(): read backwards along ix_messages_unread, no sort of them all."""
    app = make_app()
    client, _ = auth_factory(app, username="manyunread")
    user_id = user_id_of(app, "manyunread")
    emma = companion_ids(app)["emma"]
    seed_history(app, user_id, emma)
    at = datetime(2025, 6, 1)
    with app.app_context():
        db.session.execute(sa.insert(Message), [
            dict(user_id=user_id, companion_id=emma, sender=Sender.COMPANION, content=f"unread {k}", type="text",
                 status="done", created_at=at, read_at=None) for k in range(UNREAD_SHOWN + 50)])
        db.session.commit()
        newest = list(db.session.scalars(sa.select(Message.id).where(
            Message.user_id == user_id, Message.read_at.is_(None)).order_by(Message.id.desc()).limit(UNREAD_SHOWN)))

    with captured_statements(app) as statements:
        assert client.get("/").status_code == 200
        conversations = client.get("/api/conversations").get_json()["conversations"]
    listed = [(statement, plan) for statement, plan in history_reads(app, statements) if "read_at IS NULL" in statement]
    assert len(listed) == 1, listed
    statement, plan = listed[0]
    assert not problems_of(statement, plan), plan
    # The unread ids' subquery: a search of ix_messages_unread, in its order (the sort is the companions').
    lines = plan.splitlines()
    unread_part = lines[next(i for i, line in enumerate(lines) if "ix_messages_unread" in line):]
    unread_part = unread_part[:next(i for i, line in enumerate(unread_part) if line.startswith("SCAN anon"))]
    assert unread_part and not any("TEMP B-TREE" in line for line in unread_part), plan
    assert sorted(next(c for c in conversations if c["girl_id"] == "emma")["unread_ids"]) == sorted(newest)
