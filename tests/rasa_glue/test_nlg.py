"""The light NLG callback sends the NLG endpoint what it reads, and nothing of the history."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.actions.server import nlg_context
from bot.constants import META_CENTRE, META_LANGUAGE
from bot.rasa_glue.nlg import GatewayNLG, request_body
from tests.helpers.ports import free_port


def test_the_body_carries_language_and_centre_but_no_history() -> None:
    events = [
        UserUttered("mon secret d'avant", metadata={META_LANGUAGE: "fr"}),
        BotUttered("réponse"),
        UserUttered("hola", metadata={META_LANGUAGE: "es", META_CENTRE: "dakar-demo"}),
    ]
    tracker = DialogueStateTracker.from_events("person-1", events)

    body = request_body("utter_greet", tracker, "gateway", {"suggestions": ["info_health"]})

    assert nlg_context(body) == ("es", "dakar-demo")
    assert body["response"] == "utter_greet"
    assert body["arguments"] == {"suggestions": ["info_health"]}
    assert "mon secret" not in str(body) and "réponse" not in str(body)


def test_a_tracker_without_messages_gets_no_metadata() -> None:
    tracker = DialogueStateTracker.from_events("person-2", [])

    assert nlg_context(request_body("utter_greet", tracker, "gateway", {})) == (None, None)


class DroppingNLG:
    """An NLG endpoint that drops the connection of the first ``drops`` requests unanswered, as
    a server closing a kept-alive connection does when a request arrives on it."""

    def __init__(self, drops: int) -> None:
        self.drops = drops
        self.requests = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.requests <= self.drops:
            request.transport.close()
            raise ConnectionResetError
        return web.json_response({"text": "Bonjour !"})


@pytest.fixture
async def nlg_server(request: pytest.FixtureRequest) -> AsyncIterator[tuple[DroppingNLG, str]]:
    endpoint = DroppingNLG(request.param)
    app = web.Application()
    app.router.add_post("/nlg", endpoint.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield endpoint, f"http://127.0.0.1:{port}/nlg"
    await runner.cleanup()


@pytest.mark.parametrize("nlg_server", [1], indirect=True)
async def test_a_dropped_connection_is_asked_again(nlg_server: tuple[DroppingNLG, str]) -> None:
    endpoint, url = nlg_server
    nlg = GatewayNLG(EndpointConfig(url))

    answer = await nlg.generate("utter_greet", DialogueStateTracker("p", []), "gateway")

    assert answer == {"text": "Bonjour !"}
    assert endpoint.requests == 2


@pytest.mark.parametrize("nlg_server", [2], indirect=True)
async def test_a_second_drop_reaches_rasa(nlg_server: tuple[DroppingNLG, str]) -> None:
    endpoint, url = nlg_server
    nlg = GatewayNLG(EndpointConfig(url))

    with pytest.raises(aiohttp.ClientConnectionError):
        await nlg.generate("utter_greet", DialogueStateTracker("p", []), "gateway")
    assert endpoint.requests == 2
