"""Revocable sessions (users.session_token); user ids never reused on SQLite (AUTOINCREMENT)

Revision ID: 0007_account_sessions
Revises: 0006_message_ids_never_reused
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007_account_sessions"
down_revision = "0006_message_ids_never_reused"
branch_labels = None
depends_on = None

USER_COLUMNS = ["id", "username", "password_hash", "created_at", "last_event_seq"]


def on_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def create_users(autoincrement: bool, session_token: bool) -> None:
    """The users table as of this revision, with its indexes."""
    columns = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_event_seq", sa.Integer(), server_default="0", nullable=False),
    ]
    if session_token:
        columns.append(sa.Column("session_token", sa.String(length=64), nullable=False))
    op.create_table("users", *columns, sa.PrimaryKeyConstraint("id"), sqlite_autoincrement=autoincrement)
    op.create_index("ix_users_username", "users", ["username"], unique=True)
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)


def rebuild_users_on_sqlite(autoincrement: bool, session_token: bool) -> None:
    """SQLite cannot change AUTOINCREMENT in place: users is copied aside, dropped, created again
    and refilled, in one transaction.

    Other tables reference users, so foreign keys are checked at commit (defer_foreign_keys, which
    lasts for the open transaction only: the INSERT opens it). The DROP leaves their references
    open; inserting the rows back after it closes them again (a batch rebuild, which renames a
    filled copy, would leave them open and the commit would fail)."""
    columns = ", ".join(USER_COLUMNS + (["session_token"] if session_token else []))
    op.execute("CREATE TABLE _users_rows AS SELECT * FROM users WHERE 0")
    op.execute("INSERT INTO _users_rows SELECT * FROM users")
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.drop_table("users")
    create_users(autoincrement=autoincrement, session_token=session_token)
    op.execute(f"INSERT INTO users ({columns}) SELECT {columns} FROM _users_rows")
    op.drop_table("_users_rows")


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    bind = op.get_bind()
    for user_id in bind.scalars(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(32)))
    if on_sqlite():
        rebuild_users_on_sqlite(autoincrement=True, session_token=True)
    else:
        op.alter_column("users", "session_token", existing_type=sa.String(length=64), nullable=False)


def downgrade():
    if on_sqlite():
        rebuild_users_on_sqlite(autoincrement=False, session_token=False)
    else:
        op.drop_column("users", "session_token")
