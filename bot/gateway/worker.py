"""Inbox workers: take stored updates and handle them, one chat at a time, many chats at once.

A turn that fails because the database or Rasa is down stays in the inbox and is tried again,
with growing pauses; on its second failure the person is told that the answer will come.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application

from bot.gateway import messages, metrics
from bot.gateway.inbox import LEASE, Claimed, Inbox, Outgoing, chat_of
from bot.gateway.replies import Reply, checked
from bot.gateway.sender import Sender
from bot.gateway.telegram_app import TelegramFront
from bot.gateway.wakeup import Wakeup
from bot.i18n import resolve_language, translate
from bot.storage.keys import pseudonym

logger = logging.getLogger(__name__)
# Seconds between looks at an empty inbox. New updates wake the workers at once; the look only
# finds retries coming due and updates another replica stored. Shorter, an idle gateway burns a
# seventh of a core (measured by bench/load.py at 0.05 s).
IDLE = 0.5
DB_PAUSE = 1.0
# The failure after which the person is told their message is kept (the first may be a blip).
NOTICE_AT_ATTEMPT = 2


class Worker:
    def __init__(
        self,
        inbox: Inbox,
        front: TelegramFront,
        application: Application,
        keys: list[bytes],
        sender: Sender,
        concurrency: int = 16,
    ) -> None:
        self._inbox = inbox
        self._front = front
        self._application = application
        self._keys = keys
        self._sender = sender
        self._concurrency = concurrency
        self._busy: dict[int, Claimed] = {}
        # Slots kept for updates being stored by ``accept``.
        self._reserved = 0
        self._running = False
        self._tasks: set[asyncio.Task] = set()
        self._wake = Wakeup()

    def wake(self) -> None:
        """New updates are stored (called by the poller)."""
        self._wake.set()

    async def accept(self, data: dict[str, Any]) -> int:
        """Store an update from the webhook (raising if the database cannot take it) and,
        when a slot is free and it is next in its chat, start on it at once. Returns how
        many updates were new (0 for a duplicate)."""
        lease = self._running and self._free() > 0
        if lease:
            self._reserved += 1
        try:
            new, claimed = await asyncio.to_thread(self._inbox.accept, data, lease)
        finally:
            if lease:
                self._reserved -= 1
        if claimed is not None:
            # Stopped meanwhile: the lease runs out, or the restart takes the update back.
            if self._running:
                self._start(claimed)
        elif new:
            self._wake.set()
        return new

    def _free(self) -> int:
        return self._concurrency - len(self._busy) - self._reserved

    def _start(self, item: Claimed) -> None:
        self._busy[item.id] = item
        task = asyncio.create_task(self._handle(item))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self._inbox.release_own)
                break
            except SQLAlchemyError:
                await asyncio.sleep(DB_PAUSE)
        renewer = asyncio.create_task(self._renew_leases())
        self._running = True
        try:
            while True:
                claimed: list[Claimed] = []
                free = self._free()
                if free > 0:
                    try:
                        claimed = await asyncio.to_thread(self._inbox.claim, free)
                    except SQLAlchemyError as error:
                        metrics.ERRORS.labels("database").inc()
                        logger.warning("inbox unavailable: %s", type(error).__name__)
                        await asyncio.sleep(DB_PAUSE)
                        continue
                for item in claimed:
                    self._start(item)
                # Fewer than asked for: nothing else is waiting now, and looking again at once
                # would cost a transaction per turn for nothing (bench/load.py --profile).
                if len(claimed) < free or free <= 0:
                    await self._wake.wait(IDLE)
        finally:
            self._running = False
            renewer.cancel()
            for task in self._tasks:
                task.cancel()

    async def _renew_leases(self) -> None:
        """Keep the leases of slow turns (Rasa timing out, say) from running out."""
        while True:
            await asyncio.sleep(LEASE.total_seconds() / 3)
            with suppress(SQLAlchemyError):
                await asyncio.to_thread(self._inbox.renew, list(self._busy.values()))

    async def _handle(self, item: Claimed) -> None:
        try:
            try:
                handled = await self._front.handle(self._application, item.data, item.attempts)
            except Exception as error:  # noqa: BLE001 - an update PTB cannot even read, or forged
                logger.warning("unreadable update dropped: %s", type(error).__name__)
                metrics.TURNS.labels("unreadable").inc()
                await asyncio.to_thread(self._inbox.complete, item, [])
                return
            if handled.retriable:
                await self._retry(item)
                return
            await self._complete(item, handled.replies)
        except SQLAlchemyError as error:
            # The lease runs out and the update is taken again once the database is back.
            metrics.ERRORS.labels("database").inc()
            logger.warning("turn not recorded: %s", type(error).__name__)
        finally:
            self._busy.pop(item.id, None)
            self._wake.set()

    async def _complete(self, item: Claimed, replies: list[Outgoing]) -> None:
        """Record the turn with its replies, which go to the sender without an outbox claim
        when it has room."""
        handing = bool(replies) and self._sender.reserve()
        completed = None
        try:
            completed = await asyncio.to_thread(
                self._inbox.complete, item, replies, self._sender.owner if handing else None
            )
        finally:
            if handing:
                self._sender.hand(completed.leased if completed else [])
        if completed is None:
            return
        metrics.TURNS.labels("done").inc()
        metrics.TURN_SECONDS.observe(
            max(0.0, (datetime.utcnow() - item.received_at).total_seconds())
        )
        if replies and not completed.leased:
            self._sender.wake()

    async def _retry(self, item: Claimed) -> None:
        metrics.TURNS.labels("retry").inc()
        notice = self._delay_notice(item) if item.attempts == NOTICE_AT_ATTEMPT else None
        if not await asyncio.to_thread(self._inbox.retry_later, item, notice):
            metrics.TURNS.labels("failed").inc()
            logger.error("update given up on after %d attempts", item.attempts)
        elif notice is not None:
            self._sender.wake()

    def _delay_notice(self, item: Claimed) -> Outgoing | None:
        """ "Your message is kept", in the Telegram app's language (the database may be down)."""
        chat = chat_of(item.data)
        if chat is None or chat < 0:
            return None
        user = Update.de_json(item.data, None).effective_user
        language = resolve_language(user.language_code if user else None)
        text = translate(language, messages.DELAYED)
        return Outgoing(pseudonym(self._keys, chat), chat, checked(Reply(text)))
