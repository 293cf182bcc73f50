"""Canned replies per centre and language; labels per centre and the labels on cases.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("centre_code", sa.String(64), nullable=False, index=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("body", sa.String(2000), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("centre_code", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.UniqueConstraint("centre_code", "name", name="uq_label_name"),
    )
    op.create_table(
        "case_labels",
        sa.Column("case_id", sa.Integer(), primary_key=True),
        sa.Column("label_id", sa.Integer(), primary_key=True, index=True),
    )


def downgrade() -> None:
    op.drop_table("case_labels")
    op.drop_table("labels")
    op.drop_table("canned_replies")
