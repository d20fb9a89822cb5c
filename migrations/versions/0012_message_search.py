"""Message search: an FTS5 index on SQLite, a stored tsvector column and its GIN index on PostgreSQL

Revision ID: 0012_message_search
Revises: 0011_work_claims
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_message_search"
down_revision = "0011_work_claims"
branch_labels = None
depends_on = None

# Kept here rather than imported from dreamchat/search/index.py, so this migration stays as written.
FTS = "messages_fts"
SQLITE_UPGRADE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(content, content='messages', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON messages BEGIN "
    f"INSERT INTO {FTS}(rowid, content) VALUES (new.id, new.content); END",
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON messages BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, content) VALUES ('delete', old.id, old.content); END",
    f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF content ON messages BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, content) VALUES ('delete', old.id, old.content); "
    f"INSERT INTO {FTS}(rowid, content) VALUES (new.id, new.content); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",  # the messages already there
]
SQLITE_DOWNGRADE = [
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TABLE IF EXISTS {FTS}",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # A stored tsvector (computed for the existing messages now, by PostgreSQL at every write after),
        # so matching and ranking read it rather than parse the text again. Not in the models: the
        # ORM never reads or writes it (dreamchat/search/index.py queries it by name).
        op.execute("ALTER TABLE messages ADD COLUMN search_vector tsvector "
                   "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, content)) STORED")
        op.create_index("ix_messages_search", "messages", ["search_vector"], postgresql_using="gin")
    elif dialect == "sqlite":
        for statement in SQLITE_UPGRADE:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.drop_index("ix_messages_search", table_name="messages")
        op.drop_column("messages", "search_vector")
    elif dialect == "sqlite":
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
