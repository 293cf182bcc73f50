"""The outbox as tests see it: messages queued for people, and where each one ended up."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.gateway.inbox import Outgoing, outbox_values
from bot.gateway.replies import Reply
from bot.storage.keys import pseudonym, seal, unseal
from bot.storage.models import DeadLetter, OutboxMessage, Person

KEYS = [b"o" * 32]


def person_of(chat: int) -> str:
    """The pseudonym of the person writing from ``chat`` (a private chat)."""
    return pseudonym(KEYS, chat)


def queue(sessions: sessionmaker, box: MultiFernet, chat: int, texts: list[str]) -> list[int]:
    """Queue ``texts`` for the person of ``chat`` as a turn's replies are queued (creating the
    person on first use); returns the rows' ids, in the order given."""
    with sessions.begin() as session:
        if session.get(Person, person_of(chat)) is None:
            session.add(Person(pseudonym=person_of(chat), language="fr", chat_ref=seal(box, chat)))
        ids = []
        for text in texts:
            row = OutboxMessage(**outbox_values(box, Outgoing(person_of(chat), chat, Reply(text))))
            session.add(row)
            # One at a time: the ids, which order a chat's messages, follow the texts' order.
            session.flush()
            ids.append(row.id)
        return ids


@dataclass(frozen=True)
class Letter:
    chat: int | None
    text: str
    reason: str


def dead_letters(sessions: sessionmaker, box: MultiFernet) -> list[Letter]:
    with sessions.begin() as session:
        rows = session.execute(select(DeadLetter).order_by(DeadLetter.id)).scalars().all()
        return [
            Letter(
                unseal(box, row.chat_ref) if row.chat_ref else None,
                unseal(box, row.body),
                row.reason,
            )
            for row in rows
        ]


def blocked_at(sessions: sessionmaker, chat: int) -> datetime | None:
    with sessions.begin() as session:
        person = session.get(Person, person_of(chat))
        assert person is not None
        return person.blocked_at


def duplicates(items: list) -> list:
    """The items that occur more than once."""
    return [item for item, count in Counter(items).items() if count > 1]
