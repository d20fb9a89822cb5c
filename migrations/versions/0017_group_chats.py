"""Group chats: groups, their members and their messages (kept apart from one-to-one messages)

Revision ID: 0017_group_chats
Revises: 0016_voice_notes
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_group_chats"
down_revision = "0016_voice_notes"
branch_labels = None
depends_on = None


def _partial(where: str) -> dict:
    return {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}


def upgrade():
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("claim_expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_groups_user_id", "groups", ["user_id"])
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("companion_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"]),
        sa.ForeignKeyConstraint(["companion_id"], ["companions.id"]),
        sa.PrimaryKeyConstraint("group_id", "companion_id"),
    )
    op.create_table(
        "group_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("companion_id", sa.Integer(), nullable=True),
        sa.Column("sender", sa.String(length=8), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("turn_id", sa.Integer(), nullable=True),
        sa.Column("turn_index", sa.Integer(), nullable=True),
        sa.Column("safety", sa.String(length=16), nullable=True),
        sa.Column("resources_json", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["companion_id"], ["companions.id"]),
        sa.ForeignKeyConstraint(["photo_id"], ["photos.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "client_id", name="uq_group_message_user_client"),
        sa.UniqueConstraint("turn_id", "turn_index", name="uq_group_message_turn"),
        sqlite_autoincrement=True,
    )
    # In place (ALTER TABLE ADD COLUMN), as in 0016; on SQLite the foreign key is written by hand.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE photos ADD COLUMN group_id INTEGER REFERENCES groups (id)")
    else:
        op.add_column("photos", sa.Column("group_id", sa.Integer(), nullable=True))
        op.create_foreign_key("photos_group_id_fkey", "photos", "groups", ["group_id"], ["id"])
    op.create_index("ix_group_messages_group", "group_messages", ["group_id", "id"])
    # The user's messages waiting for their turn only: her replies are never "answered", and would
    # otherwise stay in this index for ever.
    op.create_index("ix_group_messages_unanswered", "group_messages", ["group_id", "id"],
                    **_partial("answered_at IS NULL"))
    op.create_index("ix_group_messages_unread", "group_messages", ["group_id", "id"],
                    **_partial("read_at IS NULL"))


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("photos_group_id_fkey", "photos", type_="foreignkey")
    op.drop_column("photos", "group_id")
    op.drop_index("ix_group_messages_unread", table_name="group_messages")
    op.drop_index("ix_group_messages_unanswered", table_name="group_messages")
    op.drop_index("ix_group_messages_group", table_name="group_messages")
    op.drop_table("group_messages")
    op.drop_table("group_members")
    op.drop_index("ix_groups_user_id", table_name="groups")
    op.drop_table("groups")
