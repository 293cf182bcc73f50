"""The sender: hands the outbox to Telegram, within Telegram's limits, across replicas.

- Before each message it takes a token from the rate limiter (30 messages/s for the bot, about
  1/s per chat with short bursts), shared through Redis when several replicas run.
- Network errors and Telegram 5xx: the message waits, longer each time, then is dead-lettered.
- 429: that chat's message waits ``retry_after``; other chats go on.
- 403: the person blocked the bot; they are marked and nothing more is sent to them.
- 400 (or no chat to send to): dead-lettered at once, since retrying cannot help.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.gateway import metrics
from bot.gateway.outbox import BLOCKED, GAVE_UP, NO_CHAT, PER_CHAT, REJECTED, Outbox, Pending
from bot.gateway.ratelimit import RateLimiter
from bot.gateway.telegram_app import send_reply
from bot.gateway.wakeup import Wakeup

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
# Seconds between looks at an empty outbox: finished turns wake the sender at once; the look
# finds retries coming due and messages queued by the console or another replica.
IDLE = 0.5
DB_PAUSE = 1.0


def pause_after(attempts: int) -> float:
    """Seconds before a message whose sending failed is tried again: 1, 2, 4... up to 60."""
    return min(60.0, 2.0 ** max(0, attempts - 1))


class Sender:
    def __init__(
        self, outbox: Outbox, bot: Bot, limiter: RateLimiter, concurrency: int = 32
    ) -> None:
        self._outbox = outbox
        self._bot = bot
        self._limiter = limiter
        self._concurrency = concurrency
        self._busy = 0
        self._running = False
        self._wake = Wakeup()
        # Sent, but the database was down when we tried to say so: never send these twice.
        self._unrecorded: set[int] = set()
        self._tasks: set[asyncio.Task] = set()
        # Tasks whose message may be on its way to Telegram: stopping lets them finish it.
        self._sending: set[asyncio.Task] = set()
        self._stopping = False
        self._recorder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-sent")
        # Sent messages waiting to be recorded, each with the future its sending task awaits.
        self._to_record: list[tuple[int, asyncio.Future[None]]] = []
        self._recording: asyncio.Task | None = None

    @property
    def owner(self) -> str:
        """Whose leases this sender's outbox rows carry."""
        return self._outbox.owner

    def wake(self) -> None:
        """New messages are waiting (called after a turn's replies are stored)."""
        self._wake.set()

    def reserve(self) -> bool:
        """Keep a slot for a chat's messages about to be leased to this sender (``hand``)."""
        if not self._running or self._busy >= self._concurrency:
            return False
        self._busy += 1
        return True

    def hand(self, batch: list[Pending]) -> None:
        """Send messages already leased to this sender, in the slot ``reserve`` kept; an
        empty batch gives the slot back."""
        if batch and self._running:
            self._start(batch)
            return
        # Unused (or the sender stopped meanwhile: the rows leased to it go out after the
        # restart, see ``release_own``). A sender that had no slot left waits for this one.
        if self._busy >= self._concurrency:
            self._wake.set()
        self._busy -= 1

    def _start(self, batch: list[Pending]) -> None:
        task = asyncio.create_task(self._send_chat(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self) -> None:
        self._stopping = False
        while True:
            try:
                await asyncio.to_thread(self._outbox.release_own)
                break
            except SQLAlchemyError:
                await asyncio.sleep(DB_PAUSE)
        self._running = True
        try:
            while True:
                free = self._concurrency - self._busy
                batches: list[list[Pending]] = []
                if free > 0:
                    try:
                        batches = await asyncio.to_thread(self._outbox.claim, free)
                    except SQLAlchemyError as error:
                        metrics.ERRORS.labels("database").inc()
                        logger.warning("outbox unavailable: %s", type(error).__name__)
                        await asyncio.sleep(DB_PAUSE)
                        continue
                for batch in batches:
                    self._busy += 1
                    self._start(batch)
                # As in the inbox worker: a short claim means the outbox is empty for now.
                if len(batches) < free or free <= 0:
                    await self._wake.wait(IDLE)
        finally:
            # A stopped sender sends nothing more, and no send outlives it (nor the bot, closed
            # next at shutdown). A message already on its way is seen through: interrupted, it
            # might reach Telegram unrecorded and go again after the restart. The messages
            # waiting for a token are taken again once their leases run out.
            self._stopping = True
            self._running = False
            for task in self._tasks - self._sending:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _send_chat(self, batch: list[Pending]) -> None:
        """One chat's messages, in order; stop at the first that must wait, or when stopped."""
        try:
            for index, item in enumerate(batch):
                if self._stopping:
                    rest = [later.id for later in batch[index:]]
                    await asyncio.to_thread(self._outbox.release, rest)
                    return
                if not await self._send_one(item):
                    rest = [later.id for later in batch[index + 1 :]]
                    await asyncio.to_thread(self._outbox.release, rest)
                    return
        except SQLAlchemyError as error:
            # The leases run out and the messages are taken again when the database is back.
            metrics.ERRORS.labels("database").inc()
            logger.warning("outbox update failed: %s", type(error).__name__)
        except Exception as error:  # noqa: BLE001 - one chat's failure must not stop the sender
            metrics.ERRORS.labels("sender").inc()
            logger.error("sender failed: %s", type(error).__name__)
        finally:
            # A freed slot matters only to a sender that had none left, and a full batch may
            # have left the chat's later messages behind; new messages wake it anyway.
            if self._busy >= self._concurrency or len(batch) >= PER_CHAT:
                self._wake.set()
            self._busy -= 1

    async def _send_one(self, item: Pending) -> bool:
        """Send one message; True when the chat's next message may follow at once."""
        if item.id in self._unrecorded:
            await self._record_sent(item)
            return True
        if item.chat_id is None:
            await self._dead(item, NO_CHAT)
            return True
        while (wait := await self._limiter.acquire(item.pseudonym)) > 0:
            await asyncio.sleep(wait)
        task = asyncio.current_task()
        self._sending.add(task)
        try:
            return await self._deliver(item, item.chat_id)
        finally:
            self._sending.discard(task)

    async def _deliver(self, item: Pending, chat_id: int) -> bool:
        """Hand the message to Telegram and store what came of it."""
        try:
            await send_reply(self._bot, chat_id, item.reply)
        except RetryAfter as error:
            metrics.SEND_ERRORS.labels("429").inc()
            pause = error.retry_after
            seconds = pause.total_seconds() if hasattr(pause, "total_seconds") else float(pause)
            await asyncio.to_thread(self._outbox.release, [item.id], seconds)
            return False
        except Forbidden:
            metrics.SEND_ERRORS.labels("403").inc()
            buried = await asyncio.to_thread(self._outbox.blocked, item.pseudonym)
            metrics.DEAD_LETTERS.labels(BLOCKED).inc(buried)
            logger.info("a person blocked the bot; %d message(s) dead-lettered", buried)
            return False
        except BadRequest:
            metrics.SEND_ERRORS.labels("400").inc()
            await self._dead(item, REJECTED, tried=True)
            return True
        except TelegramError as error:
            metrics.SEND_ERRORS.labels(type(error).__name__).inc()
            if item.attempts + 1 >= MAX_ATTEMPTS:
                await self._dead(item, GAVE_UP, tried=True)
                return True
            pause = pause_after(item.attempts + 1)
            await asyncio.to_thread(self._outbox.release, [item.id], pause, True)
            logger.warning("send failed (%s); retry in %.0f s", type(error).__name__, pause)
            return False
        await self._record_sent(item)
        metrics.MESSAGES_OUT.inc()
        metrics.DELIVERY_SECONDS.observe(
            max(0.0, (datetime.utcnow() - item.created_at).total_seconds())
        )
        return True

    async def _record_sent(self, item: Pending) -> None:
        # A process killed between Telegram's answer and this commit sends the message again
        # after restarting (at least once beats maybe never): the recorder's own thread keeps
        # that window to one commit instead of a wait behind the turns' database work.
        future = asyncio.get_running_loop().create_future()
        self._to_record.append((item.id, future))
        if self._recording is None or self._recording.done():
            self._recording = asyncio.create_task(self._record_batches())
        try:
            await future
        except SQLAlchemyError:
            self._unrecorded.add(item.id)
            raise
        self._unrecorded.discard(item.id)

    async def _record_batches(self) -> None:
        """Record what was sent meanwhile in one commit, until nothing waits: under load one
        write instead of one per message, each of which waited for SQLite's single lock."""
        loop = asyncio.get_running_loop()
        while self._to_record:
            batch, self._to_record = self._to_record, []
            error: Exception | None = None
            try:
                ids = [message_id for message_id, _ in batch]
                await loop.run_in_executor(self._recorder, self._outbox.sent, *ids)
            except Exception as failure:  # noqa: BLE001 - each sending task gets it to handle
                error = failure
            for _, future in batch:
                if future.done():  # its task was cancelled (a stop)
                    continue
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(error)

    async def _dead(self, item: Pending, reason: str, tried: bool = False) -> None:
        await asyncio.to_thread(self._outbox.dead, item.id, reason, tried)
        metrics.DEAD_LETTERS.labels(reason).inc()
        logger.warning("outbox message %s dead-lettered: %s", item.id, reason)
