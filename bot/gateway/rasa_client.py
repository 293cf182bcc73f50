"""Talks to the Rasa server over its REST channel, with one keep-alive connection pool."""

from __future__ import annotations

from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa did not answer; the person gets a kind "try again in a minute"."""


class RasaClient:
    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout)

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """One user turn; returns the bot messages Rasa produced for it."""
        try:
            response = await self._client.post(
                "/webhooks/gateway/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
            )
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise RasaUnavailable(type(error).__name__) from error
        return response.json()

    async def ready(self) -> bool:
        try:
            return (await self._client.get("/", timeout=2.0)).status_code == 200
        except httpx.HTTPError:
            return False

    async def aclose(self) -> None:
        await self._client.aclose()
