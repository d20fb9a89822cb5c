"""Message ids are never reused on SQLite (AUTOINCREMENT)

Revision ID: 0006_message_ids_never_reused
Revises: 0005_username_case_insensitive
"""
from alembic import op

revision = "0006_message_ids_never_reused"
down_revision = "0005_username_case_insensitive"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("messages", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("messages", recreate="always", table_kwargs={"sqlite_autoincrement": False}):
            pass
