"""Wiring and serving: the conversation core, the HTTP side (health, metrics, webhook,
caseworker console) and the background jobs (inbox workers, outbox sender, case watcher).

Every mode runs the same Starlette app under uvicorn, so health and the console are reachable
in each; in webhook mode it also receives Telegram's updates, checks ``secret_token`` and
stores each update before answering 200 (503 when it cannot: Telegram then sends it again).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

import uvicorn
from cryptography.fernet import MultiFernet
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from telegram import Update
from telegram.ext import Application

from bot.centres import CentreDirectory, load_centres
from bot.console.app import build_console
from bot.console.throttle import LoginThrottle, MemoryWindows, RedisWindows
from bot.crisis.detector import CrisisDetector
from bot.gateway import metrics
from bot.gateway.alerts import CaseworkerAlerts
from bot.gateway.assessment import AssessmentFlow
from bot.gateway.attachments import AttachmentFlow
from bot.gateway.conversation import Conversation
from bot.gateway.crisis import CrisisHelp
from bot.gateway.handover import HandoverFlow, alert_unclaimed, requeue_idle, unclaimed_limits
from bot.gateway.inbox import Inbox
from bot.gateway.jobs import every
from bot.gateway.nearby import NearbyServices
from bot.gateway.outbox import Outbox
from bot.gateway.polling import poll
from bot.gateway.rasa_client import RasaClient
from bot.gateway.ratelimit import Limits, RateLimiter, RedisLimiter, build_limiter
from bot.gateway.sender import Sender
from bot.gateway.store import PeopleStore
from bot.gateway.telegram_app import build_application, register_commands
from bot.gateway.terminal import CONSOLE_USER_ID, chat
from bot.gateway.worker import Worker
from bot.nlg.render import Renderer
from bot.nlg.templates import load_templates
from bot.questionnaire.definition import load_definition
from bot.settings import WEBHOOK_SECRET, Settings
from bot.storage.db import make_engine, session_factory
from bot.storage.keys import cipher, data_keys, pseudonym
from bot.storage.retention import RetentionPolicy, purge_and_scrub

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update is a few kilobytes; a bigger body is not from Telegram and is not read further.
MAX_UPDATE_BYTES = 1 << 20
WATCH_INTERVAL = 60.0
RETENTION_INTERVAL = 3600.0
DATABASE_THREADS = 16


@dataclass
class Core:
    """Everything a front (Telegram or terminal) needs, built once per process."""

    settings: Settings
    conversation: Conversation
    handover: HandoverFlow
    inbox: Inbox
    outbox: Outbox
    limiter: RateLimiter
    rasa: RasaClient
    keys: list[bytes]
    box: MultiFernet
    sessions: sessionmaker[Session]
    centres: CentreDirectory
    alerts: CaseworkerAlerts

    async def aclose(self) -> None:
        await self.rasa.aclose()
        await self.limiter.aclose()

    async def __aenter__(self) -> Core:
        return self

    async def __aexit__(self, *_: object) -> None:
        # The HTTP clients' connections close with the process's own event loop.
        await self.aclose()


def build_core(settings: Settings) -> Core:
    keys = data_keys(settings)
    box = cipher(keys)
    centres = load_centres(settings.centres_file)
    definition = load_definition()
    rasa = RasaClient(settings.rasa_urls)
    sessions = session_factory(make_engine(settings.database_url))
    renderer = Renderer(load_templates(), centres)
    crisis = CrisisHelp(CrisisDetector.from_files(), centres, sessions)
    assessment = AssessmentFlow(
        definition, sessions, box, centres, renderer, crisis, settings.retention_days
    )
    alerts = CaseworkerAlerts(box, settings.caseworker_chat_id)
    handover = HandoverFlow(definition, sessions, box, centres, alerts)
    conversation = Conversation(
        rasa,
        PeopleStore(sessions, box),
        renderer,
        centres,
        assessment,
        handover,
        NearbyServices(sessions, centres),
        crisis,
        settings.default_locale,
        AttachmentFlow(sessions, box, settings.attachment_max_bytes),
    )
    limits = Limits(
        bot_rate=settings.send_rate,
        bot_burst=settings.send_rate,
        chat_rate=settings.chat_send_rate,
        chat_burst=3 * settings.chat_send_rate,
    )
    return Core(
        settings,
        conversation,
        handover,
        Inbox(sessions, box, keys, settings.replica_id),
        Outbox(sessions, box, settings.replica_id),
        build_limiter(settings.redis_url, limits, settings.gateway_replicas),
        rasa,
        keys,
        box,
        sessions,
        centres,
        alerts,
    )


def console_secret(keys: list[bytes]) -> str:
    """Session-cookie key for the console, derived so that no other secret needs managing."""
    return hmac.new(keys[0], b"console-session", hashlib.sha256).hexdigest()


def login_throttle(settings: Settings, keys: list[bytes]) -> LoginThrottle:
    """Login windows in Redis when configured (every replica counts the same attempts), else
    in this process; keyed by a secret every replica derives alike from the data key."""
    windows = RedisWindows(settings.redis_url) if settings.redis_url else MemoryWindows()
    return LoginThrottle(windows, hmac.new(keys[0], b"console-throttle", hashlib.sha256).digest())


def build_http_app(
    settings: Settings, core: Core, accept: Callable[[dict], Awaitable[int]] | None = None
) -> Starlette:
    """Health, metrics and the console; the webhook too when ``accept`` (the workers' way in,
    ``Worker.accept``) is given in webhook mode."""

    async def health(request: Request) -> Response:
        status = await readiness(core)
        ready = status["database"] and any(status["rasa"].values())
        body = {"status": "ok" if ready else "unavailable"}
        if from_loopback(request):
            # The details name internal URLs (Rasa replicas): for the launcher and operators on
            # the machine, not for whoever reaches the gateway from outside.
            body.update(mode=settings.mode, **status)
        return JSONResponse(body, status_code=200 if ready else 503)

    async def live(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def metrics_page(_: Request) -> Response:
        data = await asyncio.to_thread(metrics.exposition)
        return Response(data, media_type="text/plain; version=0.0.4; charset=utf-8")

    async def telegram_webhook(request: Request) -> Response:
        if not secret_matches(request.headers.get(SECRET_HEADER, ""), settings.webhook_secret):
            return Response(status_code=403)
        body = await bounded_body(request, MAX_UPDATE_BYTES)
        if body is None:
            return Response(status_code=413)
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            # RecursionError: a body nested thousands of levels deep.
            return Response(status_code=400)
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            return Response(status_code=400)
        try:
            new = await accept(data)
        except SQLAlchemyError as error:
            metrics.ERRORS.labels("database").inc()
            logger.warning("update not stored, Telegram retries: %s", type(error).__name__)
            return Response(status_code=503)
        metrics.UPDATES_IN.inc(new)
        metrics.DUPLICATES.inc(1 - new)
        return Response()

    console = build_console(
        core.sessions,
        core.box,
        console_secret(core.keys),
        core.centres,
        https_only=settings.console_secure_cookies,
        throttle=login_throttle(settings, core.keys),
    )
    metrics.watch_queues(
        {
            "inbox": core.inbox.waiting,
            "outbox": core.outbox.waiting,
            "dead_letters": core.outbox.dead_letters,
        }
    )
    routes = [
        Route("/health", health),
        Route("/health/live", live),
        Route("/metrics", metrics_page),
        Mount("/console", app=console),
    ]
    if settings.mode == "webhook" and accept is not None:
        routes.append(Route(WEBHOOK_PATH, telegram_webhook, methods=["POST"]))
    return Starlette(routes=routes)


def secret_matches(given: str, expected: str | None) -> bool:
    """Whether the webhook's secret header is the configured secret, compared in constant time.

    A header that cannot be a secret (empty, too long, or with characters outside Telegram's
    alphabet, such as the Latin-1 text Starlette decodes non-ASCII bytes to) is refused before
    the comparison, which raises on non-ASCII text.
    """
    if expected is None or not WEBHOOK_SECRET.fullmatch(given):
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


async def bounded_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to exceed ``limit`` bytes: from the
    Content-Length header when there is one, else (chunked, or a header that lies) while the
    body is streamed, so that the rest of an oversized body is never read."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def from_loopback(request: Request) -> bool:
    """Whether the client is on this machine (behind a proxy: as X-Forwarded-For says)."""
    try:
        return request.client is not None and ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


async def readiness(core: Core) -> dict:
    """Whether the database, Redis (when configured) and each Rasa replica answer."""

    def database_ok() -> bool:
        try:
            with core.sessions() as session:
                session.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    status: dict = {
        "database": await asyncio.to_thread(database_ok),
        "rasa": await core.rasa.ready(),
    }
    if isinstance(core.limiter, RedisLimiter):
        # Without Redis the limits are kept per replica: degraded, still serving.
        status["redis"] = await core.limiter.reachable()
    return status


def http_server(settings: Settings, app: Starlette) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.gateway_host,
            port=settings.gateway_port,
            log_level="warning",
            # Our handlers, not uvicorn's own on stderr: under the terminal chat they write to
            # the log file (bot.logging_setup).
            log_config=None,
            access_log=False,
            http="httptools",
            ws="none",
            lifespan="off",
        )
    )


async def watch_forever(core: Core) -> None:
    """The periodic jobs, each supervised (``bot.gateway.jobs``): every minute the case timers,
    every hour the retention periods."""
    settings = core.settings
    policy = RetentionPolicy.from_settings(settings)
    unclaimed = unclaimed_limits(settings, core.centres)
    inactive = timedelta(hours=settings.inactive_case_hours)
    await asyncio.gather(
        every(
            "unclaimed_alerts",
            WATCH_INTERVAL,
            lambda: asyncio.to_thread(
                alert_unclaimed, core.sessions, core.alerts, unclaimed, datetime.utcnow()
            ),
        ),
        every(
            "idle_claims",
            WATCH_INTERVAL,
            lambda: asyncio.to_thread(
                requeue_idle, core.sessions, core.box, inactive, datetime.utcnow()
            ),
        ),
        every(
            "retention",
            RETENTION_INTERVAL,
            lambda: asyncio.to_thread(apply_retention, core.sessions, policy),
        ),
    )


def apply_retention(sessions: sessionmaker[Session], policy: RetentionPolicy) -> None:
    counts = purge_and_scrub(sessions, datetime.utcnow(), policy)
    logger.info("retention: removed %s", counts)


@dataclass
class Gateway:
    """The Telegram side of one replica: PTB application, inbox workers and outbox sender."""

    core: Core
    application: Application
    worker: Worker
    sender: Sender


def build_gateway(settings: Settings, core: Core) -> Gateway:
    application, front = build_application(settings, core.conversation, core.keys)
    sender = Sender(core.outbox, application.bot, core.limiter)
    worker = Worker(core.inbox, front, application, core.keys, sender)
    return Gateway(core, application, worker, sender)


@asynccontextmanager
async def running(
    gateway: Gateway, polling: bool, poll_timeout: int = 10, watch: bool = True
) -> AsyncIterator[None]:
    """The gateway's jobs, for as long as the block runs: inbox workers, outbox sender, the
    case and retention watcher, and in polling mode the poller."""
    # Database calls run in threads; the default pool (cores + 4) would queue turns behind one
    # another while each waits on the network, not the CPU.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=DATABASE_THREADS, thread_name_prefix="database")
    )
    async with gateway.application:
        jobs = [
            asyncio.create_task(gateway.worker.run()),
            asyncio.create_task(gateway.sender.run()),
        ]
        if watch:
            jobs.append(asyncio.create_task(watch_forever(gateway.core)))
        if polling:
            fetch = poll(
                gateway.application.bot, gateway.core.inbox, gateway.worker.wake, poll_timeout
            )
            jobs.append(asyncio.create_task(fetch))
        try:
            yield
        finally:
            for job in jobs:
                job.cancel()
                with suppress(asyncio.CancelledError):
                    await job


async def serve_telegram(settings: Settings, core: Core) -> None:
    """Run the gateway (polling or webhook), the HTTP side and the background jobs."""
    gateway = build_gateway(settings, core)
    server = http_server(settings, build_http_app(settings, core, gateway.worker.accept))
    polling = settings.mode == "polling"
    async with core, running(gateway, polling):
        # Polling deletes the webhook itself before its first getUpdates (bot.gateway.polling).
        await register_commands(gateway.application)
        if not polling:
            # Set before the server answers: Telegram's first post then finds it ready, with the
            # secret it checks and every update type.
            await gateway.application.bot.set_webhook(
                settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        logger.info("gateway ready (%s)", settings.mode)
        await server.serve()


async def serve_terminal(settings: Settings, core: Core) -> None:
    """The terminal chat, with the HTTP side (health, console) and the case watcher."""
    server = http_server(settings, build_http_app(settings, core))
    jobs = [
        asyncio.create_task(server.serve()),
        asyncio.create_task(watch_forever(core)),
    ]
    async with core:
        try:
            await chat(core.conversation, core.outbox, pseudonym(core.keys, CONSOLE_USER_ID))
        finally:
            server.should_exit = True
            jobs[1].cancel()
            with suppress(asyncio.CancelledError):
                await asyncio.gather(*jobs)
