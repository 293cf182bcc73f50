"""Wiring and serving: the conversation core, the HTTP side (health, webhook) and PTB.

Polling and webhook modes both run the same Starlette app under uvicorn, so health is reachable
in either; in webhook mode it also receives Telegram's updates and checks ``secret_token``.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.centres import load_centres
from bot.gateway.assessment import AssessmentFlow
from bot.gateway.conversation import Conversation
from bot.gateway.rasa_client import RasaClient
from bot.gateway.store import PeopleStore
from bot.gateway.telegram_app import build_application, register_commands
from bot.nlg.render import Renderer
from bot.nlg.templates import load_templates
from bot.questionnaire.definition import load_definition
from bot.settings import Settings
from bot.storage.db import make_engine, session_factory
from bot.storage.keys import cipher, data_keys

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Core:
    """Everything a front (Telegram or terminal) needs, built once per process."""

    conversation: Conversation
    rasa: RasaClient
    keys: list[bytes]

    async def aclose(self) -> None:
        await self.rasa.aclose()


def build_core(settings: Settings) -> Core:
    keys = data_keys(settings)
    centres = load_centres(settings.centres_file)
    rasa = RasaClient(settings.rasa_url)
    sessions = session_factory(make_engine(settings.database_url))
    renderer = Renderer(load_templates(), centres)
    assessment = AssessmentFlow(load_definition(), sessions, cipher(keys), centres, renderer)
    conversation = Conversation(
        rasa, PeopleStore(sessions), renderer, centres, assessment, settings.default_locale
    )
    return Core(conversation, rasa, keys)


def build_http_app(settings: Settings, core: Core, application: Application) -> Starlette:
    async def health(_: Request) -> Response:
        rasa_ok = await core.rasa.ready()
        return JSONResponse(
            {"status": "ok" if rasa_ok else "degraded", "rasa": rasa_ok, "mode": settings.mode},
            status_code=200 if rasa_ok else 503,
        )

    async def telegram_webhook(request: Request) -> Response:
        secret = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(secret, settings.webhook_secret or ""):
            return Response(status_code=403)
        try:
            update = Update.de_json(await request.json(), application.bot)
        except ValueError:
            return Response(status_code=400)
        await application.update_queue.put(update)
        return Response()

    routes = [Route("/health", health)]
    if settings.mode == "webhook":
        routes.append(Route(WEBHOOK_PATH, telegram_webhook, methods=["POST"]))
    return Starlette(routes=routes)


async def serve_telegram(settings: Settings, core: Core) -> None:
    """Run PTB (polling or webhook) and the HTTP side until cancelled."""
    application = build_application(settings, core.conversation, core.keys)
    http = build_http_app(settings, core, application)
    server = uvicorn.Server(
        uvicorn.Config(
            http,
            host=settings.gateway_host,
            port=settings.gateway_port,
            log_level="warning",
            access_log=False,
        )
    )

    @asynccontextmanager
    async def running():
        async with application:
            await register_commands(application)
            if settings.mode == "webhook":
                await application.bot.set_webhook(
                    settings.webhook_url,
                    secret_token=settings.webhook_secret,
                    allowed_updates=Update.ALL_TYPES,
                )
            else:
                await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            await application.start()
            try:
                yield
            finally:
                if application.updater and application.updater.running:
                    await application.updater.stop()
                await application.stop()

    async with running():
        logger.info(
            "gateway ready (%s) on %s:%s",
            settings.mode,
            settings.gateway_host,
            settings.gateway_port,
        )
        try:
            await server.serve()
        except asyncio.CancelledError:
            server.should_exit = True
            raise
