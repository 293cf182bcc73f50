"""Long polling that confirms an update to Telegram only once it is stored in the inbox.

Telegram forgets updates below the ``offset`` of the next ``getUpdates`` call, so the offset
moves past an update only after ``Inbox.store`` has committed it: if the database is down,
the same updates are fetched again until they can be stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update
from telegram.error import TelegramError

from bot.gateway import metrics
from bot.gateway.inbox import Inbox

logger = logging.getLogger(__name__)
PAUSE = 1.0


async def poll(bot: Bot, inbox: Inbox, stored: Callable[[], None], timeout: int = 10) -> None:
    offset: int | None = None
    while True:
        try:
            updates = await bot.get_updates(
                offset=offset, timeout=timeout, allowed_updates=Update.ALL_TYPES
            )
        except TelegramError as error:
            logger.warning("getUpdates failed: %s", type(error).__name__)
            await asyncio.sleep(PAUSE)
            continue
        if not updates:
            continue
        try:
            new = await asyncio.to_thread(inbox.store, [update.to_dict() for update in updates])
        except SQLAlchemyError as error:
            metrics.ERRORS.labels("database").inc()
            logger.warning("updates not stored, fetched again later: %s", type(error).__name__)
            await asyncio.sleep(PAUSE)
            continue
        metrics.UPDATES_IN.inc(new)
        metrics.DUPLICATES.inc(len(updates) - new)
        offset = updates[-1].update_id + 1
        stored()
