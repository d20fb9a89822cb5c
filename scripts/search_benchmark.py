#!/usr/bin/env python
"""Message search over a long history: fills a database with --messages (100,000) messages (half the users',
half the companions', over four conversations, bulk inserted) and prints the median and p95 time of several
searches, as /api/search runs them (dreamchat/search/index.py: the ranked query, the rows, the snippets).
Prints figures, asserts nothing.

With --users 1 (the default) every message is one user's. With --users N the messages are spread over N
users, interleaved in time as on a live server: a big user owns --big (100,000) of them, a small user
--small (1,000), the other N - 2 users share the rest; the searches are timed for both measured users.

    .venv/bin/python scripts/search_benchmark.py                 # SQLite (a temporary file)
    .venv/bin/python scripts/search_benchmark.py --postgresql    # also PostgreSQL: database `test` at
                                                                 # 127.0.0.1, in a schema of its own, dropped after
    .venv/bin/python scripts/search_benchmark.py --messages 300000 --users 2000 --postgresql

The migrations build the schema and the index, so the figures are those of the real index.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
COMMON = ("i you the a to and it is that of my me in so what do we your for just not be have this like love "
          "was with but are can on know think how really too all about when feel want good day time today "
          "tonight going go would could more one well now why here").split()
OCCASIONAL = ("coffee music movie walk rain beach dream sleep work morning evening dinner weekend garden city "
              "book song dance cook travel friend sister brother mother father ocean mountain sunset window "
              "story laugh smile hug kiss miss tired happy sad excited nervous proud gallery lighthouse café "
              "museum piano guitar painting poem letter train airport festival market").split()
RARE = ("zeppelin quokka armadillo observatory pumpernickel kaleidoscope saxophone origami tangerine "
        "marzipan").split()
QUERIES = [
    ("a common word", "you"),
    ("two common words", "love you"),
    ("an occasional word", "lighthouse"),
    ("a rare word", "quokka"),
    ("a prefix", "gal"),
    ("three words", "coffee morning rain"),
    ("no match", "xylophonist"),
    ("diacritics", "cafe"),
]


def sentence(rng: random.Random) -> str:
    words = []
    for _ in range(rng.randint(4, 28)):
        roll = rng.random()
        if roll < 0.70:
            words.append(COMMON[min(int(rng.paretovariate(1.2)) - 1, len(COMMON) - 1)])
        elif roll < 0.97:
            words.append(rng.choice(OCCASIONAL))
        elif roll < 0.975:
            words.append(rng.choice(RARE))
        else:
            words.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9))))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice([".", "!", "?", " :)", "…"])


def owners(count: int, users: int, big: int, small: int, rng: random.Random) -> tuple[list[int], dict[str, int]]:
    """Who owns each of the count messages, in time order (user indexes), and the measured users' indexes."""
    if users <= 1:
        return [0] * count, {"the only user": 0}
    others = count - big - small
    if big < 1 or small < 1 or others < users - 2 or (users == 2 and others):
        raise SystemExit("--big and --small must leave each other user a message (and add up to --messages "
                         "with --users 2)")
    order = [0] * big + [1] * small + [2 + i % (users - 2) for i in range(others)]
    rng.shuffle(order)
    return order, {f"big user ({big:,} messages)": 0, f"small user ({small:,} messages)": 1}


def fill(app, count: int, users: int = 1, big: int = 100_000, small: int = 1_000) -> dict[str, int]:
    """users users and count messages of theirs; returns the measured users' ids by label."""
    from dreamchat.extensions import db
    from dreamchat.models import Message, Sender, User

    rng = random.Random(12)
    order, measured = owners(count, users, big, small, rng)
    with app.app_context():
        accounts = [User(username="bench" + uuid.uuid4().hex[:12], password_hash="x") for _ in range(max(1, users))]
        db.session.add_all(accounts)
        db.session.commit()
        user_ids = [user.id for user in accounts]
        seen = [0] * len(user_ids)
        companions = list(db.session.scalars(sa.text("SELECT id FROM companions ORDER BY id")))
        start = datetime(2024, 1, 1)
        batch = []
        started = time.perf_counter()
        for i, owner in enumerate(order):
            at = start + timedelta(seconds=30 * i)
            nth = seen[owner]
            seen[owner] += 1
            batch.append({"user_id": user_ids[owner], "companion_id": companions[nth // 1000 % len(companions)],
                          "sender": (Sender.USER if nth % 2 == 0 else Sender.COMPANION).value, "type": "text",
                          "content": sentence(rng), "created_at": at, "read_at": at, "status": "done"})
            if len(batch) == 5000:
                db.session.execute(sa.insert(Message), batch)
                batch = []
        if batch:
            db.session.execute(sa.insert(Message), batch)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # as autovacuum leaves it: GIN's pending list merged, statistics
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE messages"))
        print(f"  filled {count:,} messages of {len(user_ids):,} users in {time.perf_counter() - started:.1f} s")
        return {label: user_ids[index] for label, index in measured.items()}


def measure(app, user_id: int, tries: int, label: str = "") -> None:
    from dreamchat.extensions import db
    from dreamchat.search.index import parse_query, search

    window = app.config["SEARCH_RANK_WINDOW"]
    with app.app_context():
        print(f"  {label + ', ' if label else ''}SEARCH_RANK_WINDOW={window}")
        print(f"  {'query':<22} {'q':<22} {'found':>5} {'median ms':>10} {'p95 ms':>8}")
        for label, q in QUERIES:
            terms = parse_query(q)
            search(user_id, terms, 20, window)  # warm
            times = []
            for _ in range(tries):
                started = time.perf_counter()
                hits = search(user_id, terms, 20, window)
                times.append((time.perf_counter() - started) * 1000)
                db.session.rollback()
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"  {label:<22} {q!r:<22} {len(hits):>5} {statistics.median(times):>10.2f} {p95:>8.2f}")


def make_app(url: str):
    from dreamchat import create_app
    from dreamchat.config import TestConfig

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    return create_app(config)


def migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))


def run_sqlite(count: int, tries: int, **spread) -> None:
    print("SQLite (FTS5)")
    with tempfile.TemporaryDirectory() as directory:
        app = make_app(f"sqlite:///{directory}/search.db")
        migrate(app)
        for label, user_id in fill(app, count, **spread).items():
            measure(app, user_id, tries, label)
        with app.app_context():
            from dreamchat.extensions import db
            db.engine.dispose()


def run_postgresql(count: int, tries: int, **spread) -> None:
    print("PostgreSQL (tsvector column, GIN index)")
    schema = f"search_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        app = make_app(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
        migrate(app)
        for label, user_id in fill(app, count, **spread).items():
            measure(app, user_id, tries, label)
        with app.app_context():
            from dreamchat.extensions import db
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--tries", type=int, default=30, help="searches per query")
    parser.add_argument("--users", type=int, default=1, help="users the messages are spread over")
    parser.add_argument("--big", type=int, default=100_000, help="messages of the big user (with --users > 1)")
    parser.add_argument("--small", type=int, default=1_000, help="messages of the small user (with --users > 1)")
    parser.add_argument("--postgresql", action="store_true", help="PostgreSQL too (database test at 127.0.0.1)")
    args = parser.parse_args()
    spread = {"users": args.users, "big": args.big, "small": args.small}
    run_sqlite(args.messages, args.tries, **spread)
    if args.postgresql:
        run_postgresql(args.messages, args.tries, **spread)


if __name__ == "__main__":
    main()
