"""Durable inbox, leased outbox with dead letters, blocked chats, idempotent answers and
thread messages.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("update_id", sa.BigInteger, nullable=False, unique=True),
        sa.Column("chat_key", sa.String(64), nullable=False, server_default=""),
        sa.Column("payload", sa.LargeBinary, nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("available_at", sa.DateTime, nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime, nullable=True),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("done_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_inbox_pending", "inbox", ["status", "chat_key", "update_id"])
    op.drop_table("seen_updates")
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pseudonym", sa.String(64), nullable=False, index=True),
        sa.Column("chat_ref", sa.LargeBinary, nullable=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("buttons", sa.LargeBinary, nullable=True),
        sa.Column("rtl", sa.Boolean, nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("dead_at", sa.DateTime, nullable=False),
    )
    # Sent messages are deleted from now on; undelivered ones move to the dead letters.
    op.execute("DELETE FROM outbox WHERE sent_at IS NOT NULL OR failed")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("sent_at")
        batch.drop_column("failed")
        batch.add_column(sa.Column("chat_ref", sa.LargeBinary, nullable=True))
        batch.add_column(sa.Column("rtl", sa.Boolean, nullable=True))
        batch.add_column(
            sa.Column(
                "available_at",
                sa.DateTime,
                nullable=False,
                server_default=sa.text("'2000-01-01 00:00:00'"),
            )
        )
        batch.add_column(sa.Column("lease_owner", sa.String(64), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime, nullable=True))
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("blocked_at", sa.DateTime, nullable=True))
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("last_update_id", sa.BigInteger, nullable=True))
    with op.batch_alter_table("case_messages") as batch:
        batch.add_column(sa.Column("update_id", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_messages") as batch:
        batch.drop_column("update_id")
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("last_update_id")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("blocked_at")
    with op.batch_alter_table("outbox") as batch:
        for column in ("lease_until", "lease_owner", "available_at", "rtl", "chat_ref"):
            batch.drop_column(column)
        batch.add_column(sa.Column("sent_at", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("failed", sa.Boolean, nullable=False, server_default="0"))
    op.drop_table("dead_letters")
    op.create_table(
        "seen_updates",
        sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("seen_at", sa.DateTime, nullable=False),
    )
    op.drop_table("inbox")
