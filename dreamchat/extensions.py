"""Extensions, created once and bound to the app in create_app."""
import os
import sqlite3
from pathlib import Path

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
socketio = SocketIO()


SQLITE_SYNCHRONOUS = os.environ.get("SQLITE_SYNCHRONOUS", "NORMAL").upper()
if SQLITE_SYNCHRONOUS not in ("OFF", "NORMAL", "FULL", "EXTRA"):
    raise SystemExit(f"SQLITE_SYNCHRONOUS must be NORMAL or FULL, got {SQLITE_SYNCHRONOUS!r}")


@event.listens_for(Engine, "do_connect")
def create_sqlite_file_privately(dialect, _record, cargs, cparams) -> None:
    """The SQLite file (password hashes, chats) is created 0600 before SQLite opens it (SQLite gives its
    -wal and -shm files the same mode); a looser existing file is tightened with a warning."""
    if dialect.name != "sqlite":
        return
    path = cargs[0] if cargs else cparams.get("database")
    if isinstance(path, str) and path and path != ":memory:" and not path.startswith("file:"):
        from dreamchat.config import ensure_private_file

        try:
            ensure_private_file(Path(path))
        except OSError:
            pass  # SQLite will say what is wrong with the path


@event.listens_for(Engine, "connect")
def tune_sqlite(dbapi_connection, _record) -> None:
    """SQLite: readers never wait for the writer, writers wait instead of failing, FKs enforced.
    WAL with synchronous=NORMAL survives any crash of the process; FULL also survives a power cut,
    at the price of an fsync per commit."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
