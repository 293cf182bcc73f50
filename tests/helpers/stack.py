"""The running system for end-to-end tests: Rasa and action server processes, and the gateway."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Update
from telegram.ext import Application

from bot.cli import model_path, start_processes, stop_processes, wait_until_ready
from bot.gateway.service import (
    Core,
    build_core,
    caseworker_notifier,
    replayer,
    telegram_delivery,
)
from bot.gateway.spool import Spool
from bot.gateway.telegram_app import build_application
from bot.settings import Settings
from bot.storage.keys import cipher, data_keys

# The caseworkers' Telegram chat in end-to-end tests: alerts about new cases go there.
CASEWORKER_CHAT_ID = -777


@dataclass
class Stack:
    """Rasa and the action server as real processes, restartable by a test."""

    settings: Settings
    log_dir: Path
    processes: list = field(default_factory=list)

    def start(self) -> None:
        self.processes = start_processes(self.settings, model_path(), self.log_dir)
        wait_until_ready(
            {
                "actions": f"http://127.0.0.1:{self.settings.action_server_port}/health",
                "rasa": f"{self.settings.rasa_url}/",
            },
            self.processes,
        )

    def stop(self) -> None:
        stop_processes(self.processes)

    def restart(self) -> None:
        self.stop()
        self.start()


@asynccontextmanager
async def polling_front(
    settings: Settings, spool: Spool | None = None
) -> AsyncIterator[tuple[Core, Application]]:
    """The production core and PTB application, long-polling the fake Bot API."""
    core = build_core(settings)
    application = build_application(settings, core.conversation, core.keys, spool)
    async with application:
        await application.updater.start_polling(
            poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        try:
            yield core, application
        finally:
            await application.updater.stop()
            await application.stop()
            await core.aclose()


@asynccontextmanager
async def gateway(settings: Settings) -> AsyncIterator[Core]:
    """The whole gateway as production runs it: front, outbox sender, spool replay."""
    spool = Spool(settings.var_dir / "spool", cipher(data_keys(settings)))
    async with polling_front(settings, spool) as (core, application):
        core.handover.notify_caseworkers = caseworker_notifier(settings, application.bot)
        jobs = [
            asyncio.create_task(core.outbox.run(telegram_delivery(application.bot), interval=0.2)),
            asyncio.create_task(spool.replay_forever(replayer(application), interval=0.5)),
        ]
        try:
            yield core
        finally:
            for job in jobs:
                job.cancel()
                with suppress(asyncio.CancelledError):
                    await job


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
