"""One-time recovery codes, given at TOTP enrolment, for a caseworker whose phone is lost.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("caseworker_id", sa.Integer, nullable=False, index=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("caseworker_id", "code_hash", name="uq_recovery_code"),
    )


def downgrade() -> None:
    op.drop_table("recovery_codes")
