"""The running system for end-to-end tests: Rasa and action server processes, and the gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.cli import model_path
from bot.gateway.service import Gateway, build_core, build_gateway, running
from bot.settings import Settings
from bot.topology import embedded

# The caseworkers' Telegram chat in end-to-end tests: alerts about new cases go there.
CASEWORKER_CHAT_ID = -777


class Stack:
    """Rasa and the action server as real processes, restartable by a test."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.topology = embedded(settings, model_path(), log_dir)

    def start(self) -> None:
        self.topology.start()

    def stop(self) -> None:
        self.topology.stop()

    def restart(self) -> None:
        self.stop()
        self.start()


@asynccontextmanager
async def gateway(settings: Settings, watch: bool = False) -> AsyncIterator[Gateway]:
    """The whole gateway as production runs it, long-polling the fake Bot API: poller, inbox
    workers and outbox sender (and, with ``watch``, the case and retention watcher)."""
    core = build_core(settings)
    built = build_gateway(settings, core)
    try:
        async with running(built, polling=True, poll_timeout=1, watch=watch):
            yield built
    finally:
        await core.aclose()
