"""Delivering messages written outside a person's own turn (a caseworker's reply, a rating
request): they wait in the ``outbox`` table until the sender hands them to Telegram."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.gateway.replies import Reply
from bot.i18n import is_rtl
from bot.storage.keys import unseal
from bot.storage.models import OutboxMessage, Person

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BATCH = 20


@dataclass(frozen=True)
class Pending:
    id: int
    pseudonym: str
    chat_id: int | None
    reply: Reply


class PermanentFailure(Exception):
    """The message can never be delivered (the person blocked the bot, or left no chat)."""


Deliver = Callable[[Pending], Awaitable[None]]


class Outbox:
    def __init__(self, sessions: sessionmaker[Session], box: MultiFernet) -> None:
        self._sessions = sessions
        self._box = box

    def pending(self, pseudonym: str | None = None) -> list[Pending]:
        with self._sessions.begin() as session:
            query = select(OutboxMessage, Person).join(
                Person, Person.pseudonym == OutboxMessage.pseudonym, isouter=True
            )
            query = query.where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed.is_(False))
            if pseudonym is not None:
                query = query.where(OutboxMessage.pseudonym == pseudonym)
            rows = session.execute(query.order_by(OutboxMessage.id).limit(BATCH)).all()
            return [self._pending(message, person) for message, person in rows]

    def _pending(self, message: OutboxMessage, person: Person | None) -> Pending:
        buttons = unseal(self._box, message.buttons) if message.buttons else []
        language = person.language if person else "fr"
        chat_id = unseal(self._box, person.chat_ref) if person and person.chat_ref else None
        reply = Reply(
            unseal(self._box, message.body),
            tuple((title, payload) for title, payload in buttons),
            rtl=is_rtl(language),
        )
        return Pending(message.id, message.pseudonym, chat_id, reply)

    def mark(self, message_id: int, *, sent: bool, permanent: bool = False) -> None:
        with self._sessions.begin() as session:
            message = session.get(OutboxMessage, message_id)
            if message is None:
                return
            message.attempts += 1
            if sent:
                message.sent_at = datetime.utcnow()
            elif permanent or message.attempts >= MAX_ATTEMPTS:
                message.failed = True

    async def deliver_once(self, deliver: Deliver, pseudonym: str | None = None) -> int:
        """Try every pending message once; returns how many were delivered."""
        delivered = 0
        for item in await asyncio.to_thread(self.pending, pseudonym):
            try:
                await deliver(item)
            except PermanentFailure:
                await asyncio.to_thread(self.mark, item.id, sent=False, permanent=True)
                logger.info("outbox message %s undeliverable", item.id)
            except Exception as error:  # noqa: BLE001 - retried on the next pass
                await asyncio.to_thread(self.mark, item.id, sent=False)
                logger.warning("outbox message %s not sent: %s", item.id, type(error).__name__)
            else:
                await asyncio.to_thread(self.mark, item.id, sent=True)
                delivered += 1
        return delivered

    async def run(self, deliver: Deliver, interval: float = 1.0) -> None:
        while True:
            await self.deliver_once(deliver)
            await asyncio.sleep(interval)
