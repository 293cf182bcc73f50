"""Handover cases, their thread, the audit log and the outbox: small functions on a session.

Texts (packet, thread, notes, outcome details, outbox bodies) are sealed with the data key;
callers pass the cipher. Status, priority, language and centre stay clear: the queue is sorted
and filtered on them, and they identify nobody.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import MultiFernet
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.i18n.bidi import directed
from bot.storage.keys import seal, unseal
from bot.storage.models import (
    AuditEntry,
    Case,
    CaseAttachment,
    CaseMessage,
    Caseworker,
    DeadLetter,
    OutboxMessage,
)
from bot.telegram_limits import check_message, split_text

DRAFT, QUEUED, CLAIMED, CLOSED = "draft", "queued", "claimed", "closed"
OPEN_STATUSES = (QUEUED, CLAIMED)
# A case still in hand for the person: being drafted with them, or open.
UNFINISHED = (DRAFT, *OPEN_STATUSES)
URGENT, HIGH, NORMAL = 0, 1, 2
PRIORITY_NAMES = {URGENT: "urgent", HIGH: "high", NORMAL: "normal"}
OUTCOMES = ("referred", "assisted", "no_answer", "other", "cancelled", "erased")
# Message kinds in a case thread.
FROM_PERSON, FROM_CASEWORKER, NOTE, SYSTEM = "person", "caseworker", "note", "system"
# What happened to a case, written in its thread as it happens. A SYSTEM entry holds the event's
# code and parameters, never words: the console puts them into its reader's language.
CLAIMED_EVENT, TRANSFERRED_EVENT, SENT_TO_CENTRE_EVENT = "claimed", "transferred", "to_centre"
REQUEUED_EVENT, CANCELLED_EVENT, CLOSED_EVENT = "requeued", "cancelled", "closed"
CRISIS_EVENT, REASSIGNED_EVENT, REOPENED_EVENT = "crisis", "reassigned", "reopened"
EVENTS = (
    CLAIMED_EVENT, TRANSFERRED_EVENT, SENT_TO_CENTRE_EVENT, REQUEUED_EVENT, CANCELLED_EVENT,
    CLOSED_EVENT, CRISIS_EVENT, REASSIGNED_EVENT, REOPENED_EVENT,
)  # fmt: skip
# The events after which someone else holds the case than the one who claimed it.
HANDOVER_EVENTS = (TRANSFERRED_EVENT, REASSIGNED_EVENT)


# Where a caseworker's message to the person is: in the outbox, accepted by Telegram, or given
# up on (its reason is the dead letter's, bot.gateway.outbox).
DELIVERY_QUEUED, DELIVERY_SENT, DELIVERY_FAILED = "queued", "sent", "failed"


@dataclass(frozen=True)
class ThreadEntry:
    id: int
    kind: str
    text: str
    at: datetime
    caseworker_id: int | None
    delivery: str | None = None
    delivery_reason: str | None = None


def open_case(session: Session, pseudonym: str) -> Case | None:
    """The person's draft, queued or claimed case, if any."""
    return session.execute(
        select(Case)
        .where(Case.pseudonym == pseudonym, Case.status.in_(UNFINISHED))
        .order_by(Case.id.desc())
        .limit(1)
    ).scalar_one_or_none()


# The service directory's history in the audit log: its imports from the file and an admin's
# edits in the console. bot.directory_sync reads it to know whether the directory was edited
# since the last import; it names no returnee, and the audit log's retention keeps it.
SERVICES_IMPORTED = "services_imported"
SERVICE_EDITS = ("service_created", "service_updated", "service_deleted")
DIRECTORY_HISTORY = (SERVICES_IMPORTED, *SERVICE_EDITS)
# A person who comes back within this time of an urgent case starts at high priority at least:
# what made it urgent may not be over.
URGENT_MEMORY = timedelta(days=90)


def earlier_cases(session: Session, case: Case) -> list[Case]:
    """The same person's other cases that are over, newest first (none once they are erased:
    erasure removes the pseudonym that links them)."""
    if case.pseudonym is None:
        return []
    return list(
        session.execute(
            select(Case)
            .where(Case.pseudonym == case.pseudonym, Case.id != case.id, Case.status == CLOSED)
            .order_by(Case.id.desc())
        ).scalars()
    )


def recently_urgent(session: Session, pseudonym: str, now: datetime) -> bool:
    """Whether the person had an urgent case created within URGENT_MEMORY."""
    return (
        session.execute(
            select(Case.id).where(
                Case.pseudonym == pseudonym,
                Case.priority == URGENT,
                Case.status != DRAFT,
                Case.created_at >= now - URGENT_MEMORY,
            )
        ).first()
        is not None
    )


def create_draft(
    session: Session, box: MultiFernet, pseudonym: str, language: str, centre: str | None,
    packet: dict[str, Any], priority: int, step: str,
) -> Case:  # fmt: skip
    case = Case(
        pseudonym=pseudonym,
        status=DRAFT,
        step=step,
        priority=priority,
        language=language,
        centre_code=centre,
        packet=seal(box, packet),
        person_told_thread=False,
        supervisors_alerted=False,
    )
    session.add(case)
    session.flush()
    return case


def packet(box: MultiFernet, case: Case) -> dict[str, Any]:
    return unseal(box, case.packet)


def set_packet(box: MultiFernet, case: Case, data: dict[str, Any]) -> None:
    case.packet = seal(box, data)


def enqueue(case: Case, now: datetime) -> None:
    case.status = QUEUED
    case.step = None
    case.queued_at = now
    case.last_activity_at = now


def queue(
    session: Session,
    language: str | None = None,
    centre: str | None = None,
    priority: int | None = None,
    within: ColumnElement | None = None,
) -> list[Case]:
    """Queued cases, most urgent first, then longest waiting; ``within`` narrows them to what
    the reader may see."""
    query = select(Case).where(Case.status == QUEUED)
    if within is not None:
        query = query.where(within)
    if language:
        query = query.where(Case.language == language)
    if centre:
        query = query.where(Case.centre_code == centre)
    if priority is not None:
        query = query.where(Case.priority == priority)
    return list(session.execute(query.order_by(Case.priority, Case.queued_at)).scalars())


def queue_position(session: Session, case: Case) -> int:
    """1 for the next case to be claimed."""
    ahead = session.execute(
        select(func.count(Case.id)).where(
            Case.status == QUEUED,
            (Case.priority < case.priority)
            | ((Case.priority == case.priority) & (Case.queued_at < case.queued_at)),
        )
    ).scalar_one()
    return ahead + 1


def expected_wait(session: Session, recent: int = 20) -> timedelta | None:
    """Median time to claim over the most recent claimed cases; None without history."""
    rows = session.execute(
        select(Case.queued_at, Case.claimed_at)
        .where(Case.claimed_at.is_not(None), Case.queued_at.is_not(None))
        .order_by(Case.claimed_at.desc())
        .limit(recent)
    ).all()
    if not rows:
        return None
    return timedelta(seconds=statistics.median((c - q).total_seconds() for q, c in rows))


def claim(session: Session, case_id: int, caseworker_id: int, now: datetime) -> bool:
    """Atomic: exactly one of several simultaneous claims succeeds."""
    result = session.execute(
        update(Case)
        .where(Case.id == case_id, Case.status == QUEUED)
        .values(status=CLAIMED, claimed_by=caseworker_id, claimed_at=now, last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def hand_over(
    session: Session, box: MultiFernet, case: Case, to: Caseworker, event: str, now: datetime,
    **params: str,
) -> None:  # fmt: skip
    """The case goes to colleague ``to`` (a transfer, a supervisor's reassignment): the thread
    says so with ``event`` and ``params``, and names who holds it now."""
    case.claimed_by = to.id
    case.last_activity_at = now
    add_event(session, box, case, event, now, **params, to=to.username)


def release(case: Case, now: datetime) -> None:
    """Back to the queue (inactivity or transfer to a centre)."""
    case.status = QUEUED
    case.claimed_by = None
    case.claimed_at = None
    case.last_activity_at = now


def close(
    session: Session, box: MultiFernet, case: Case, outcome: str, detail: str, now: datetime
) -> None:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    case.status = CLOSED
    case.outcome = outcome
    case.outcome_detail = seal(box, detail) if detail else None
    case.closed_at = now
    case.last_activity_at = now


def reopen_obstacle(session: Session, case: Case) -> str | None:
    """Why a case cannot reopen ("not_closed", "erased_never_reopens", "other_case_open"); None
    when it can. Erased, never: there is nobody to write to, and the person asked for it. Nor
    while the person has another request open: their messages go to one case at a time."""
    if case.status != CLOSED:
        return "not_closed"
    if case.pseudonym is None or case.outcome == "erased":
        return "erased_never_reopens"
    if open_case(session, case.pseudonym) is not None:
        return "other_case_open"
    return None


def reopen(case: Case, holder_id: int | None, now: datetime) -> None:
    """A closed case open again: held by ``holder_id``, or back in the queue for None. Its
    outcome goes (the thread's closing line and the audit log keep it); the monthly counters
    keep the closing they counted."""
    case.status = CLAIMED if holder_id is not None else QUEUED
    case.claimed_by = holder_id
    case.claimed_at = now if holder_id is not None else None
    case.queued_at = case.queued_at if holder_id is not None else now
    case.outcome = None
    case.outcome_detail = None
    case.closed_at = None
    case.last_activity_at = now
    # A new wait in the queue gets its own unclaimed alert.
    case.supervisors_alerted = False


def add_message(
    session: Session, box: MultiFernet, case: Case, kind: str, text: str, now: datetime,
    caseworker_id: int | None = None, update_id: int | None = None,
) -> CaseMessage:  # fmt: skip
    message = CaseMessage(
        case_id=case.id, kind=kind, caseworker_id=caseworker_id, body=seal(box, text),
        created_at=now, update_id=update_id,
    )  # fmt: skip
    session.add(message)
    case.last_activity_at = now
    if kind == FROM_CASEWORKER and case.first_reply_at is None:
        case.first_reply_at = now
    return message


def add_event(
    session: Session, box: MultiFernet, case: Case, event: str, now: datetime,
    **params: str | list[str],
) -> None:  # fmt: skip
    """A SYSTEM line in the thread: ``event`` (one of EVENTS) and its parameters."""
    if event not in EVENTS:
        raise ValueError(f"unknown case event {event!r}")
    body = json.dumps({"event": event, **params}, ensure_ascii=False)
    add_message(session, box, case, SYSTEM, body, now)


def read_event(text: str) -> tuple[str, dict[str, Any]] | None:
    """(event, parameters) of a SYSTEM entry's text; None for a line written before events were
    codes, which is shown as it is."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("event") not in EVENTS:
        return None
    return data.pop("event"), data


def has_message_from(session: Session, case: Case, update_id: int) -> bool:
    """Whether the person's update is already in the thread (it is being handled again)."""
    return (
        session.execute(
            select(CaseMessage.id).where(
                CaseMessage.case_id == case.id, CaseMessage.update_id == update_id
            )
        ).first()
        is not None
    )


def thread(
    session: Session, box: MultiFernet, case_id: int, after: int = 0,
    delivered: Iterable[int] = (),
) -> list[ThreadEntry]:  # fmt: skip
    """The case's thread in order; ``after`` an entry's id: only what came after it, and of the
    entries ``delivered`` lists, those no longer queued (a page shows them as queued)."""
    newer = CaseMessage.id > after
    watched = list(delivered)
    changed = CaseMessage.id.in_(watched) & (CaseMessage.delivery != DELIVERY_QUEUED)
    rows = session.execute(
        select(CaseMessage)
        .where(CaseMessage.case_id == case_id, or_(newer, changed) if watched else newer)
        .order_by(CaseMessage.id)
    ).scalars()
    return [
        ThreadEntry(
            m.id,
            m.kind,
            unseal(box, m.body),
            m.created_at,
            m.caseworker_id,
            m.delivery,
            m.delivery_reason,
        )  # fmt: skip
        for m in rows
    ]


def failed_deliveries(session: Session, case_ids: list[int]) -> dict[int, int]:
    """How many of each case's messages to the person could not be delivered."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(CaseMessage.case_id, func.count(CaseMessage.id))
        .where(CaseMessage.case_id.in_(case_ids), CaseMessage.delivery == DELIVERY_FAILED)
        .group_by(CaseMessage.case_id)
    ).all()
    return {case_id: count for case_id, count in rows}


def delete_thread(session: Session, case_id: int) -> None:
    """The case's messages and the files that came with them (``bot.storage.attachments``)."""
    session.execute(delete(CaseAttachment).where(CaseAttachment.case_id == case_id))
    session.execute(delete(CaseMessage).where(CaseMessage.case_id == case_id))


def audit(
    session: Session, action: str, caseworker_id: int | None = None, username: str | None = None,
    case_id: int | None = None, detail: str | None = None, now: datetime | None = None,
) -> None:  # fmt: skip
    session.add(
        AuditEntry(
            caseworker_id=caseworker_id, username=username, case_id=case_id, action=action,
            detail=detail, at=now or datetime.utcnow(),
        )
    )  # fmt: skip


def send_later(
    session: Session, box: MultiFernet, pseudonym: str, text: str,
    buttons: list[tuple[str, str]] | None = None, rtl: bool = False,
    message: CaseMessage | None = None,
) -> None:  # fmt: skip
    """Queue a message for the person; the gateway's sender delivers it. A text too long for one
    message goes as several, in order, the buttons under the last; ``UnsendableMessage`` when
    Telegram would refuse it (a button's data too long). In a right-to-left language numbers,
    commands and Latin names are isolated, as in the gateway's replies. ``message``: the
    thread's entry it is, whose delivery state the sender then keeps."""
    *first, last = split_text(directed(text, rtl))
    parts = [(part, None) for part in first] + [(last, buttons or None)]
    for part, part_buttons in parts:
        check_message(part, part_buttons or ())
    if message is not None:
        session.flush([message])
        message.delivery = DELIVERY_QUEUED
    for part, part_buttons in parts:
        session.add(
            OutboxMessage(
                pseudonym=pseudonym, body=seal(box, part),
                buttons=seal(box, part_buttons) if part_buttons else None, attempts=0,
                case_message_id=message.id if message is not None else None,
            )
        )  # fmt: skip


def erase_cases(session: Session, pseudonym: str, now: datetime) -> None:
    """On /forget: open cases close as erased; every case loses its link, packet and thread.

    The case row stays (without content or files) so that the caseworker sees what happened.
    """
    for case in session.execute(select(Case).where(Case.pseudonym == pseudonym)).scalars():
        if case.status != CLOSED:
            case.status = CLOSED
            case.closed_at = now
        case.outcome = "erased"
        case.pseudonym = None
        case.packet = b""
        case.outcome_detail = None
        delete_thread(session, case.id)
    session.execute(delete(OutboxMessage).where(OutboxMessage.pseudonym == pseudonym))
    session.execute(delete(DeadLetter).where(DeadLetter.pseudonym == pseudonym))
