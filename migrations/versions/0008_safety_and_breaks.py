"""Crisis replies carry their safety mark and crisis lines; users keep their chatting stretch

Revision ID: 0008_safety_and_breaks
Revises: 0007_account_sessions
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_safety_and_breaks"
down_revision = "0007_account_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("safety", sa.String(16), nullable=True))
        batch.add_column(sa.Column("resources_json", sa.Text(), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("chat_started_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_chat_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("break_reminded_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("break_reminded_at")
        batch.drop_column("last_chat_at")
        batch.drop_column("chat_started_at")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("resources_json")
        batch.drop_column("safety")
