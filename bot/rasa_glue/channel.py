"""The gateway's channel into Rasa: the REST channel, failing closed.

Rasa's own REST channel answers HTTP 200 with whatever it collected when a turn fails, and its
agent quietly swaps a failing tracker store for an empty in-memory one. Either way a person's
conversation would be silently reset. This channel removes that fallback and answers 503, so the
gateway tells the person to try again instead. Configured in ``credentials.yml``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_glue import action_schema
from bot.rasa_glue.tracker_store import fail_closed

logger = logging.getLogger(__name__)


class GatewayInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "gateway"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        # Rasa builds the blueprint once, at start-up, before any turn.
        action_schema.install()
        webhook = Blueprint("gateway_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            fail_closed(request.app.ctx.agent)
            collector = CollectingOutputChannel()
            message = UserMessage(
                self._extract_message(request),
                collector,
                await self._extract_sender(request),
                input_channel=self.name(),
                metadata=self.get_metadata(request),
            )
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - any failure must reach the gateway
                # The type only: the exception text may quote what the person wrote.
                logger.error("turn failed: %s", type(error).__name__)
                return response.json({"error": "turn failed"}, status=503)
            return response.json(collector.messages)

        @webhook.route("/intent", methods=["POST"])
        async def intent(request: Request) -> HTTPResponse:
            """The model's intent for a text that does not go to the dialogue (a message for a
            caseworker): the gateway's second crisis signal. Touches no conversation."""
            text = (request.json or {}).get("text")
            if not isinstance(text, str) or not text:
                return response.json({"error": "text is required"}, status=400)
            parsed = await request.app.ctx.agent.parse_message(text)
            found = parsed.get("intent") or {}
            return response.json(
                {"name": found.get("name"), "confidence": found.get("confidence", 0.0)}
            )

        return webhook
