"""Work claimed once across processes: a lease per conversation's reply, a lease per photo

Revision ID: 0011_work_claims
Revises: 0010_history_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_work_claims"
down_revision = "0010_history_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reply_claims",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("companion_id", sa.Integer(), sa.ForeignKey("companions.id"), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "companion_id"),
    )
    with op.batch_alter_table("photos") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("claim_expires_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("photos") as batch:
        batch.drop_column("claim_expires_at")
        batch.drop_column("claimed_by")
    op.drop_table("reply_claims")
