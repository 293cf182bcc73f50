"""Updates that arrive while the database or Rasa is down, kept encrypted until they are back.

Telegram considers an update delivered once the gateway has fetched it, so an update whose
turn fails because the database is unreachable would be lost. It is written here instead (one
file per update, encrypted with the data key, mode 0600) and processed again every few seconds;
the person is told once to try again in a minute and then gets the real answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from cryptography.fernet import MultiFernet

logger = logging.getLogger(__name__)
REPLAY_INTERVAL = 5.0


class Spool:
    def __init__(self, directory: Path, box: MultiFernet) -> None:
        self._directory = directory
        self._box = box
        # Updates being processed again: a new failure re-spools them without a second notice.
        self.replaying: set[int] = set()

    def put(self, update: dict[str, Any]) -> None:
        self._directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._directory / f"{update['update_id']:020d}.update"
        temporary = path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(self._box.encrypt(json.dumps(update).encode()))
        os.replace(temporary, path)

    def pending(self) -> list[tuple[Path, dict[str, Any]]]:
        if not self._directory.exists():
            return []
        files = sorted(self._directory.glob("*.update"))
        return [(path, json.loads(self._box.decrypt(path.read_bytes()))) for path in files]

    async def replay(self, process: Callable[[dict[str, Any]], Awaitable[None]]) -> int:
        """Process every spooled update once, oldest first; returns how many were taken."""
        taken = 0
        for path, update in self.pending():
            path.unlink()
            self.replaying.add(update["update_id"])
            try:
                await process(update)
            finally:
                self.replaying.discard(update["update_id"])
            taken += 1
        return taken

    async def replay_forever(
        self,
        process: Callable[[dict[str, Any]], Awaitable[None]],
        interval: float = REPLAY_INTERVAL,
    ) -> None:
        while True:
            try:
                if await self.replay(process):
                    logger.info("spooled updates processed again")
            except Exception as error:  # noqa: BLE001 - keep trying; the files stay on disk
                logger.warning("spool replay failed: %s", type(error).__name__)
            await asyncio.sleep(interval)
