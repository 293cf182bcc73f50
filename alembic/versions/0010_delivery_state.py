"""Delivery state of a caseworker's messages, the outbox row linked to its thread entry, and
the name a caseworker shows the person.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_messages") as table:
        table.add_column(sa.Column("delivery", sa.String(16), nullable=True))
        table.add_column(sa.Column("delivery_reason", sa.String(32), nullable=True))
    for name in ("outbox", "dead_letters"):
        with op.batch_alter_table(name) as table:
            table.add_column(sa.Column("case_message_id", sa.Integer, nullable=True))
            table.create_index(f"ix_{name}_case_message_id", ["case_message_id"])
    with op.batch_alter_table("caseworkers") as table:
        table.add_column(sa.Column("display_name", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("caseworkers") as table:
        table.drop_column("display_name")
    for name in ("dead_letters", "outbox"):
        with op.batch_alter_table(name) as table:
            table.drop_index(f"ix_{name}_case_message_id")
            table.drop_column("case_message_id")
    with op.batch_alter_table("case_messages") as table:
        table.drop_column("delivery_reason")
        table.drop_column("delivery")
