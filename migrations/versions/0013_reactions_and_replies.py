"""Reactions on messages and replies to a specific message

Revision ID: 0013_reactions_and_replies
Revises: 0012_message_search
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_reactions_and_replies"
down_revision = "0012_message_search"
branch_labels = None
depends_on = None

# Columns added in place (ALTER TABLE ADD COLUMN), never by rebuilding the messages table, so the
# search index's triggers (0012) stay. SQLite takes a REFERENCES clause in ADD COLUMN for a NULL column,
# but not its ON DELETE action in a form SQLAlchemy reflects: the foreign key has none, on both
# databases, and the actions that delete a message unlink its replies first (actions/messages.py).
QUOTING = "reply_to_id IS NOT NULL"


def upgrade():
    op.add_column("messages", sa.Column("reaction", sa.String(length=16), nullable=True))
    op.add_column("messages", sa.Column("reacted_at", sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # Alembic cannot add a foreign key to an SQLite table without rebuilding it: written by hand.
        op.execute("ALTER TABLE messages ADD COLUMN reply_to_id INTEGER REFERENCES messages (id)")
    else:
        op.add_column("messages", sa.Column("reply_to_id", sa.Integer(), nullable=True))
        op.create_foreign_key("messages_reply_to_id_fkey", "messages", "messages", ["reply_to_id"], ["id"])
    op.add_column("messages", sa.Column("reply_to_sender", sa.String(length=8), nullable=True))
    op.add_column("messages", sa.Column("reply_to_excerpt", sa.String(length=120), nullable=True))
    # The replies to a message being deleted are found (and unlinked) through this index, and so are
    # the rows the foreign key checks at each delete.
    op.create_index("ix_messages_reply_to", "messages", ["reply_to_id"], sqlite_where=sa.text(QUOTING),
                    postgresql_where=sa.text(QUOTING))


def downgrade():
    op.drop_index("ix_messages_reply_to", table_name="messages")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("messages_reply_to_id_fkey", "messages", type_="foreignkey")
    for column in ("reply_to_excerpt", "reply_to_sender", "reply_to_id", "reacted_at", "reaction"):
        op.drop_column("messages", column)
