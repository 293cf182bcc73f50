"""Retention: what is kept, and for how long (see docs/data-inventory.md).

- People who did not consent to keeping their answers are erased after ``inactive_days``
  without a message (unless a case of theirs is still open).
- Closed cases are deleted after ``closed_case_days``, their thread, files and labels' links
  with them; the audit log keeps only ids.
- Handled Telegram update ids (kept to ignore repeats) and dead letters go after
  ``delivered_days``; sent messages are deleted as soon as Telegram has them.
- Audit log entries (logins, case views, account changes) go after ``audit_days``: kept for
  accountability, not for ever, since they tell who worked when. The service directory's
  history (``cases.DIRECTORY_HISTORY``) stays: without it an admin's edits of a year ago would
  look unedited, and the next start-up would replace them with the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.constants import CONSENT_KEEP
from bot.settings import Settings
from bot.storage import cases, repository
from bot.storage.db import engine_of, scrub
from bot.storage.models import (
    Assessment,
    AuditEntry,
    Case,
    CaseAttachment,
    CaseLabel,
    CaseMessage,
    Consent,
    DeadLetter,
    InboxUpdate,
    OutboxMessage,
    Person,
)

# Every table a purge deletes from (erasing a person included), vacuumed after it on PostgreSQL.
PURGED_TABLES = (
    *(model.__tablename__ for model in (Person, Assessment, Consent, Case, CaseMessage)),
    CaseAttachment.__tablename__,
    *(model.__tablename__ for model in (OutboxMessage, DeadLetter, InboxUpdate, AuditEntry)),
    repository.RASA_EVENTS.name,
)


@dataclass(frozen=True)
class RetentionPolicy:
    inactive_days: int = 30
    closed_case_days: int = 365
    delivered_days: int = 7
    audit_days: int = 365

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        return cls(
            settings.retention_days,
            settings.closed_case_days,
            audit_days=settings.audit_retention_days,
        )


def _keeps_answers(session: Session, pseudonym: str) -> bool:
    latest = session.execute(
        select(Consent.granted)
        .where(Consent.pseudonym == pseudonym, Consent.purpose == CONSENT_KEEP)
        .order_by(Consent.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return bool(latest)


def purge_and_scrub(
    sessions: sessionmaker[Session], now: datetime, policy: RetentionPolicy
) -> dict[str, int]:
    """The purge in a transaction of its own, then the deleted rows scrubbed from the
    database's files (``bot.storage.db.scrub``)."""
    with sessions.begin() as session:
        counts = purge(session, now, policy)
    scrub(engine_of(sessions), PURGED_TABLES)
    return counts


def purge(session: Session, now: datetime, policy: RetentionPolicy) -> dict[str, int]:
    """Delete what is past its retention period; returns how many of each were removed."""
    counts = {"people": 0, "closed_cases": 0, "dead_letters": 0, "handled_updates": 0}
    inactive_since = now - timedelta(days=policy.inactive_days)
    stale_people = session.execute(
        select(Person.pseudonym).where(Person.last_seen_at < inactive_since)
    ).scalars()
    for pseudonym in list(stale_people):
        open_case = cases.open_case(session, pseudonym)
        if _keeps_answers(session, pseudonym) or (
            open_case is not None and open_case.status != cases.DRAFT
        ):
            continue
        repository.erase_person(session, pseudonym)
        counts["people"] += 1
    old_cases = session.execute(
        select(Case.id).where(
            Case.status == cases.CLOSED,
            Case.closed_at < now - timedelta(days=policy.closed_case_days),
        )
    ).scalars()
    for case_id in list(old_cases):
        cases.delete_thread(session, case_id)
        # The labels stay for the centre's other cases; only this case's links go.
        session.execute(delete(CaseLabel).where(CaseLabel.case_id == case_id))
        session.execute(delete(Case).where(Case.id == case_id))
        counts["closed_cases"] += 1
    delivered_before = now - timedelta(days=policy.delivered_days)
    counts["dead_letters"] = session.execute(
        delete(DeadLetter).where(DeadLetter.dead_at < delivered_before)
    ).rowcount
    counts["handled_updates"] = session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.status != "pending", InboxUpdate.received_at < delivered_before
        )
    ).rowcount
    counts["audit_entries"] = session.execute(
        delete(AuditEntry).where(
            AuditEntry.at < now - timedelta(days=policy.audit_days),
            AuditEntry.action.not_in(cases.DIRECTORY_HISTORY),
        )
    ).rowcount
    return counts
