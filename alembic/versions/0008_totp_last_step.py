"""The last TOTP time step each account logged in with: a code is accepted once only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("caseworkers") as batch:
        batch.add_column(sa.Column("totp_last_step", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("caseworkers") as batch:
        batch.drop_column("totp_last_step")
