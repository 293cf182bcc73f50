"""The gateway's view of the database: people by pseudonym.

SQLAlchemy sessions are synchronous; each call runs in a worker thread so the event loop that
serves other people never waits on the disk.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import MultiFernet
from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.storage import repository, statistics
from bot.storage.cases import UNFINISHED
from bot.storage.db import engine_of, scrub
from bot.storage.keys import seal
from bot.storage.models import Assessment, Case, Person
from bot.storage.repository import IN_PROGRESS


@dataclass(frozen=True)
class Profile:
    pseudonym: str
    language: str
    centre: str | None
    is_new: bool = False
    # Whether an assessment is being answered, and a case is open: most turns have neither,
    # and knowing it from this one read spares them a transaction per flow (True: not known).
    assessing: bool = True
    case_open: bool = True


# ``last_seen_at`` only tells retention when a silent person's data goes (after days): kept
# to this precision, most turns need no write, and every write waits for SQLite's one lock.
TOUCH_EVERY = timedelta(minutes=10)
# Every turn reads the profile: built once (see bot.gateway.inbox), run on a plain connection
# (bot.storage.db.engine_of).
_PROFILE = select(
    Person.language,
    Person.centre_code,
    Person.chat_ref,
    Person.last_seen_at,
    Person.blocked_at,
    exists()
    .where(Assessment.pseudonym == Person.pseudonym, Assessment.status == IN_PROGRESS)
    .label("assessing"),
    exists()
    .where(Case.pseudonym == Person.pseudonym, Case.status.in_(UNFINISHED))
    .label("case_open"),
).where(Person.pseudonym == bindparam("person"))
_TOUCH = (
    update(Person)
    .where(Person.pseudonym == bindparam("person"))
    .values(last_seen_at=bindparam("now"), blocked_at=None)
)
_CHAT_REF = (
    update(Person)
    .where(Person.pseudonym == bindparam("person"))
    .values(chat_ref=bindparam("chat_ref"))
)


class PeopleStore:
    def __init__(self, sessions: sessionmaker[Session], box: MultiFernet) -> None:
        self._sessions = sessions
        self._engine = engine_of(sessions)
        self._box = box

    async def profile(
        self,
        pseudonym: str,
        default_language: str,
        chat_id: int | None = None,
        centre: str | None = None,
    ) -> Profile:
        """The person's profile, created with ``default_language`` on first contact.

        The chat id is kept (encrypted) so that a caseworker's reply can reach the person.
        """
        return await asyncio.to_thread(self._profile, pseudonym, default_language, chat_id, centre)

    def _profile(
        self, pseudonym: str, default_language: str, chat_id: int | None, centre: str | None
    ) -> Profile:
        with self._engine.begin() as connection:
            known = connection.execute(_PROFILE, {"person": pseudonym}).first()
            if known is not None:
                now = datetime.utcnow()
                # Writing again also means the person no longer blocks the bot.
                if known.blocked_at is not None or now - known.last_seen_at >= TOUCH_EVERY:
                    connection.execute(_TOUCH, {"person": pseudonym, "now": now})
                if chat_id is not None and known.chat_ref is None:
                    chat_ref = {"person": pseudonym, "chat_ref": seal(self._box, chat_id)}
                    connection.execute(_CHAT_REF, chat_ref)
                return Profile(
                    pseudonym,
                    known.language,
                    known.centre_code,
                    assessing=bool(known.assessing),
                    case_open=bool(known.case_open),
                )
        with self._sessions.begin() as session:
            return self._first_contact(session, pseudonym, default_language, chat_id, centre)

    def _first_contact(
        self,
        session: Session,
        pseudonym: str,
        language: str,
        chat_id: int | None,
        centre: str | None,
    ) -> Profile:
        person = repository.get_or_create_person(session, pseudonym, language)
        person.centre_code = centre
        statistics.bump(session, statistics.NEW_USER, datetime.utcnow(), centre, language)
        if chat_id is not None:
            person.chat_ref = seal(self._box, chat_id)
        return Profile(
            person.pseudonym,
            person.language,
            person.centre_code,
            is_new=True,
            assessing=False,
            case_open=False,
        )

    async def update(
        self, pseudonym: str, *, language: str | None = None, centre: str | None = None
    ) -> None:
        await asyncio.to_thread(self._update, pseudonym, language, centre)

    def _update(self, pseudonym: str, language: str | None, centre: str | None) -> None:
        with self._sessions.begin() as session:
            person = repository.get_or_create_person(session, pseudonym, language or "fr")
            if language:
                person.language = language
            if centre:
                person.centre_code = centre

    async def count(self, metric: str, centre: str | None, language: str, value: str = "") -> None:
        """An anonymous counter for the centres' reports."""
        await asyncio.to_thread(self._count, metric, centre, language, value)

    def _count(self, metric: str, centre: str | None, language: str, value: str) -> None:
        with self._sessions.begin() as session:
            statistics.bump(session, metric, datetime.utcnow(), centre, language, value)

    async def erase(self, pseudonym: str) -> None:
        await asyncio.to_thread(self._erase, pseudonym)

    def _erase(self, pseudonym: str) -> None:
        with self._sessions.begin() as session:
            repository.erase_person(session, pseudonym)
        # At once, not at the hourly purge: the person was told their data is gone.
        scrub(engine_of(self._sessions))
