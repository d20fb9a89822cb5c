"""Numbered conversation events per user, for replay after reconnect

Revision ID: 0003_user_events
Revises: 0002_seed_companions
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_user_events"
down_revision = "0002_seed_companions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("last_event_seq", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "user_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "seq", name="uq_user_event_seq"),
    )


def downgrade():
    op.drop_table("user_events")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("last_event_seq")
