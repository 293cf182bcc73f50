"""Small repository functions; each takes a session and leaves committing to the caller."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, MetaData, String, Table, delete, inspect, select
from sqlalchemy.orm import Session

from bot.storage.cases import erase_cases
from bot.storage.models import Assessment, Consent, Person

# Version of the consent wordings; stored with each decision. 2: the person who takes the case
# is named "référent" (fr), "caseworker" (en), "gestor de casos" (es), "موظف المتابعة" (ar), and
# Spanish says "consentimiento" throughout.
CONSENT_VERSION = 2

IN_PROGRESS, PAUSED, COMPLETED = "in_progress", "paused", "completed"


def get_or_create_person(session: Session, pseudonym: str, language: str) -> Person:
    person = session.get(Person, pseudonym)
    if person is None:
        person = Person(pseudonym=pseudonym, language=language)
        session.add(person)
    person.last_seen_at = datetime.utcnow()
    return person


# Rasa's tracker store keeps its events in the same database, in a table it creates itself; only
# the column that erasure needs is declared here.
RASA_EVENTS = Table("events", MetaData(), Column("sender_id", String(255)))


def erase_person(session: Session, pseudonym: str) -> None:
    """Erase everything stored about a person: profile and conversation history."""
    session.execute(delete(Person).where(Person.pseudonym == pseudonym))
    session.execute(delete(Assessment).where(Assessment.pseudonym == pseudonym))
    session.execute(delete(Consent).where(Consent.pseudonym == pseudonym))
    erase_cases(session, pseudonym, datetime.utcnow())
    if inspect(session.connection()).has_table(RASA_EVENTS.name):
        session.execute(delete(RASA_EVENTS).where(RASA_EVENTS.c.sender_id == pseudonym))


def open_assessment(session: Session, pseudonym: str) -> Assessment | None:
    """The person's unfinished assessment (answering or paused), if any."""
    return session.execute(
        select(Assessment)
        .where(Assessment.pseudonym == pseudonym, Assessment.status.in_((IN_PROGRESS, PAUSED)))
        .order_by(Assessment.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def get_assessment(session: Session, pseudonym: str, assessment_id: int) -> Assessment | None:
    assessment = session.get(Assessment, assessment_id)
    return assessment if assessment and assessment.pseudonym == pseudonym else None


def create_assessment(
    session: Session, pseudonym: str, version: int, progress: bytes
) -> Assessment:
    assessment = Assessment(
        pseudonym=pseudonym, definition_version=version, status=IN_PROGRESS, progress=progress
    )
    session.add(assessment)
    session.flush()
    return assessment


def previous_result(session: Session, pseudonym: str, before_id: int) -> Assessment | None:
    """The latest completed assessment before ``before_id``, for "since last time"."""
    return session.execute(
        select(Assessment)
        .where(
            Assessment.pseudonym == pseudonym,
            Assessment.status == COMPLETED,
            Assessment.id < before_id,
        )
        .order_by(Assessment.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def record_consent(
    session: Session, pseudonym: str, purpose: str, granted: bool, language: str, now: datetime
) -> bool:
    """Store one decision for one purpose, with the wording's version and language."""
    session.add(
        Consent(
            pseudonym=pseudonym,
            purpose=purpose,
            granted=granted,
            text_version=CONSENT_VERSION,
            language=language,
            decided_at=now,
        )
    )
    return granted
