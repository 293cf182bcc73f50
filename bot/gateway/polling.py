"""Long polling that confirms an update to Telegram only once it is stored in the inbox.

Telegram forgets updates below the ``offset`` of the next ``getUpdates`` call, so the offset
moves past an update only after ``Inbox.store`` has committed it: if the database is down,
the same updates are fetched again until they can be stored.

Polling starts by deleting the webhook: while one is set (the bot ran in webhook mode before),
Telegram answers every ``getUpdates`` with 409 Conflict.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.warnings import PTBUserWarning

from bot.gateway import metrics
from bot.gateway.inbox import Inbox

logger = logging.getLogger(__name__)
# PTB suggests its own get_updates, which parses the batch: the point here is not to.
warnings.filterwarnings("ignore", message=".*getUpdates.*", category=PTBUserWarning)
PAUSE = 1.0
# Seconds beyond the long-poll timeout before the read gives up.
READ_MARGIN = 10


async def leave_webhook(bot: Bot) -> None:
    """Delete the webhook, trying until Telegram has it (pending updates are kept)."""
    while True:
        try:
            await bot.delete_webhook()
            return
        except TelegramError as error:
            logger.warning("deleteWebhook failed: %s", type(error).__name__)
            await asyncio.sleep(PAUSE)


async def poll(bot: Bot, inbox: Inbox, stored: Callable[[], None], timeout: int = 10) -> None:
    await leave_webhook(bot)
    offset: int | None = None
    while True:
        try:
            # Raw JSON, not Update objects: one update PTB cannot read must not stop the others
            # (the inbox keeps it as Telegram sent it; the worker sets it aside).
            updates = await bot.do_api_request(
                "getUpdates",
                api_kwargs={
                    "offset": offset,
                    "timeout": timeout,
                    "allowed_updates": Update.ALL_TYPES,
                },
                read_timeout=timeout + READ_MARGIN,
            )
        except TelegramError as error:
            logger.warning("getUpdates failed: %s", type(error).__name__)
            await asyncio.sleep(PAUSE)
            continue
        updates = [
            u for u in updates or [] if isinstance(u, dict) and type(u.get("update_id")) is int
        ]
        if not updates:
            continue
        try:
            new = await asyncio.to_thread(inbox.store, updates)
        except SQLAlchemyError as error:
            metrics.ERRORS.labels("database").inc()
            logger.warning("updates not stored, fetched again later: %s", type(error).__name__)
            await asyncio.sleep(PAUSE)
            continue
        metrics.UPDATES_IN.inc(new)
        metrics.DUPLICATES.inc(len(updates) - new)
        offset = max(update["update_id"] for update in updates) + 1
        stored()
