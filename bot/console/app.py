"""The console's web app: login, queue, case view and actions, supervisor page, service
directory (admins edit, supervisors read), monthly reports (supervisors and admins), accounts
and the messages the bot could not deliver (admins, who may send one again).

``build_console`` returns a Starlette app that the gateway mounts at ``/console``; every URL it
writes is built from the mount point (``root_path``), so it works under any prefix. The routes
live in ``bot.console.routes``, one module per area; ``bot.console.endpoints`` says how each
request runs (login session, CSRF, roles, refusals) and ``bot.console.web`` what they share.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cryptography.fernet import MultiFernet
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.centres import CentreDirectory
from bot.console import login_sessions
from bot.console.routes import (
    account_changes,
    accounts,
    attachments,
    auth,
    canned,
    case_actions,
    case_thread,
    cases,
    closed_cases,
    dead_letters,
    in_progress,
    labels,
    profile,
    queue,
    reopen,
    reports,
    services,
    supervisor,
)
from bot.console.texts import RATING_PROMPT
from bot.console.throttle import LoginThrottle
from bot.console.web import Site

__all__ = ["RATING_PROMPT", "SESSION_COOKIE", "build_console"]

STATIC = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "console_session"
# The cookie outlives no session; the session itself is checked on the server each time.
SESSION_MAX_AGE = int(login_sessions.LIFETIME.total_seconds())
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # frame-ancestors above says the same to browsers that read CSP; this, to those that don't.
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # Case pages hold personal data: no copy in the browser's or a proxy's cache.
    "Cache-Control": "no-store",
}
# Sent only with Secure cookies, that is when the console is served over HTTPS: a browser told
# this over plain http on a developer's machine would refuse that machine's http for a year.
HSTS = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains"}


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` (and HSTS when asked) to every response: pages, redirects and
    static files."""

    def __init__(self, app: ASGIApp, hsts: bool) -> None:
        self.app = app
        self.headers = {**SECURITY_HEADERS, **(HSTS if hsts else {})}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def all_routes() -> list[BaseRoute]:
    """Every area's routes, and the static files."""
    return [
        *auth.routes,
        *queue.routes,
        *supervisor.routes,
        *in_progress.routes,
        *services.routes,
        *canned.routes,
        *labels.routes,
        *closed_cases.routes,
        *dead_letters.routes,
        *accounts.routes,
        *account_changes.routes,
        *reports.routes,
        *profile.routes,
        *cases.routes,
        *case_actions.routes,
        *reopen.routes,
        *case_thread.routes,
        *attachments.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def build_console(
    sessions: sessionmaker,
    box: MultiFernet,
    secret_key: str,
    centres: CentreDirectory,
    *,
    https_only: bool = True,
    clock: Callable[[], datetime] = datetime.utcnow,
    throttle: LoginThrottle | None = None,
    mount_path: str = "/console",
) -> Starlette:
    """The console app, to mount at ``mount_path`` (its URLs work under any prefix; the session
    cookie is sent back to that path only).

    ``secret_key`` signs the session cookie; ``https_only=False`` is for tests and local HTTP,
    and also leaves HSTS out. ``throttle`` counts login attempts (in this process's memory
    unless given one on Redis).
    """
    app = Starlette(
        routes=all_routes(),
        middleware=[
            Middleware(SecurityHeaders, hsts=https_only),
            Middleware(
                SessionMiddleware,
                secret_key=secret_key,
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_MAX_AGE,
                path=mount_path,
                same_site="strict",
                https_only=https_only,
            ),
        ],
    )
    app.state.site = Site(sessions, box, centres, clock, throttle or LoginThrottle())
    return app
