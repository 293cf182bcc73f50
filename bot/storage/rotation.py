"""Key rotation: re-encrypt everything stored under the newest data key.

``python -m bot.cli rotate-key`` adds a new key in front of the old ones and re-encrypts every
encrypted column, Rasa's tracker events included. Until it has finished, and afterwards, data
written under an older key stays readable because every key is kept. The oldest key must never
be dropped: pseudonyms are derived from it (``bot.storage.keys.pseudonym``).
"""

from __future__ import annotations

from cryptography.fernet import MultiFernet
from sqlalchemy import Column, Integer, MetaData, Table, Text, inspect, select, update
from sqlalchemy.orm import Session

from bot.storage.models import (
    Assessment,
    Case,
    CaseAttachment,
    CaseMessage,
    Caseworker,
    DeadLetter,
    InboxUpdate,
    OutboxMessage,
    Person,
)

# Rasa's tracker store table, declared only as far as rotation needs it.
_rasa_events = Table(
    "events", MetaData(), Column("id", Integer, primary_key=True), Column("data", Text)
)

ENCRYPTED_COLUMNS = (
    (Person.__table__, "pseudonym", ("chat_ref",)),
    (Assessment.__table__, "id", ("progress", "result")),
    (Case.__table__, "id", ("packet", "outcome_detail")),
    (CaseMessage.__table__, "id", ("body",)),
    (CaseAttachment.__table__, "id", ("file_name", "content")),
    (Caseworker.__table__, "id", ("totp_secret",)),
    (OutboxMessage.__table__, "id", ("chat_ref", "body", "buttons")),
    (DeadLetter.__table__, "id", ("chat_ref", "body", "buttons")),
    (InboxUpdate.__table__, "id", ("payload",)),
)


def _rotate_table(session: Session, box: MultiFernet, table: Table, key: str, columns) -> int:
    rotated = 0
    # One row at a time: a table of files would not fit in memory at once.
    for (row_key,) in session.execute(select(table.c[key])).all():
        row = session.execute(
            select(*(table.c[c] for c in columns)).where(table.c[key] == row_key)
        ).one()
        values = {}
        for name, token in zip(columns, row, strict=True):
            if token:
                # Rasa stores the token as text, our tables as bytes.
                raw = token.encode() if isinstance(token, str) else bytes(token)
                new = box.rotate(raw)
                values[name] = new.decode() if isinstance(token, str) else new
        if values:
            session.execute(update(table).where(table.c[key] == row_key).values(**values))
            rotated += 1
    return rotated


def rotate_all(session: Session, box: MultiFernet) -> dict[str, int]:
    """Re-encrypt every encrypted value with ``box``'s first key; rows rotated per table."""
    counts = {
        table.name: _rotate_table(session, box, table, key, columns)
        for table, key, columns in ENCRYPTED_COLUMNS
    }
    if inspect(session.connection()).has_table(_rasa_events.name):
        counts["events"] = _rotate_table(session, box, _rasa_events, "id", ("data",))
    return counts
