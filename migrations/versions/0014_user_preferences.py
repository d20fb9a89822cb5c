"""Per-user preferences: browser notifications

Revision ID: 0014_user_preferences
Revises: 0013_reactions_and_replies
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_user_preferences"
down_revision = "0013_reactions_and_replies"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (SQLite too): rebuilding users would trip the foreign keys of the rows that reference it.
    op.add_column("users", sa.Column("notifications_enabled", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    op.drop_column("users", "notifications_enabled")   # SQLite 3.35+ drops a column in place
