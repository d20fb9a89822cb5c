#!/usr/bin/env python
"""Message search over a long history: fills a database with --messages (100,000) messages of one user
(half theirs, half the companions', over four conversations, bulk inserted) and prints the median and p95
time of several searches, as /api/search runs them (dreamchat/search/index.py: the ranked query, the rows,
the snippets). Prints figures, asserts nothing.

    .venv/bin/python scripts/search_benchmark.py                 # SQLite (a temporary file)
    .venv/bin/python scripts/search_benchmark.py --postgresql    # also PostgreSQL: database `test` at
                                                                 # 127.0.0.1, in a schema of its own, dropped after

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


def fill(app, count: int) -> int:
    """A user and count messages of theirs; returns the user's id."""
    from dreamchat.extensions import db
    from dreamchat.models import Message, Sender, User

    rng = random.Random(12)
    with app.app_context():
        user = User(username="bench" + uuid.uuid4().hex[:8], password_hash="x")
        db.session.add(user)
        db.session.commit()
        companions = list(db.session.scalars(sa.text("SELECT id FROM companions ORDER BY id")))
        start = datetime(2024, 1, 1)
        batch = []
        started = time.perf_counter()
        for i in range(count):
            at = start + timedelta(seconds=30 * i)
            batch.append({"user_id": user.id, "companion_id": companions[i // 1000 % len(companions)],
                          "sender": (Sender.USER if i % 2 == 0 else Sender.COMPANION).value, "type": "text",
                          "content": sentence(rng), "created_at": at, "read_at": at, "status": "done"})
            if len(batch) == 5000:
                db.session.execute(sa.insert(Message), batch)
                batch = []
        if batch:
            db.session.execute(sa.insert(Message), batch)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE messages"))
            db.session.commit()
        print(f"  filled {count:,} messages in {time.perf_counter() - started:.1f} s")
        return user.id


def measure(app, user_id: int, tries: int) -> None:
    from dreamchat.extensions import db
    from dreamchat.search.index import parse_query, search

    window = app.config["SEARCH_RANK_WINDOW"]
    with app.app_context():
        print(f"  SEARCH_RANK_WINDOW={window}")
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


def run_sqlite(count: int, tries: int) -> None:
    print("SQLite (FTS5)")
    with tempfile.TemporaryDirectory() as directory:
        app = make_app(f"sqlite:///{directory}/search.db")
        migrate(app)
        user_id = fill(app, count)
        measure(app, user_id, tries)
        with app.app_context():
            from dreamchat.extensions import db
            db.engine.dispose()


def run_postgresql(count: int, tries: int) -> None:
    print("PostgreSQL (stored tsvector column, GIN index)")
    schema = f"search_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        app = make_app(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
        migrate(app)
        user_id = fill(app, count)
        measure(app, user_id, tries)
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
    parser.add_argument("--postgresql", action="store_true", help="PostgreSQL too (database test at 127.0.0.1)")
    args = parser.parse_args()
    run_sqlite(args.messages, args.tries)
    if args.postgresql:
        run_postgresql(args.messages, args.tries)


if __name__ == "__main__":
    main()
