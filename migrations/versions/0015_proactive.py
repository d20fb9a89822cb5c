"""The companion writes first: a per-conversation opt-in with its claim, the user's time zone, proactive messages

Revision ID: 0015_proactive
Revises: 0014_user_preferences
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_proactive"
down_revision = "0014_user_preferences"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "conversation_settings",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("companion_id", sa.Integer(), sa.ForeignKey("companions.id"), nullable=False),
        sa.Column("proactive", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("claim_expires_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("user_id", "companion_id"),
    )
    op.create_index("ix_conversation_settings_proactive", "conversation_settings", ["user_id", "companion_id"],
                    sqlite_where=sa.text("proactive"), postgresql_where=sa.text("proactive"))
    # Plain ADD COLUMNs (SQLite too): rebuilding users or messages would trip the foreign keys that reference them.
    op.add_column("users", sa.Column("time_zone", sa.String(length=64), nullable=True))
    op.add_column("messages", sa.Column("proactive", sa.Boolean(), nullable=True))


def downgrade():
    op.drop_column("messages", "proactive")   # SQLite 3.35+ drops a column in place
    op.drop_column("users", "time_zone")
    op.drop_index("ix_conversation_settings_proactive", table_name="conversation_settings")
    op.drop_table("conversation_settings")
