"""Message search: an FTS5 index on SQLite, a tsvector column kept by a trigger and its GIN index on PostgreSQL

Revision ID: 0012_message_search
Revises: 0011_work_claims
"""
from alembic import op

revision = "0012_message_search"
down_revision = "0011_work_claims"
branch_labels = None
depends_on = None

# Kept here rather than imported from dreamchat/search/index.py, so this migration stays as written.
# Both indexes hold the owner of each message as a word of its own ('u' || user_id: an owner column on
# SQLite, a lexeme of weight A on PostgreSQL) that every search requires, so the index intersects the
# user's messages with the words' matches instead of walking every user's matches.
FTS = "messages_fts"
SOURCE = "messages_search_source"
SQLITE_UPGRADE = [
    f"CREATE VIEW {SOURCE} AS SELECT id, 'u' || user_id AS owner, content FROM messages",
    # prefix: the words' first 2 and 3 letters are indexed too, so the live search's prefix ("yo", "gal")
    # reads one list it can intersect with the owner's, rather than merge every word it starts.
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(owner, content, content='{SOURCE}', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
    f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON messages BEGIN "
    f"INSERT INTO {FTS}(rowid, owner, content) VALUES (new.id, 'u' || new.user_id, new.content); END",
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON messages BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, owner, content) VALUES ('delete', old.id, 'u' || old.user_id, old.content); END",
    f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF content, user_id ON messages BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, owner, content) VALUES ('delete', old.id, 'u' || old.user_id, old.content); "
    f"INSERT INTO {FTS}(rowid, owner, content) VALUES (new.id, 'u' || new.user_id, new.content); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",  # the messages already there
]
SQLITE_DOWNGRADE = [
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TABLE IF EXISTS {FTS}",
    f"DROP VIEW IF EXISTS {SOURCE}",
]

# A plain column set by a trigger only when content (or the owner) changes: a stored generated column
# would be computed again on every UPDATE of the row (read receipts, answered_at).
VECTOR = ("setweight(to_tsvector('simple'::regconfig, 'u' || {row}user_id), 'A') "
          "|| to_tsvector('simple'::regconfig, {row}content)")
POSTGRES_UPGRADE = [
    "ALTER TABLE messages ADD COLUMN search_vector tsvector",
    f"UPDATE messages SET search_vector = {VECTOR.format(row='')}",  # the messages already there
    "CREATE FUNCTION messages_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"NEW.search_vector := {VECTOR.format(row='NEW.')}; RETURN NEW; END $$",
    "CREATE TRIGGER messages_search_vector BEFORE INSERT OR UPDATE OF content, user_id ON messages "
    "FOR EACH ROW EXECUTE FUNCTION messages_search_vector()",
    "CREATE INDEX ix_messages_search ON messages USING gin (search_vector)",
]
POSTGRES_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS messages_search_vector ON messages",
    "DROP FUNCTION IF EXISTS messages_search_vector()",
    "DROP INDEX IF EXISTS ix_messages_search",
    "ALTER TABLE messages DROP COLUMN IF EXISTS search_vector",
]


def statements(upgrading: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        return POSTGRES_UPGRADE if upgrading else POSTGRES_DOWNGRADE
    if dialect == "sqlite":
        return SQLITE_UPGRADE if upgrading else SQLITE_DOWNGRADE
    return []


def upgrade():
    # Not in the models: the ORM never reads or writes these (dreamchat/search/index.py queries them by name).
    for statement in statements(upgrading=True):
        op.execute(statement)


def downgrade():
    for statement in statements(upgrading=False):
        op.execute(statement)
