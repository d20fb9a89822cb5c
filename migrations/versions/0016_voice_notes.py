"""Voice notes: the audio table, and the voice fields of messages

Revision ID: 0016_voice_notes
Revises: 0015_proactive
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_voice_notes"
down_revision = "0015_proactive"
branch_labels = None
depends_on = None

# Columns added to messages in place (ALTER TABLE ADD COLUMN), as in 0013, so the search index's
# triggers (0012) stay; on SQLite the foreign keys are written by hand.
AUDIO_COLUMNS = ("voice_note_id", "speech_id")


def upgrade():
    op.create_table(
        "voice_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("mime", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("transcription", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,  # ids never reused: /voice/<id> is cached by the browser
    )
    op.create_index("ix_voice_notes_user_id", "voice_notes", ["user_id"])
    for column in AUDIO_COLUMNS:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE messages ADD COLUMN {column} INTEGER REFERENCES voice_notes (id)")
        else:
            op.add_column("messages", sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(f"messages_{column}_fkey", "messages", "voice_notes", [column], ["id"])
    op.add_column("messages", sa.Column("duration_ms", sa.Integer(), nullable=True))
    op.add_column("messages", sa.Column("transcript", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("messages", "transcript")
    op.drop_column("messages", "duration_ms")
    for column in AUDIO_COLUMNS:
        if op.get_bind().dialect.name != "sqlite":
            op.drop_constraint(f"messages_{column}_fkey", "messages", type_="foreignkey")
        op.drop_column("messages", column)
    op.drop_index("ix_voice_notes_user_id", table_name="voice_notes")
    op.drop_table("voice_notes")
