"""Console sessions on the server: a login is a row, and ending it is deleting the row.

The signed cookie only carries a random token. A session ends at logout, when an admin ends it,
when its account is disabled, reset or given another role or centre, after ``IDLE_TIMEOUT``
without a request from its user, and ``LIFETIME`` after the login whatever happens: a copied
cookie is worth nothing once any of these happened. Functions take a database session and leave
committing to the caller, like ``bot.console.auth``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from bot.storage.models import ConsoleSession

IDLE_TIMEOUT = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)
# last_seen_at is written at most this often: every page and action would otherwise be a write.
# The idle timeout is therefore counted to within this much.
TOUCH_EVERY = timedelta(minutes=1)
MAX_ADDRESS = 64


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _expired(row: ConsoleSession, now: datetime) -> bool:
    return now - row.last_seen_at >= IDLE_TIMEOUT or now - row.created_at >= LIFETIME


def start(session: Session, caseworker_id: int, now: datetime, address: str | None) -> str:
    """A new session for the account; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            id=_digest(token),
            caseworker_id=caseworker_id,
            created_at=now,
            last_seen_at=now,
            address=(address or "")[:MAX_ADDRESS] or None,
        )
    )
    return token


def resume(session: Session, token: str, now: datetime, activity: bool) -> ConsoleSession | None:
    """The live session of the token, or None; an expired one is deleted on the way.

    ``activity`` is a request of the user's: it keeps the session from going idle, where the
    queue page's own polling does not.
    """
    row = session.get(ConsoleSession, _digest(token))
    if row is None:
        return None
    if _expired(row, now):
        session.delete(row)
        return None
    if activity and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row


def end(session: Session, token: str) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.id == _digest(token)))


def end_all(session: Session, caseworker_id: int) -> int:
    """Ends every session of the account; returns how many were open."""
    result = session.execute(
        delete(ConsoleSession).where(ConsoleSession.caseworker_id == caseworker_id)
    )
    return result.rowcount


def open_sessions(session: Session, caseworker_id: int, now: datetime) -> list[ConsoleSession]:
    """The account's live sessions, oldest first."""
    rows = session.execute(
        select(ConsoleSession)
        .where(ConsoleSession.caseworker_id == caseworker_id)
        .order_by(ConsoleSession.created_at)
    ).scalars()
    return [row for row in rows if not _expired(row, now)]


def purge_expired(session: Session, now: datetime) -> int:
    """Deletes the sessions that can no longer be resumed; returns how many."""
    result = session.execute(
        delete(ConsoleSession).where(
            or_(
                ConsoleSession.last_seen_at <= now - IDLE_TIMEOUT,
                ConsoleSession.created_at <= now - LIFETIME,
            )
        )
    )
    return result.rowcount
