"""Rasa's NLG callback, made light: every ``utter_*`` is still rendered by our NLG endpoint.

Stock ``CallbackNaturalLanguageGenerator`` costs Rasa more than the rest of a turn: it sends
the whole tracker (every event) with each utterance, opens a new HTTP connection each time and
checks each answer against a JSON schema. Our endpoint reads only the response name, its
arguments and the latest message's metadata (language, centre), so that is all it gets, over
one keep-alive connection pool.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.constants import KEEPALIVE


def request_body(
    utter_action: str, tracker: DialogueStateTracker, output_channel: str, arguments: dict
) -> dict[str, Any]:
    """What the NLG endpoint needs (``bot.actions.server.nlg_context``), and nothing else."""
    latest = tracker.latest_message
    return {
        "response": utter_action,
        "arguments": arguments,
        "tracker": {
            "sender_id": tracker.sender_id,
            "latest_message": {"metadata": (latest.metadata if latest else None) or {}},
        },
        "channel": {"name": output_channel},
    }


class GatewayNLG(CallbackNaturalLanguageGenerator):
    def __init__(self, endpoint_config: EndpointConfig, domain: Domain | None = None) -> None:
        super().__init__(endpoint_config)
        self._session: aiohttp.ClientSession | None = None

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any]:
        kwargs.pop("domain_responses", None)
        if self._session is None or self._session.closed:
            # Created here, inside Rasa's event loop, and kept for the process's life.
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE),
            )
        body = request_body(utter_action, tracker, output_channel, kwargs)
        try:
            return await self._render(body, utter_action)
        except aiohttp.ClientConnectionError:
            # The server closed a kept-alive connection as this request went out. Rendering
            # changes nothing, so asking again is safe; Rasa would otherwise drop the answer.
            return await self._render(body, utter_action)

    async def _render(self, body: dict[str, Any], utter_action: str) -> dict[str, Any]:
        async with self._session.post(self.nlg_endpoint.url, json=body) as answer:
            if answer.status != 200:
                raise RasaException(f"NLG endpoint answered {answer.status} for {utter_action}")
            content = await answer.json()
        if not isinstance(content, dict) or not isinstance(content.get("text", ""), str):
            raise RasaException("NLG endpoint returned an invalid response")
        return content
