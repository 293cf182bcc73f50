"""The durable inbox: every Telegram update is stored before Telegram is told it arrived.

Workers take updates under a lease: only the oldest waiting update of a chat can be taken, so
one person's messages are handled in order, one at a time, while other chats go on in
parallel, in this process and in other replicas sharing the database. A turn's replies are
written to the outbox in the same transaction that marks its update done, so an update is
either answered once or taken again, never half-handled. A worker that dies simply lets its
lease run out; a restarted one takes its own rows back at once.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import MultiFernet
from sqlalchemy import bindparam, exists, func, insert, or_, select, text, update
from sqlalchemy.orm import Session, aliased, sessionmaker
from telegram import Update

from bot.gateway.outbox import LEASE as OUTBOX_LEASE
from bot.gateway.outbox import Pending
from bot.gateway.replies import Reply
from bot.storage.db import engine_of
from bot.storage.keys import pseudonym, seal, unseal
from bot.storage.models import InboxUpdate, OutboxMessage

logger = logging.getLogger(__name__)

PENDING, DONE, FAILED = "pending", "done", "failed"
LEASE = timedelta(seconds=30)
# About two hours of retries with the pauses below: long enough for an outage to be repaired.
MAX_ATTEMPTS = 150
MAX_PAUSE = 60.0
# The update_id column is a signed 64-bit integer; Telegram's ids are far smaller.
UPDATE_ID_RANGE = range(-(2**63), 2**63)
# JSON escapes can carry lone UTF-16 surrogates, which have no UTF-8 encoding.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Claimed:
    """An update taken by this worker, with the number of times it has been taken."""

    id: int
    update_id: int
    attempts: int
    received_at: datetime
    data: dict[str, Any]
    # This claim's own lease: if it ran out and the row was taken again, even by this same
    # worker, only the newer claim may record the update done.
    lease: str


@dataclass(frozen=True)
class Completed:
    """A turn recorded done; the replies leased to the sender that asked for them."""

    leased: list[Pending]


@dataclass(frozen=True)
class Outgoing:
    """One reply of a turn: to whom (pseudonym and chat) and what."""

    pseudonym: str
    chat_id: int
    reply: Reply


def chat_of(data: dict[str, Any]) -> int | None:
    """The chat an update belongs to (the user for a button without message), if any."""
    try:
        update = Update.de_json(data, None)
    except Exception:  # noqa: BLE001 - odd updates are stored anyway, unordered
        return None
    if update is None:
        return None
    if update.effective_chat is not None:
        chat = update.effective_chat.id
    elif update.effective_user is not None:
        chat = update.effective_user.id
    else:
        return None
    # Telegram's ids are integers; a forged "5" (or true) must not pass for a chat, or code
    # comparing chat ids with numbers fails on it.
    return chat if type(chat) is int else None


def sealed_update(box: MultiFernet, data: dict[str, Any]) -> bytes:
    """The update encrypted for storage. Lone surrogates (JSON escapes can carry them, UTF-8
    cannot) become U+FFFD: an update that cannot be stored is never acknowledged, and holds
    back the ones after it."""
    try:
        return seal(box, data)
    except UnicodeEncodeError:
        cleaned = LONE_SURROGATE.sub("\ufffd", json.dumps(data, ensure_ascii=False))
        return seal(box, json.loads(cleaned))


def pause_after(attempts: int) -> float:
    """Seconds before an update whose handling failed is tried again."""
    return min(MAX_PAUSE, 0.5 * 2 ** max(0, attempts - 1))


# The statements of every turn, built once: building and hashing them again for each call
# cost the gateway more CPU than running them (1.8 ms against 0.2 ms for a claim, measured).
# Text, because SQLAlchemy 1.4 cannot cache ``on_conflict_do_nothing`` and compiled it anew for
# every update; SQLite and PostgreSQL both read this ON CONFLICT clause.
_STORE_SQL = (
    "INSERT INTO inbox (update_id, chat_key, payload, status, attempts, available_at, received_at)"
    " VALUES (:update_id, :chat_key, :payload, :status, :attempts, :available_at, :received_at)"
    " ON CONFLICT (update_id) DO NOTHING"
)
_TYPED = tuple(
    bindparam(name, type_=InboxUpdate.__table__.c[name].type)
    for name in ("payload", "available_at", "received_at")
)
_STORE = text(_STORE_SQL).bindparams(*_TYPED)
# RETURNING: SQLite has it since 3.35 (2021); SQLAlchemy 1.4 does not know that, text() does not
# care. No row comes back for a duplicate.
_STORE_ONE = text(_STORE_SQL + " RETURNING id").bindparams(*_TYPED)
_CHAT_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_CHAT_WAITING = (
    select(InboxUpdate.id)
    .where(
        InboxUpdate.chat_key == bindparam("chat"),
        InboxUpdate.status == PENDING,
        InboxUpdate.id != bindparam("row_id"),
    )
    .limit(1)
)
_QUEUE = insert(OutboxMessage)
_OUTBOX_WAITING = (
    select(OutboxMessage.id).where(OutboxMessage.pseudonym == bindparam("pseudonym")).limit(1)
)
_FREE = or_(InboxUpdate.lease_until.is_(None), InboxUpdate.lease_until < bindparam("now"))
_OLDER = aliased(InboxUpdate)
_HEADS = (
    select(InboxUpdate.id)
    .where(
        InboxUpdate.status == PENDING,
        InboxUpdate.available_at <= bindparam("now"),
        _FREE,
        # Updates without a chat have no order to keep.
        (InboxUpdate.chat_key == "")
        | ~exists().where(
            _OLDER.chat_key == InboxUpdate.chat_key,
            _OLDER.status == PENDING,
            _OLDER.update_id < InboxUpdate.update_id,
        ),
    )
    .order_by(InboxUpdate.update_id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True, of=InboxUpdate)
)
_LEASE = (
    update(InboxUpdate)
    .where(InboxUpdate.id == bindparam("row_id"), InboxUpdate.status == PENDING, _FREE)
    .values(
        lease_owner=bindparam("lease"),
        lease_until=bindparam("until"),
        attempts=InboxUpdate.attempts + 1,
    )
)
_TAKEN = (
    select(
        InboxUpdate.id,
        InboxUpdate.update_id,
        InboxUpdate.attempts,
        InboxUpdate.received_at,
        InboxUpdate.payload,
    )
    .where(InboxUpdate.id.in_(bindparam("ids", expanding=True)))
    .order_by(InboxUpdate.update_id)
)
_DONE = (
    update(InboxUpdate)
    .where(InboxUpdate.id == bindparam("row_id"), InboxUpdate.lease_owner == bindparam("lease"))
    .values(
        status=DONE,
        payload=None,
        chat_key="",
        done_at=bindparam("now"),
        lease_owner=None,
        lease_until=None,
    )
)


class Inbox:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        box: MultiFernet,
        keys: list[bytes],
        owner: str,
        clock: Callable[[], datetime] = datetime.utcnow,
    ) -> None:
        self._engine = engine_of(sessions)
        self._box = box
        self._keys = keys
        self.owner = owner
        self._clock = clock

    def store(self, updates: list[dict[str, Any]]) -> int:
        """Store updates not seen before; returns how many were new. Raises if the database
        cannot take them, so that the caller does not acknowledge them to Telegram."""
        now = self._clock()
        rows = [row for row in (self._row(data, now) for data in updates) if row is not None]
        if not rows:
            return 0
        with self._engine.begin() as connection:
            return connection.execute(_STORE, rows).rowcount

    def accept(self, data: dict[str, Any], lease: bool) -> tuple[int, Claimed | None]:
        """Store one update, as ``store``; with ``lease``, also take it at once when no other
        update of its chat is waiting, which saves the worker a claim (a transaction and a
        wake-up on the turn's path). Returns how many were new and what was taken."""
        now = self._clock()
        row = self._row(data, now)
        if row is None:
            return 0, None
        with self._engine.begin() as connection:
            if lease and row["chat_key"] and connection.dialect.name == "postgresql":
                # Two replicas storing the same chat's updates at once would both find the
                # other's row missing. SQLite has one writer at a time, from the insert on.
                connection.execute(_CHAT_LOCK, {"key": int(row["chat_key"][:15], 16)})
            row_id = connection.execute(_STORE_ONE, row).scalar()
            if row_id is None:
                return 0, None
            if not lease or not row["chat_key"]:
                return 1, None
            if connection.execute(
                _CHAT_WAITING, {"chat": row["chat_key"], "row_id": row_id}
            ).first():
                return 1, None
            claim = f"{self.owner}/{uuid.uuid4().hex[:12]}"
            connection.execute(
                _LEASE, {"row_id": row_id, "now": now, "lease": claim, "until": now + LEASE}
            )
            return 1, Claimed(row_id, row["update_id"], 1, now, data, claim)

    def _row(self, data: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        """The inbox row for an update, or None for one that cannot be stored."""
        update_id = int(data["update_id"])
        if update_id not in UPDATE_ID_RANGE:
            # No database takes it and Telegram never sends it: storing it would fail
            # again on every delivery, so it is acknowledged and dropped.
            logger.warning("update with an impossible update_id dropped")
            return None
        chat = chat_of(data)
        return {
            "update_id": update_id,
            "chat_key": pseudonym(self._keys, chat) if chat is not None else "",
            "payload": sealed_update(self._box, data),
            "status": PENDING,
            "attempts": 0,
            "available_at": now,
            "received_at": now,
        }

    def claim(self, limit: int) -> list[Claimed]:
        """Lease the oldest waiting update of up to ``limit`` chats that nobody is handling."""
        now = self._clock()
        lease = f"{self.owner}/{uuid.uuid4().hex[:12]}"
        with self._engine.begin() as connection:
            taken = []
            for row_id in connection.execute(_HEADS, {"now": now, "limit": limit}).scalars().all():
                leased = connection.execute(
                    _LEASE, {"row_id": row_id, "now": now, "lease": lease, "until": now + LEASE}
                ).rowcount
                if leased:
                    taken.append(row_id)
            if not taken:
                return []
            return [
                Claimed(
                    row.id,
                    row.update_id,
                    row.attempts,
                    row.received_at,
                    unseal(self._box, row.payload),
                    lease,
                )
                for row in connection.execute(_TAKEN, {"ids": taken})
            ]

    def renew(self, items: list[Claimed]) -> None:
        """Extend the leases of updates still being handled (a slow turn is not taken twice)."""
        if not items:
            return
        with self._engine.begin() as connection:
            connection.execute(
                update(InboxUpdate)
                .where(
                    InboxUpdate.id.in_([item.id for item in items]),
                    InboxUpdate.lease_owner.in_({item.lease for item in items}),
                )
                .values(lease_until=self._clock() + LEASE)
            )

    def complete(
        self, item: Claimed, replies: list[Outgoing], sender: str | None = None
    ) -> Completed | None:
        """Mark the update done and queue its replies, atomically. None when the lease was
        lost (another worker took the update over): its replies are then that worker's.

        With ``sender`` (an outbox owner), the replies are also leased to it when nothing else
        waits for their chat, so that they go out without an outbox claim.
        """
        now = self._clock()
        with self._engine.begin() as connection:
            done = connection.execute(
                _DONE, {"row_id": item.id, "lease": item.lease, "now": now}
            ).rowcount
            if not done:
                return None
            lease = {}
            chats = {outgoing.pseudonym for outgoing in replies}
            if sender is not None and len(chats) == 1:
                waiting = connection.execute(_OUTBOX_WAITING, {"pseudonym": chats.pop()})
                if waiting.first() is None:
                    lease = {"lease_owner": sender, "lease_until": now + OUTBOX_LEASE}
            leased = []
            # One row at a time: the ids keep the replies' order.
            for outgoing in replies:
                values = {**outbox_values(self._box, outgoing), "created_at": now, **lease}
                row_id = connection.execute(_QUEUE, values).inserted_primary_key[0]
                if lease:
                    leased.append(
                        Pending(
                            row_id, outgoing.pseudonym, outgoing.chat_id, outgoing.reply, 0, now
                        )
                    )
            return Completed(leased)

    def retry_later(self, item: Claimed, notice: Outgoing | None = None) -> bool:
        """Give the update back for a later attempt, queueing ``notice`` for the person;
        False when the update was given up on."""
        give_up = item.attempts >= MAX_ATTEMPTS
        now = self._clock()
        with self._engine.begin() as connection:
            if notice is not None:
                connection.execute(_QUEUE, outbox_values(self._box, notice))
            connection.execute(
                update(InboxUpdate)
                .where(InboxUpdate.id == item.id, InboxUpdate.lease_owner == item.lease)
                .values(
                    status=FAILED if give_up else PENDING,
                    available_at=now + timedelta(seconds=pause_after(item.attempts)),
                    lease_owner=None,
                    lease_until=None,
                )
            )
        return not give_up

    def release_own(self) -> int:
        """At start-up: the rows this worker held when it stopped are free to take again."""
        with self._engine.begin() as connection:
            return connection.execute(
                update(InboxUpdate)
                .where(
                    InboxUpdate.lease_owner.like(f"{self.owner}/%"),
                    InboxUpdate.status == PENDING,
                )
                .values(lease_owner=None, lease_until=None)
            ).rowcount

    def waiting(self) -> int:
        with self._engine.begin() as connection:
            return connection.execute(
                select(func.count()).where(InboxUpdate.status == PENDING)
            ).scalar_one()


def outbox_values(box: MultiFernet, outgoing: Outgoing) -> dict[str, Any]:
    """An outbox row's columns for one reply, encrypted."""
    reply = outgoing.reply
    return {
        "pseudonym": outgoing.pseudonym,
        "chat_ref": seal(box, outgoing.chat_id),
        "body": seal(box, reply.text),
        "buttons": seal(box, [list(b) for b in reply.buttons]) if reply.buttons else None,
        "rtl": reply.rtl,
        "attempts": 0,
    }
