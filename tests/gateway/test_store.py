"""The people store: profiles created on first contact, and what a turn's one read tells."""

from __future__ import annotations

from cryptography.fernet import MultiFernet
from sqlalchemy.orm import sessionmaker

from bot.gateway.store import PeopleStore
from bot.storage import cases, repository


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
