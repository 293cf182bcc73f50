"""Service directory: public services per centre, region and category (no personal data).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "services",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("centre_code", sa.String(64), nullable=False, index=True),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("region_key", sa.String(100), nullable=False, index=True),
        sa.Column("category", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("opening_hours", sa.String(), nullable=False),
        sa.Column("languages", sa.String(100), nullable=False),
        sa.Column("eligibility", sa.String(), nullable=False),
        sa.Column("eligibility_translations", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("services")
