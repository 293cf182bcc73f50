"""Figures for the supervisor page, from clear columns only: nothing here is decrypted."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.storage import cases
from bot.storage.models import AuditEntry, Case

AUDIT_PAGE = 200


@dataclass(frozen=True)
class Figures:
    waiting: dict[int, int]
    median_to_claim: timedelta | None
    median_to_first_reply: timedelta | None
    closed: dict[str, int]
    mean_rating: float | None
    ratings: int


def _median(pairs: Iterable[tuple[datetime | None, datetime | None]]) -> timedelta | None:
    seconds = [(end - start).total_seconds() for start, end in pairs if start and end]
    return timedelta(seconds=statistics.median(seconds)) if seconds else None


def figures(session: Session, within: ColumnElement) -> Figures:
    """The figures over the cases ``within`` selects (the reader's centre, or all)."""
    waiting = dict.fromkeys(cases.PRIORITY_NAMES, 0)
    waiting.update(
        session.execute(
            select(Case.priority, func.count(Case.id))
            .where(Case.status == cases.QUEUED, within)
            .group_by(Case.priority)
        ).all()
    )
    # Both delays run from the moment the person joined the queue: that is what they live.
    times = session.execute(
        select(Case.queued_at, Case.claimed_at, Case.first_reply_at).where(
            Case.status.in_((cases.CLAIMED, cases.CLOSED)), Case.claimed_at.is_not(None), within
        )
    ).all()
    closed = dict(
        session.execute(
            select(Case.outcome, func.count(Case.id))
            .where(Case.status == cases.CLOSED, within)
            .group_by(Case.outcome)
        ).all()
    )
    mean_rating, ratings = session.execute(
        select(func.avg(Case.rating), func.count(Case.rating)).where(
            Case.rating.is_not(None), within
        )
    ).one()
    return Figures(
        waiting=waiting,
        median_to_claim=_median((q, c) for q, c, _ in times),
        median_to_first_reply=_median((q, r) for q, _, r in times),
        closed=closed,
        mean_rating=float(mean_rating) if mean_rating is not None else None,
        ratings=ratings,
    )


def latest_audit(
    session: Session, within: ColumnElement, limit: int = AUDIT_PAGE
) -> list[AuditEntry]:
    """The latest entries that ``within`` lets the reader see, newest first."""
    query = select(AuditEntry).where(within).order_by(AuditEntry.id.desc()).limit(limit)
    return list(session.execute(query).scalars())
