"""The action server process: rasa-sdk's actions plus the NLG endpoint, on loopback.

Both run in one Sanic app because they share the same code and data (catalogues, centres) and
Rasa calls them on every turn; one process saves a hop and a copy of everything in memory.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request

from bot.centres import load_centres
from bot.constants import META_CENTRE, META_LANGUAGE
from bot.logging_setup import configure_logging
from bot.nlg.render import Renderer
from bot.nlg.templates import load_templates
from bot.settings import Settings, load_settings

logger = logging.getLogger(__name__)


def nlg_context(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """Language and centre for a response: an action's explicit language wins over metadata."""
    arguments = body.get("arguments") or {}
    latest = (body.get("tracker") or {}).get("latest_message") or {}
    metadata = latest.get("metadata") or {}
    return arguments.get("language") or metadata.get(META_LANGUAGE), metadata.get(META_CENTRE)


def build_app(settings: Settings) -> Sanic:
    app = create_app("bot.actions", cors_origins=None)
    renderer = Renderer(load_templates(), load_centres(settings.centres_file))

    @app.post("/nlg")
    async def nlg(request: Request):
        body = request.json or {}
        name = body.get("response") or body.get("template")
        if name not in renderer.response_names:
            logger.error("NLG asked for unknown response %s", name)
            return response.json({"error": f"unknown response {name}"}, status=404)
        language, centre = nlg_context(body)
        suggestions = (body.get("arguments") or {}).get("suggestions") or ()
        rendered = renderer.render(name, language, centre, suggestions)
        return response.json(rendered.as_nlg_response())

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()
    settings = load_settings()
    configure_logging()
    app = build_app(settings)
    app.run(
        host="127.0.0.1",
        port=args.port or settings.action_server_port,
        access_log=False,
        motd=False,
    )


if __name__ == "__main__":
    main()
