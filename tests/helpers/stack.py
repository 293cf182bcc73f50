"""The running system for end-to-end tests: Rasa and action server processes, and the gateway."""

from __future__ import annotations

import socket
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free loopback ports."""
    while True:
        first = free_port()
        if first + count < 65536 and all(_free(first + n) for n in range(1, count)):
            return first


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
