"""Indexes for the reads of every page and message, so they do not grow with the history:
unanswered and unread messages, a reply being streamed, today's photos

Revision ID: 0010_history_indexes
Revises: 0009_login_sessions
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_history_indexes"
down_revision = "0009_login_sessions"
branch_labels = None
depends_on = None

# Partial indexes: each holds only the rows its reads look for. Their predicates compare no column
# with a value that queries bind (sender = ?, status = ?): SQLite re-prepares, at every execution,
# a statement whose bound value decided whether a partial index applies. So the unanswered index
# is on answered_at IS NULL alone (her messages are in it too: sender is a column of the index),
# and the streaming index is on status <> 'done' (read with that same term). The same predicates
# are in dreamchat/models.py; a query uses one only when its WHERE has the same terms.
UNANSWERED = "answered_at IS NULL"
UNREAD = "read_at IS NULL"
STREAMING = "status <> 'done'"


def partial(where: str) -> dict:
    return {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}


def upgrade():
    # The user's messages the companion has not answered: the reply task, "reply failed" on the chat page.
    # Ending with id, they are read in id order without a sort (PostgreSQL would walk the primary key).
    op.create_index("ix_messages_unanswered", "messages", ["user_id", "companion_id", "sender", "id"],
                    **partial(UNANSWERED))
    # Unread messages both ways: the badges of the companion list, the companion's read receipts.
    op.create_index("ix_messages_unread", "messages", ["user_id", "companion_id", "sender", "id"],
                    **partial(UNREAD))
    # Replies being written, for the streams a stopped process left behind.
    op.create_index("ix_messages_streaming", "messages", ["user_id", "companion_id"], **partial(STREAMING))
    # Today's photos for the daily limit.
    op.create_index("ix_photos_user_created", "photos", ["user_id", "created_at"])


def downgrade():
    op.drop_index("ix_photos_user_created", table_name="photos")
    op.drop_index("ix_messages_streaming", table_name="messages")
    op.drop_index("ix_messages_unread", table_name="messages")
    op.drop_index("ix_messages_unanswered", table_name="messages")
