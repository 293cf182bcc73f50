"""The open claimed cases a supervisor oversees: who holds each, and how long the person and
the caseworker have been silent. From clear columns only: nothing here is decrypted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.storage import cases
from bot.storage.models import Case, CaseMessage, Caseworker


@dataclass(frozen=True)
class HeldCase:
    """One claimed case as the "cases in progress" page lists it."""

    case: Case
    holder: Caseworker | None
    last_from_person: datetime | None
    last_reply: datetime | None

    @property
    def awaiting_reply(self) -> bool:
        """The person wrote last (or wrote and never had a reply)."""
        if self.last_from_person is None:
            return False
        return self.last_reply is None or self.last_reply < self.last_from_person


def held_cases(session: Session, within: ColumnElement) -> list[HeldCase]:
    """Every claimed case ``within`` selects, most urgent first, then the longest held."""
    claimed = list(
        session.execute(
            select(Case)
            .where(Case.status == cases.CLAIMED, within)
            .order_by(Case.priority, Case.claimed_at, Case.id)
        ).scalars()
    )
    if not claimed:
        return []
    ids = [case.id for case in claimed]
    latest: dict[tuple[int, str], datetime] = {
        (case_id, kind): at
        for case_id, kind, at in session.execute(
            select(CaseMessage.case_id, CaseMessage.kind, func.max(CaseMessage.created_at))
            .where(
                CaseMessage.case_id.in_(ids),
                CaseMessage.kind.in_((cases.FROM_PERSON, cases.FROM_CASEWORKER)),
            )
            .group_by(CaseMessage.case_id, CaseMessage.kind)
        ).all()
    }
    holders = {
        account.id: account
        for account in session.execute(
            select(Caseworker).where(Caseworker.id.in_({c.claimed_by for c in claimed}))
        ).scalars()
    }
    return [
        HeldCase(
            case=case,
            holder=holders.get(case.claimed_by),
            last_from_person=latest.get((case.id, cases.FROM_PERSON)),
            last_reply=latest.get((case.id, cases.FROM_CASEWORKER)),
        )
        for case in claimed
    ]


def handed_over_at(thread: list[cases.ThreadEntry]) -> datetime | None:
    """When the case last changed hands without going back to the queue (a transfer to a
    colleague, a supervisor's reassignment), after its latest claim; None if it never did."""
    moment = None
    for entry in thread:
        event = cases.read_event(entry.text) if entry.kind == cases.SYSTEM else None
        if event is None:
            continue
        if event[0] in cases.HANDOVER_EVENTS:
            moment = entry.at
        elif event[0] in (cases.CLAIMED_EVENT, cases.SENT_TO_CENTRE_EVENT, cases.REQUEUED_EVENT):
            moment = None
    return moment
