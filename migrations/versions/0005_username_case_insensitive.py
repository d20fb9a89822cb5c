"""Usernames unique regardless of case

Revision ID: 0005_username_case_insensitive
Revises: 0004_streaming_memory_avatars
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_username_case_insensitive"
down_revision = "0004_streaming_memory_avatars"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)


def downgrade():
    op.drop_index("uq_users_username_lower", table_name="users")
