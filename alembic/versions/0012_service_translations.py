"""Services' names and addresses per language, beside their eligibility notes' translations.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = ("name_translations", "address_translations")


def upgrade() -> None:
    with op.batch_alter_table("services") as batch:
        for column in COLUMNS:
            batch.add_column(sa.Column(column, sa.String, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        for column in COLUMNS:
            batch.drop_column(column)
