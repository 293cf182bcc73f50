"""Talks to the Rasa server(s) over the REST channel, with one keep-alive connection pool.

With several Rasa replicas, a person sticks to one (a hash of the pseudonym) and moves to the
next only when theirs refuses the connection: a message that may have reached Rasa is never
sent to a second replica, which would handle it twice.

aiohttp rather than httpx: it parses HTTP in C, and a turn's call to Rasa cost the gateway a
tenth of its CPU time through httpx (``bench/load.py --profile``).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any

import aiohttp

from bot.constants import KEEPALIVE


class RasaUnavailable(Exception):
    """Rasa did not answer; the update stays in the inbox and is handled later."""


class RasaClient:
    def __init__(self, base_urls: Sequence[str], timeout: float = 30.0) -> None:
        self._urls = list(base_urls)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use: an aiohttp session belongs to the event loop that creates it.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=64, keepalive_timeout=KEEPALIVE),
            )
        return self._session

    def _replicas_for(self, sender: str) -> list[str]:
        first = int(hashlib.blake2b(sender.encode(), digest_size=4).hexdigest(), 16)
        first %= len(self._urls)
        return self._urls[first:] + self._urls[:first]

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """One user turn; returns the bot messages Rasa produced for it."""
        failure: Exception | None = None
        for url in self._replicas_for(sender):
            try:
                async with self._client().post(
                    f"{url}/webhooks/gateway/webhook",
                    json={"sender": sender, "message": text, "metadata": metadata},
                ) as response:
                    response.raise_for_status()
                    return await response.json()
            except aiohttp.ClientConnectorError as error:
                # Refused: this replica never saw the message, so the next one may have it.
                failure = error
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                raise RasaUnavailable(type(error).__name__) from error
        raise RasaUnavailable(type(failure).__name__) from failure

    async def intent(self, sender: str, text: str) -> tuple[str | None, float]:
        """The model's intent for ``text`` and its confidence, outside any conversation;
        (None, 0) when Rasa does not answer (what depends on it must not wait for it)."""
        for url in self._replicas_for(sender):
            try:
                async with self._client().post(
                    f"{url}/webhooks/gateway/intent", json={"text": text}
                ) as response:
                    response.raise_for_status()
                    found = await response.json()
                    return found.get("name"), float(found.get("confidence") or 0.0)
            except aiohttp.ClientConnectorError:
                continue
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                return None, 0.0
        return None, 0.0

    async def ready(self) -> dict[str, bool]:
        """Each replica's readiness, by URL."""
        status = {}
        for url in self._urls:
            try:
                async with self._client().get(
                    f"{url}/", timeout=aiohttp.ClientTimeout(total=2.0)
                ) as response:
                    status[url] = response.status == 200
            except (aiohttp.ClientError, asyncio.TimeoutError):
                status[url] = False
        return status

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
