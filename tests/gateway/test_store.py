"""The people store: profiles created on first contact, and what a turn's one read tells."""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography.fernet import MultiFernet
from sqlalchemy.orm import sessionmaker

from bot.gateway.store import TOUCH_EVERY, PeopleStore
from bot.storage import cases, repository
from bot.storage.models import Person


async def test_a_first_contact_has_nothing_open(people: PeopleStore) -> None:
    profile = await people.profile("p-1", "ar")

    assert profile.is_new and profile.language == "ar"
    assert not profile.assessing and not profile.case_open


async def test_the_profile_read_tells_whether_an_assessment_is_being_answered(
    people: PeopleStore, sessions: sessionmaker
) -> None:
    await people.profile("p-2", "fr")
    with sessions.begin() as session:
        assessment = repository.create_assessment(session, "p-2", 1, b"")

    assert (await people.profile("p-2", "fr")).assessing
    with sessions.begin() as session:
        session.get(type(assessment), assessment.id).status = repository.PAUSED
    assert not (await people.profile("p-2", "fr")).assessing, "a paused one awaits no answer"


async def test_the_profile_read_tells_whether_a_case_is_in_hand(
    people: PeopleStore, sessions: sessionmaker, box: MultiFernet
) -> None:
    await people.profile("p-3", "fr")
    with sessions.begin() as session:
        case = cases.create_draft(session, box, "p-3", "fr", None, {}, 0, "help_with")

    assert (await people.profile("p-3", "fr")).case_open
    with sessions.begin() as session:
        session.get(type(case), case.id).status = cases.CLOSED
    profile = await people.profile("p-3", "fr")
    assert not profile.case_open and not profile.is_new


def last_seen(sessions: sessionmaker, pseudonym: str) -> tuple[datetime, datetime | None]:
    with sessions.begin() as session:
        person = session.get(Person, pseudonym)
        return person.last_seen_at, person.blocked_at


def set_seen(
    sessions: sessionmaker, pseudonym: str, seen: datetime, blocked: datetime | None = None
) -> None:
    with sessions.begin() as session:
        person = session.get(Person, pseudonym)
        person.last_seen_at, person.blocked_at = seen, blocked


async def test_last_seen_is_written_again_only_once_it_is_old(
    people: PeopleStore, sessions: sessionmaker
) -> None:
    await people.profile("p-4", "fr")
    recent = datetime.utcnow() - TOUCH_EVERY / 2
    set_seen(sessions, "p-4", recent)

    await people.profile("p-4", "fr")
    assert last_seen(sessions, "p-4")[0] == recent

    old = datetime.utcnow() - TOUCH_EVERY - timedelta(seconds=1)
    set_seen(sessions, "p-4", old)
    await people.profile("p-4", "fr")
    assert last_seen(sessions, "p-4")[0] > recent


async def test_a_person_who_writes_again_no_longer_blocks_the_bot(
    people: PeopleStore, sessions: sessionmaker
) -> None:
    await people.profile("p-5", "fr")
    now = datetime.utcnow()
    set_seen(sessions, "p-5", now, blocked=now)

    await people.profile("p-5", "fr")

    assert last_seen(sessions, "p-5")[1] is None
