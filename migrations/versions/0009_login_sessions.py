"""Login sessions: one row per sign-in, its token stored hashed, so each session can end on its own

Revision ID: 0009_login_sessions
Revises: 0008_safety_and_breaks
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_login_sessions"
down_revision = "0008_safety_and_breaks"
branch_labels = None
depends_on = None


def upgrade():
    # Sessions signed in before (ids "<user id>:<users.session_token>") load nobody after this:
    # everyone signs in again once.
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("user_agent", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_login_sessions_user_id", "login_sessions", ["user_id"])


def downgrade():
    op.drop_index("ix_login_sessions_user_id", table_name="login_sessions")
    op.drop_table("login_sessions")
