"""DreamChat's `python app.py`, plus what scripts/benchmark.py reads: run from a checkout's directory
(cwd), it patches like app.py does, counts the SQL reaching the database and serves
GET /__bench__/stats, then runs that checkout's app.py as __main__ (so its own startup runs unchanged).

Run: `cd CHECKOUT && python /path/to/bench/server.py` (with app.py's environment: PORT, DATABASE_URL...).
"""
import os
import runpy
import sys

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
if ASYNC_MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()
elif ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

import sqlalchemy as sa  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402

COUNTS = {"statements": 0, "commits": 0, "checkouts": 0, "message_rows": 0}


@sa.event.listens_for(sa.engine.Engine, "before_cursor_execute")
def count_statement(conn, cursor, statement, parameters, context, executemany):
    COUNTS["statements"] += 1
    if statement.startswith("INSERT INTO messages"):
        COUNTS["message_rows"] += len(parameters) if executemany else 1


@sa.event.listens_for(sa.engine.Engine, "commit")
def count_commit(conn):
    COUNTS["commits"] += 1


@sa.event.listens_for(sa.pool.Pool, "checkout")
def count_checkout(dbapi_connection, connection_record, connection_proxy):
    COUNTS["checkouts"] += 1


def stats():
    return {**COUNTS, "pid": os.getpid()}


original_run = SocketIO.run


def run_with_stats_route(self, app, *args, **kwargs):
    app.add_url_rule("/__bench__/stats", "bench_stats", stats)
    return original_run(self, app, *args, **kwargs)


SocketIO.run = run_with_stats_route

if __name__ == "__main__":
    checkout = os.getcwd()
    sys.path[0] = checkout
    sys.argv = [os.path.join(checkout, "app.py")]
    runpy.run_path(sys.argv[0], run_name="__main__")
