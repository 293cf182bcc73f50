"""Talks to the Rasa server(s) over the REST channel, with one keep-alive connection pool.

With several Rasa replicas, a person sticks to one (a hash of the pseudonym) and moves to the
next only when theirs refuses the connection: a message that may have reached Rasa is never
sent to a second replica, which would handle it twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa did not answer; the update stays in the inbox and is handled later."""


class RasaClient:
    def __init__(self, base_urls: Sequence[str], timeout: float = 30.0) -> None:
        self._urls = list(base_urls)
        self._client = httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    def _replicas_for(self, sender: str) -> list[str]:
        first = int(hashlib.blake2b(sender.encode(), digest_size=4).hexdigest(), 16)
        first %= len(self._urls)
        return self._urls[first:] + self._urls[:first]

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """One user turn; returns the bot messages Rasa produced for it."""
        failure: httpx.HTTPError | None = None
        for url in self._replicas_for(sender):
            try:
                response = await self._client.post(
                    f"{url}/webhooks/gateway/webhook",
                    json={"sender": sender, "message": text, "metadata": metadata},
                )
                response.raise_for_status()
                return response.json()
            except httpx.ConnectError as error:
                failure = error
            except httpx.HTTPError as error:
                raise RasaUnavailable(type(error).__name__) from error
        raise RasaUnavailable(type(failure).__name__) from failure

    async def ready(self) -> dict[str, bool]:
        """Each replica's readiness, by URL."""
        status = {}
        for url in self._urls:
            try:
                status[url] = (await self._client.get(f"{url}/", timeout=2.0)).status_code == 200
            except httpx.HTTPError:
                status[url] = False
        return status

    async def aclose(self) -> None:
        await self._client.aclose()
