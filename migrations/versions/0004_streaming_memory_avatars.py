"""Streaming and edited messages, memory facts, uploaded avatars

Revision ID: 0004_streaming_memory_avatars
Revises: 0003_user_events
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_streaming_memory_avatars"
down_revision = "0003_user_events"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=12), server_default="done", nullable=False))
    with op.batch_alter_table("companions") as batch_op:
        batch_op.add_column(sa.Column("avatar_png", sa.LargeBinary(), nullable=True))
    op.create_table(
        "memory_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("companion_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["companion_id"], ["companions.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_memory_facts_user_id", "memory_facts", ["user_id"])


def downgrade():
    op.drop_index("ix_memory_facts_user_id", table_name="memory_facts")
    op.drop_table("memory_facts")
    with op.batch_alter_table("companions") as batch_op:
        batch_op.drop_column("avatar_png")
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("status")
        batch_op.drop_column("edited_at")
