"""Wiring and serving: the conversation core, the HTTP side (health, webhook, caseworker
console) and the background jobs (outbox sender, case watcher).

Every mode runs the same Starlette app under uvicorn, so health and the console are reachable
in each; in webhook mode it also receives Telegram's updates and checks ``secret_token``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

import uvicorn
from cryptography.fernet import MultiFernet
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from telegram import Bot, Update
from telegram.error import Forbidden
from telegram.ext import Application

from bot.centres import CentreDirectory, load_centres
from bot.console.app import build_console
from bot.gateway.assessment import AssessmentFlow
from bot.gateway.conversation import Conversation
from bot.gateway.handover import HandoverFlow, watch_cases
from bot.gateway.nearby import NearbyServices
from bot.gateway.outbox import Outbox, Pending, PermanentFailure
from bot.gateway.rasa_client import RasaClient
from bot.gateway.spool import Spool
from bot.gateway.store import PeopleStore
from bot.gateway.telegram_app import build_application, register_commands, send_reply
from bot.gateway.terminal import chat
from bot.nlg.render import Renderer
from bot.nlg.templates import load_templates
from bot.questionnaire.definition import load_definition
from bot.settings import Settings
from bot.storage.db import make_engine, session_factory
from bot.storage.keys import cipher, data_keys
from bot.storage.retention import RetentionPolicy, purge

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WATCH_INTERVAL = 60.0
PURGE_EVERY = 60  # watch intervals


@dataclass
class Core:
    """Everything a front (Telegram or terminal) needs, built once per process."""

    settings: Settings
    conversation: Conversation
    handover: HandoverFlow
    outbox: Outbox
    rasa: RasaClient
    keys: list[bytes]
    box: MultiFernet
    sessions: sessionmaker[Session]
    centres: CentreDirectory

    async def aclose(self) -> None:
        await self.rasa.aclose()


def build_core(settings: Settings) -> Core:
    keys = data_keys(settings)
    box = cipher(keys)
    centres = load_centres(settings.centres_file)
    definition = load_definition()
    rasa = RasaClient(settings.rasa_url)
    sessions = session_factory(make_engine(settings.database_url))
    renderer = Renderer(load_templates(), centres)
    assessment = AssessmentFlow(
        definition, sessions, box, centres, renderer, settings.retention_days
    )
    handover = HandoverFlow(definition, sessions, box, centres)
    conversation = Conversation(
        rasa,
        PeopleStore(sessions, box),
        renderer,
        centres,
        assessment,
        handover,
        NearbyServices(sessions),
        settings.default_locale,
    )
    return Core(
        settings, conversation, handover, Outbox(sessions, box), rasa, keys, box, sessions, centres
    )


def console_secret(keys: list[bytes]) -> str:
    """Session-cookie key for the console, derived so that no other secret needs managing."""
    return hmac.new(keys[0], b"console-session", hashlib.sha256).hexdigest()


def build_http_app(
    settings: Settings, core: Core, application: Application | None = None
) -> Starlette:
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

    console = build_console(
        core.sessions,
        core.box,
        console_secret(core.keys),
        core.centres,
        https_only=settings.console_secure_cookies,
    )
    routes = [Route("/health", health), Mount("/console", app=console)]
    if settings.mode == "webhook" and application is not None:
        routes.append(Route(WEBHOOK_PATH, telegram_webhook, methods=["POST"]))
    return Starlette(routes=routes)


def http_server(settings: Settings, app: Starlette) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.gateway_host,
            port=settings.gateway_port,
            log_level="warning",
            access_log=False,
            http="h11",
            ws="none",
            lifespan="off",
        )
    )


async def watch_forever(core: Core, notify: Callable[[str], Awaitable[None]] | None) -> None:
    """Every minute, the case timers; every hour, the retention periods."""
    settings = core.settings
    policy = RetentionPolicy.from_settings(settings)
    for tick in itertools.count():
        await watch_cases(
            core.sessions,
            notify,
            timedelta(minutes=settings.unclaimed_alert_minutes),
            timedelta(hours=settings.inactive_case_hours),
        )
        if tick % PURGE_EVERY == 0:
            await asyncio.to_thread(apply_retention, core.sessions, policy)
        await asyncio.sleep(WATCH_INTERVAL)


def apply_retention(sessions: sessionmaker[Session], policy: RetentionPolicy) -> None:
    with sessions.begin() as session:
        counts = purge(session, datetime.utcnow(), policy)
    logger.info("retention: removed %s", counts)


def replayer(application: Application) -> Callable[[dict], Awaitable[None]]:
    """Process a spooled update through the same handlers as a fresh one."""

    async def process(data: dict) -> None:
        await application.process_update(Update.de_json(data, application.bot))

    return process


def caseworker_notifier(settings: Settings, bot: Bot) -> Callable[[str], Awaitable[None]]:
    """Alerts without personal data, to the caseworkers' Telegram chat (or the log)."""

    async def notify(text: str) -> None:
        if settings.caseworker_chat_id is not None:
            await bot.send_message(settings.caseworker_chat_id, text)
        else:
            logger.warning("%s", text)

    return notify


def telegram_delivery(bot: Bot) -> Callable[[Pending], Awaitable[None]]:
    """Send an outbox message as plain text, with its buttons."""

    async def deliver(item: Pending) -> None:
        if item.chat_id is None:
            raise PermanentFailure("no chat")
        try:
            await send_reply(bot, item.chat_id, item.reply)
        except Forbidden as error:
            raise PermanentFailure("blocked") from error

    return deliver


async def serve_telegram(settings: Settings, core: Core) -> None:
    """Run PTB (polling or webhook), the HTTP side and the background jobs until cancelled."""
    spool = Spool(settings.var_dir / "spool", core.box)
    application = build_application(settings, core.conversation, core.keys, spool)
    server = http_server(settings, build_http_app(settings, core, application))

    notify = caseworker_notifier(settings, application.bot)
    core.handover.notify_caseworkers = notify
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
        jobs = [
            asyncio.create_task(core.outbox.run(telegram_delivery(application.bot))),
            asyncio.create_task(watch_forever(core, notify)),
            asyncio.create_task(spool.replay_forever(replayer(application))),
        ]
        logger.info("gateway ready (%s)", settings.mode)
        try:
            await server.serve()
        finally:
            for job in jobs:
                job.cancel()
                with suppress(asyncio.CancelledError):
                    await job
            if application.updater and application.updater.running:
                await application.updater.stop()
            await application.stop()


async def serve_terminal(settings: Settings, core: Core) -> None:
    """The terminal chat, with the HTTP side (health, console) and the case watcher."""
    server = http_server(settings, build_http_app(settings, core))
    jobs = [
        asyncio.create_task(server.serve()),
        asyncio.create_task(watch_forever(core, None)),
    ]
    try:
        await chat(core)
    finally:
        server.should_exit = True
        jobs[1].cancel()
        with suppress(asyncio.CancelledError):
            await asyncio.gather(*jobs)
