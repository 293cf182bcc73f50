"""The outbox: every message to a person is stored here before it is sent.

Turn replies arrive with their update (``bot.gateway.inbox``); caseworkers' replies and rating
requests from the console (``bot.storage.cases.send_later``). Rows are leased like the inbox's,
one chat at a time and in order, so that replicas never send the same row: its id is its
idempotency key, and it is deleted once Telegram has it. Rows that cannot be delivered move to
the dead letters, which admins see in the console. A caseworker's message keeps its case
thread's entry current: queued, sent, or failed with the dead letter's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import MultiFernet
from sqlalchemy import bindparam, delete, exists, func, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.gateway.replies import Reply
from bot.i18n import is_rtl
from bot.storage import cases
from bot.storage.db import engine_of
from bot.storage.keys import unseal
from bot.storage.models import CaseMessage, DeadLetter, OutboxMessage, Person

LEASE = timedelta(seconds=60)
# Rows leased at once for one chat: a turn's replies go out together.
PER_CHAT = 10
BLOCKED, REJECTED, NO_CHAT, GAVE_UP = "blocked", "rejected", "no_chat", "gave_up"


# Built once, as the inbox's (bot.gateway.inbox): rebuilding them cost more than running them.
_FREE = or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < bindparam("now"))
_OLDER = aliased(OutboxMessage)
_HEADS = (
    select(OutboxMessage.pseudonym)
    .where(
        OutboxMessage.available_at <= bindparam("now"),
        _FREE,
        ~exists().where(_OLDER.pseudonym == OutboxMessage.pseudonym, _OLDER.id < OutboxMessage.id),
    )
    .order_by(OutboxMessage.id)
    .limit(bindparam("chats"))
)
_HEADS_OF_ONE = _HEADS.where(OutboxMessage.pseudonym == bindparam("pseudonym"))
_OF_CHAT = (
    select(
        OutboxMessage.id,
        OutboxMessage.pseudonym,
        OutboxMessage.chat_ref,
        OutboxMessage.body,
        OutboxMessage.buttons,
        OutboxMessage.rtl,
        OutboxMessage.attempts,
        OutboxMessage.created_at,
        OutboxMessage.available_at,
        OutboxMessage.lease_until,
        Person.chat_ref.label("person_chat_ref"),
        Person.language.label("person_language"),
    )
    .join(Person, Person.pseudonym == OutboxMessage.pseudonym, isouter=True)
    .where(OutboxMessage.pseudonym == bindparam("chat"))
    .order_by(OutboxMessage.id)
    .limit(PER_CHAT)
)
_LEASE = (
    update(OutboxMessage)
    .where(OutboxMessage.id == bindparam("row_id"), _FREE)
    .values(lease_owner=bindparam("owner"), lease_until=bindparam("until"))
)
_SENT = delete(OutboxMessage).where(
    OutboxMessage.id == bindparam("row_id"), OutboxMessage.lease_owner == bindparam("owner")
)
# A caseworker's message is sent once its last part is: the thread's entry says so.
_LINKED = select(OutboxMessage.case_message_id).where(
    OutboxMessage.id.in_(bindparam("row_ids", expanding=True)),
    OutboxMessage.lease_owner == bindparam("owner"),
    OutboxMessage.case_message_id.is_not(None),
)
_DELIVERED = (
    update(CaseMessage)
    .where(
        CaseMessage.id.in_(bindparam("entries", expanding=True)),
        CaseMessage.delivery == cases.DELIVERY_QUEUED,
        ~exists().where(OutboxMessage.case_message_id == CaseMessage.id),
    )
    .values(delivery=cases.DELIVERY_SENT)
)


@dataclass(frozen=True)
class Pending:
    id: int
    pseudonym: str
    chat_id: int | None
    reply: Reply
    attempts: int
    created_at: datetime


class Outbox:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        box: MultiFernet,
        owner: str = "sender",
        clock: Callable[[], datetime] = datetime.utcnow,
    ) -> None:
        self._sessions = sessions
        self._engine = engine_of(sessions)
        self._box = box
        self.owner = owner
        self._clock = clock

    def claim(self, chats: int, pseudonym: str | None = None) -> list[list[Pending]]:
        """Lease the waiting messages of up to ``chats`` chats (or of one person); each list is
        one chat's, in order, stopping before a message that must wait (429, retry pause)."""
        now = self._clock()
        heads = _HEADS if pseudonym is None else _HEADS_OF_ONE
        with self._engine.begin() as connection:
            batches = []
            chats = connection.execute(heads, {"now": now, "chats": chats, "pseudonym": pseudonym})
            for chat in chats.scalars().all():
                batch = []
                for message in connection.execute(_OF_CHAT, {"chat": chat}).all():
                    if message.available_at > now or not (
                        message.lease_until is None or message.lease_until < now
                    ):
                        break
                    leased = connection.execute(
                        _LEASE,
                        {
                            "row_id": message.id,
                            "now": now,
                            "owner": self.owner,
                            "until": now + LEASE,
                        },
                    ).rowcount
                    if not leased:
                        break
                    batch.append(self._pending(message))
                if batch:
                    batches.append(batch)
            return batches

    def _pending(self, message: Row) -> Pending:
        """A row of ``_OF_CHAT``, decrypted."""
        buttons = unseal(self._box, message.buttons) if message.buttons else []
        chat_ref = message.chat_ref or message.person_chat_ref
        rtl = message.rtl
        if rtl is None:
            rtl = is_rtl(message.person_language or "fr")
        reply = Reply(
            unseal(self._box, message.body),
            tuple((title, payload) for title, payload in buttons),
            rtl=rtl,
        )
        chat_id = unseal(self._box, chat_ref) if chat_ref else None
        return Pending(
            message.id, message.pseudonym, chat_id, reply, message.attempts, message.created_at
        )

    def sent(self, *message_ids: int) -> None:
        """Telegram has the messages: their rows go (nothing is kept that is not needed), and
        a caseworker's message whose parts are all sent is marked sent in its case's thread."""
        with self._engine.begin() as connection:
            entries = (
                connection.execute(_LINKED, {"row_ids": list(message_ids), "owner": self.owner})
                .scalars()
                .all()
            )
            connection.execute(_SENT, [{"row_id": i, "owner": self.owner} for i in message_ids])
            if entries:
                connection.execute(_DELIVERED, {"entries": sorted(set(entries))})

    def release(self, message_ids: list[int], pause: float = 0.0, attempt: bool = False) -> None:
        """Give messages back, to be tried again after ``pause`` seconds."""
        if not message_ids:
            return
        values = {
            "lease_owner": None,
            "lease_until": None,
            "available_at": self._clock() + timedelta(seconds=pause),
        }
        if attempt:
            values["attempts"] = OutboxMessage.attempts + 1
        with self._engine.begin() as connection:
            connection.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(message_ids), OutboxMessage.lease_owner == self.owner)
                .values(**values)
            )

    def dead(self, message_id: int, reason: str, tried: bool = False) -> None:
        """Move one message to the dead letters; ``tried``: after a try that failed for good,
        which its count of attempts does not include yet (the console shows that count)."""
        with self._sessions.begin() as session:
            self._bury(session, OutboxMessage.id == message_id, reason, int(tried))

    def blocked(self, pseudonym: str) -> int:
        """The person blocked the bot: mark them, and bury everything still waiting for them."""
        with self._sessions.begin() as session:
            session.execute(
                update(Person).where(Person.pseudonym == pseudonym).values(blocked_at=self._clock())
            )
            return self._bury(session, OutboxMessage.pseudonym == pseudonym, BLOCKED)

    def _bury(self, session: Session, condition, reason: str, tried: int = 0) -> int:
        messages = session.execute(select(OutboxMessage).where(condition)).scalars().all()
        for message in messages:
            dead = DeadLetter(**message.contents(), reason=reason, dead_at=self._clock())
            dead.attempts += tried
            session.add(dead)
            session.delete(message)
        # The caseworker sees on the case page, and counted in the queue, what did not arrive.
        entries = {m.case_message_id for m in messages if m.case_message_id is not None}
        if entries:
            session.execute(
                update(CaseMessage)
                .where(CaseMessage.id.in_(entries))
                .values(delivery=cases.DELIVERY_FAILED, delivery_reason=reason)
            )
        return len(messages)

    def release_own(self) -> int:
        """At start-up: the messages this replica held when it stopped go out again at once
        (rather than when their leases run out)."""
        with self._engine.begin() as connection:
            return connection.execute(
                update(OutboxMessage)
                .where(OutboxMessage.lease_owner == self.owner)
                .values(lease_owner=None, lease_until=None)
            ).rowcount

    def waiting(self) -> int:
        with self._engine.begin() as connection:
            return connection.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()

    def dead_letters(self) -> int:
        with self._engine.begin() as connection:
            return connection.execute(select(func.count()).select_from(DeadLetter)).scalar_one()


def requeue(session: Session, dead_letter_id: int) -> bool:
    """Send a dead letter again (an admin's decision, e.g. after the person unblocked us)."""
    letter = session.get(DeadLetter, dead_letter_id)
    if letter is None:
        return False
    session.add(OutboxMessage(**{**letter.contents(), "attempts": 0}))
    session.delete(letter)
    if letter.case_message_id is not None:
        session.execute(
            update(CaseMessage)
            .where(CaseMessage.id == letter.case_message_id)
            .values(delivery=cases.DELIVERY_QUEUED, delivery_reason=None)
        )
    return True
