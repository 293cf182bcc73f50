"""The gateway's view of the database: people by pseudonym, and updates already seen.

SQLAlchemy sessions are synchronous; each call runs in a worker thread so the event loop that
serves other people never waits on the disk.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.storage import repository


@dataclass(frozen=True)
class Profile:
    pseudonym: str
    language: str
    centre: str | None
    is_new: bool = False


class PeopleStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    async def profile(self, pseudonym: str, default_language: str) -> Profile:
        """The person's profile, created with ``default_language`` on first contact."""
        return await asyncio.to_thread(self._profile, pseudonym, default_language)

    def _profile(self, pseudonym: str, default_language: str) -> Profile:
        with self._sessions.begin() as session:
            existing = repository.get_person(session, pseudonym)
            person = repository.get_or_create_person(session, pseudonym, default_language)
            return Profile(person.pseudonym, person.language, person.centre_code, existing is None)

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

    async def erase(self, pseudonym: str) -> None:
        await asyncio.to_thread(self._erase, pseudonym)

    def _erase(self, pseudonym: str) -> None:
        with self._sessions.begin() as session:
            repository.erase_person(session, pseudonym)

    async def first_sighting(self, update_id: int) -> bool:
        return await asyncio.to_thread(self._first_sighting, update_id)

    def _first_sighting(self, update_id: int) -> bool:
        with self._sessions.begin() as session:
            return repository.first_sighting(session, update_id)
