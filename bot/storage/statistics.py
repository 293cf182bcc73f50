"""Counting events for the centres' reports, without keeping who they were about.

Counts are kept per month, centre and language only, so they survive the erasure of the people
they count and identify nobody; reports still suppress small counts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.models import Statistic

NEW_USER = "new_user"
QUESTION = "question"
ASSESSMENT_STARTED = "assessment_started"
ASSESSMENT_COMPLETED = "assessment_completed"
PROFILE = "profile"
HANDOVER = "handover"
OUTCOME = "outcome"


def bump(
    session: Session,
    metric: str,
    now: datetime,
    centre: str | None = None,
    language: str | None = None,
    value: str = "",
) -> None:
    """Add one to a counter, creating it the first time."""
    key = {
        "month": now.strftime("%Y-%m"),
        "centre_code": centre or "",
        "language": language or "",
        "metric": metric,
        "value": value,
    }
    where = [getattr(Statistic, column) == wanted for column, wanted in key.items()]
    counted = session.execute(
        update(Statistic)
        .where(*where)
        .values(count=Statistic.count + 1)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount:
        return
    try:
        with session.begin_nested():
            session.add(Statistic(**key, count=1))
    except IntegrityError:
        # Another worker created it meanwhile: count on its row.
        session.execute(
            update(Statistic)
            .where(*where)
            .values(count=Statistic.count + 1)
            .execution_options(synchronize_session=False)
        )


def counts(session: Session, month: str, centre: str | None = None) -> list[Statistic]:
    query = select(Statistic).where(Statistic.month == month)
    if centre is not None:
        query = query.where(Statistic.centre_code == centre)
    return list(session.execute(query).scalars())
