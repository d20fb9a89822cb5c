"""placeholder: replaced by the proactive branch

Revision ID: 0015_proactive
Revises: 0014_user_preferences
"""

revision = "0015_proactive"
down_revision = "0014_user_preferences"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
