"""The console's web app: login, queue, case view and actions, supervisor page, service
directory (admins edit, supervisors read), monthly reports (supervisors and admins) and the
messages the bot could not deliver (admins, who may send one again).

``build_console`` returns a Starlette app that the gateway mounts at ``/console``; every URL it
writes is built from the mount point (``root_path``), so it works under any prefix.

Each request runs its database work in one session in a worker thread. A refusal (no login,
wrong role, someone else's case, missing CSRF token) rolls that work back, is written to the
audit log in its own commit, and answers with an error page. Python logs name the action and
the path only: no usernames, no texts.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from babel.dates import format_date, format_datetime, format_timedelta
from babel.lists import format_list
from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import directory, reports
from bot.centres import Centre, CentreDirectory, format_hours
from bot.console import auth, login_sessions, scope, service_form, stats, texts
from bot.console.texts import CLAIMED_NOTICE, RATING_PROMPT
from bot.console.throttle import LoginThrottle
from bot.constants import LANGUAGE_NATIVE_NAMES, LANGUAGES, RATING_CALLBACK_PREFIX
from bot.crisis.kinds import crisis_label
from bot.gateway import metrics, outbox
from bot.i18n import (
    Plural,
    babel_locale,
    format_number,
    is_rtl,
    translate,
    translate_count,
    translations,
)
from bot.settings import ConfigError
from bot.storage import cases, statistics
from bot.storage.keys import unseal
from bot.storage.models import Case, CaseMessage, Caseworker, DeadLetter, Service

__all__ = ["RATING_PROMPT", "build_console"]

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
UI_DEFAULT_LANGUAGE = "fr"
SUPERVISORS = scope.SUPERVISORS
ADMINS = (scope.ADMIN,)
# The reports page's centre choice for what was counted without a centre ("" in the reports);
# never a centre code, whose characters are A-Z a-z 0-9 _ -.
NO_CENTRE_CHOICE = "~"
# Outcomes a caseworker may choose; "cancelled" and "erased" are set by the person's actions.
CLOSE_OUTCOMES = tuple(o for o in cases.OUTCOMES if o not in ("cancelled", "erased"))
MAX_MESSAGE = 4000  # Telegram's limit is 4096 characters; leave room for the bot's heading.
MAX_DETAIL = 500
MAX_AUDIT_DETAIL = 200  # the audit log's detail column
DEAD_LETTERS_SHOWN = 200
# Enough to tell a person's messages apart on the page, too little to look them up elsewhere.
PSEUDONYM_SHOWN = 8
SESSION_COOKIE = "console_session"
# The cookie outlives no session; the session itself is checked on the server each time.
SESSION_MAX_AGE = int(login_sessions.LIFETIME.total_seconds())
QUEUE_REFRESH_SECONDS = 10
# A login refused because every hash slot was taken may try again at once, nearly.
BUSY_RETRY_SECONDS = 1
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # frame-ancestors above says the same to browsers that read CSP; this, to those that don't.
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # Case pages hold personal data: no copy in the browser's or a proxy's cache.
    "Cache-Control": "no-store",
}


class Refused(Exception):
    """A request the console refuses; written to the audit log as ``action``."""

    def __init__(self, status: int, action: str, reason: str, case_id: int | None = None):
        super().__init__(action)
        self.status = status
        self.action = action
        self.reason = reason
        self.case_id = case_id


@dataclass
class Call:
    """One request as the handlers see it."""

    request: Request
    session: Session
    form: dict[str, str]
    now: datetime
    user: Caseworker | None = None
    language: str = UI_DEFAULT_LANGUAGE

    @property
    def me(self) -> Caseworker:
        """The logged-in caseworker (handlers behind a login only)."""
        assert self.user is not None
        return self.user


@dataclass(frozen=True)
class Access:
    """Who may call a route: ``roles`` None means anyone, even without a login."""

    roles: tuple[str, ...] | None = auth.ROLES
    # Audit anonymous calls: on case and supervisor URLs they are probes, not a new visit.
    audit_anonymous: bool = False
    json: bool = False


PUBLIC = Access(roles=None)
LOGGED_IN = Access()
CASE_URL = Access(audit_anonymous=True)
SUPERVISOR_ONLY = Access(roles=SUPERVISORS, audit_anonymous=True)
ADMIN_ONLY = Access(roles=ADMINS, audit_anonymous=True)
JSON = Access(json=True)

Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class DeadLetterRow:
    """One undelivered message as the page shows it: never its text, only the text's length."""

    id: int
    reason: str
    attempts: int
    created_at: datetime
    dead_at: datetime
    person: str
    length: int | None


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


# Templates -----------------------------------------------------------------------------------


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return translations(context["ui_language"]).gettext(message)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    return translations(context["ui_language"]).ngettext(singular, plural, n)


@jinja2.pass_context
def _number(context: jinja2.runtime.Context, value: float, pattern: str | None = None) -> str:
    """A number written the reader's way: "4,5" in French, "4.5" in English."""
    return format_number(value, context["ui_language"], pattern)


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    # The language is read from each render's context, so one environment serves every user.
    env.install_gettext_callables(_gettext, _ngettext, newstyle=False)
    env.filters["number"] = _number
    return env


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc)


def _when(moment: datetime | None, language: str) -> str:
    if moment is None:
        return "–"
    # Caseworkers may sit in several time zones: say plainly that times are UTC.
    shown = format_datetime(
        _utc(moment), "short", tzinfo=timezone.utc, locale=babel_locale(language)
    )
    return f"{shown} UTC"


def _duration(delta: timedelta | None, language: str) -> str:
    if delta is None:
        return "–"
    return format_timedelta(delta, format="short", locale=babel_locale(language))


# Session helpers -----------------------------------------------------------------------------


def _csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def _csrf_ok(request: Request, form: dict[str, str]) -> bool:
    expected = request.session.get("csrf")
    sent = form.get("csrf", "")
    return bool(expected) and hmac.compare_digest(expected.encode(), sent.encode())


def _ui_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        request.session["lang"] = asked
    return request.session.get("lang", UI_DEFAULT_LANGUAGE)


def _notice(request: Request, key: str) -> None:
    request.session["notice"] = key


def _address(request: Request) -> str:
    """The client's address (uvicorn takes it from X-Forwarded-For set by a proxy on loopback)."""
    return request.client.host if request.client else ""


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _text(form: dict[str, str], name: str) -> str:
    """A typed text without surrounding blanks, with the browser's CRLF made plain newlines."""
    return form.get(name, "").replace("\r\n", "\n").strip()


# The app -------------------------------------------------------------------------------------


class Console:
    def __init__(
        self,
        sessions: sessionmaker,
        box: MultiFernet,
        centres: CentreDirectory,
        clock: Callable[[], datetime],
        throttle: LoginThrottle,
    ) -> None:
        self.sessions = sessions
        self.box = box
        self.centres = centres
        self.clock = clock
        self.throttle = throttle
        self.env = _templates()
        self.app: Starlette | None = None

    def routes(self) -> list[Route | Mount]:
        page = self.endpoint
        return [
            Route("/login", page(self.login_page, PUBLIC), name="login"),
            Route("/login", page(self.login, PUBLIC), methods=["POST"], name="login_post"),
            Route("/logout", page(self.logout, PUBLIC), methods=["POST"], name="logout"),
            Route("/", page(self.queue_page, LOGGED_IN), name="queue"),
            Route("/queue.json", page(self.queue_json, JSON), name="queue_json"),
            Route("/supervisor", page(self.supervisor, SUPERVISOR_ONLY), name="supervisor"),
            Route("/services", page(self.services_page, SUPERVISOR_ONLY), name="services"),
            Route("/services/new", page(self.service_new, ADMIN_ONLY), name="service_new"),
            Route(
                "/services/new",
                page(self.service_create, ADMIN_ONLY),
                methods=["POST"],
                name="service_create",
            ),
            Route(
                "/services/{service_id}/edit",
                page(self.service_edit, ADMIN_ONLY),
                name="service_edit",
            ),
            Route(
                "/services/{service_id}/edit",
                page(self.service_update, ADMIN_ONLY),
                methods=["POST"],
                name="service_update",
            ),
            Route(
                "/services/{service_id}/delete",
                page(self.service_delete, ADMIN_ONLY),
                methods=["POST"],
                name="service_delete",
            ),
            Route("/dead-letters", page(self.dead_letters_page, ADMIN_ONLY), name="dead_letters"),
            Route(
                "/dead-letters/{letter_id:int}/requeue",
                page(self.dead_letter_requeue, ADMIN_ONLY),
                methods=["POST"],
                name="dead_letter_requeue",
            ),
            Route("/accounts", page(self.accounts_page, ADMIN_ONLY), name="accounts"),
            Route(
                "/accounts/{account_id:int}/end-sessions",
                page(self.end_sessions, ADMIN_ONLY),
                methods=["POST"],
                name="end_sessions",
            ),
            Route("/reports", page(self.reports_page, SUPERVISOR_ONLY), name="reports"),
            Route("/reports.csv", page(self.report_csv, SUPERVISOR_ONLY), name="report_csv"),
            Route("/reports.png", page(self.report_png, SUPERVISOR_ONLY), name="report_png"),
            Route("/cases/{case_id:int}", page(self.case_page, CASE_URL), name="case"),
            *(
                Route(
                    f"/cases/{{case_id:int}}/{action}",
                    page(handler, CASE_URL),
                    methods=["POST"],
                    name=action,
                )
                for action, handler in (
                    ("claim", self.claim),
                    ("reply", self.reply),
                    ("note", self.note),
                    ("transfer", self.transfer),
                    ("close", self.close),
                )
            ),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]

    # Plumbing ---------------------------------------------------------------------------------

    def endpoint(self, handler: Handler, access: Access) -> Callable:
        async def run(request: Request) -> Response:
            form: dict[str, str] = {}
            if request.method == "POST":
                data = await request.form(max_files=0, max_fields=20)
                form = {k: v for k, v in data.items() if isinstance(v, str)}
            # Database work and argon2 block: keep them off the event loop.
            return await run_in_threadpool(self.handle, request, form, handler, access)

        return run

    def handle(
        self, request: Request, form: dict[str, str], handler: Handler, access: Access
    ) -> Response:
        with self.sessions() as session:
            call = Call(request, session, form, self.clock(), language=_ui_language(request))
            call.user = self.current_user(call, activity=not access.json)
            try:
                self.check(call, access)
                response = handler(call)
                session.commit()
            except Refused as refusal:
                session.rollback()
                return self.refuse(call, refusal, access)
            return response

    def check(self, call: Call, access: Access) -> None:
        if call.request.method == "POST" and not _csrf_ok(call.request, call.form):
            raise Refused(403, "csrf_refused", "csrf", self.case_id(call))
        if access.roles is None:
            return
        if call.user is None:
            raise Refused(401, "unauthenticated", "login", self.case_id(call))
        if call.user.role not in access.roles:
            raise Refused(403, "forbidden", "forbidden", self.case_id(call))

    def refuse(self, call: Call, refusal: Refused, access: Access) -> Response:
        anonymous = refusal.action == "unauthenticated"
        if not anonymous or access.audit_anonymous:
            where = f"{call.request.method} {call.request.url.path}"[:MAX_AUDIT_DETAIL]
            self.audit(call, refusal.action, refusal.case_id, where)
            call.session.commit()
            logger.warning("console refused (%s): %s", refusal.action, call.request.url.path)
        if anonymous and access.json:
            return JSONResponse({"error": "login required"}, status_code=401)
        if anonymous:
            return self.redirect(call, "login")
        title = texts.ERROR_TITLES[refusal.status]
        message = texts.ERROR_TEXTS[refusal.reason]
        return self.render(call, "error.html", refusal.status, title=title, message=message)

    def current_user(self, call: Call, activity: bool) -> Caseworker | None:
        """The account of the cookie's session while that session lives on the server.

        A cookie whose session ended (logout, expiry, an admin, a change to the account) is
        forgotten, and the login page says that the session ended.
        """
        token = call.request.session.get("sid")
        if token is None:
            return None
        row = login_sessions.resume(call.session, token, call.now, activity)
        account = call.session.get(Caseworker, row.caseworker_id) if row else None
        if account is not None and account.active:
            return account
        if row is not None:
            # Disabled by hand in the database rather than through ``auth.set_active``.
            call.session.delete(row)
        call.session.commit()
        call.request.session.pop("sid")
        _notice(call.request, "session_ended")
        return None

    def audit(
        self, call: Call, action: str, case_id: int | None = None, detail: str | None = None,
        who: Caseworker | None = None,
    ) -> None:  # fmt: skip
        who = who or call.user
        cases.audit(
            call.session, action, who.id if who else None, who.username if who else None,
            case_id, detail, call.now,
        )  # fmt: skip

    def case_id(self, call: Call) -> int | None:
        return call.request.path_params.get("case_id")

    def url(self, request: Request, name: str, **params: Any) -> str:
        assert self.app is not None
        return request.scope.get("root_path", "") + str(self.app.url_path_for(name, **params))

    def redirect(self, call: Call, name: str, **params: Any) -> Response:
        return RedirectResponse(self.url(call.request, name, **params), status_code=303)

    def render(self, call: Call, template: str, status: int = 200, **values: Any) -> Response:
        request, language = call.request, call.language
        context = {
            "ui_language": language,
            "rtl": is_rtl(language),
            "languages": LANGUAGE_NATIVE_NAMES,
            "user": call.user,
            "is_supervisor": call.user is not None and call.user.role in SUPERVISORS,
            "is_admin": call.user is not None and call.user.role in ADMINS,
            "csrf": _csrf_token(request),
            "notice": texts.NOTICES.get(request.session.pop("notice", "")),
            "url": lambda name, **params: self.url(request, name, **params),
            "when": lambda moment: _when(moment, language),
            "duration": lambda delta: _duration(delta, language),
            "language_name": lambda code: LANGUAGE_NATIVE_NAMES.get(code or "", code or "–"),
            "centre_name": self.centre_name,
            "priority_labels": texts.PRIORITY_LABELS,
            "status_labels": texts.STATUS_LABELS,
            "outcome_labels": texts.OUTCOME_LABELS,
            **values,
        }
        html = self.env.get_template(template).render(context)
        return HTMLResponse(html, status_code=status)

    def centre_name(self, code: str | None) -> str:
        centre = self.centres.get(code)
        return centre.name if centre else (code or "–")

    # Login ------------------------------------------------------------------------------------

    def login_page(self, call: Call) -> Response:
        if call.user is not None:
            return self.redirect(call, "queue")
        return self.render(call, "login.html")

    def login(self, call: Call) -> Response:
        username = call.form.get("username", "").strip()
        address = _address(call.request)
        # Refused before any hash is computed: a hash is what a guess costs us.
        wait = self.throttle.admit(address, username)
        if wait:
            return self.login_refused(call, username, "throttled", wait)
        with self.throttle.hash_slot() as free:
            if not free:
                return self.login_refused(call, username, "busy", BUSY_RETRY_SECONDS)
            account = auth.verify_login(
                call.session, self.box, username, call.form.get("password", ""),
                call.form.get("code", ""), call.now,
            )  # fmt: skip
        if account is None:
            self.throttle.failed(address, username)
            _notice(call.request, "login_failed")
            return self.render(call, "login.html", 401, username=username)
        # A fresh session (and CSRF token) at login: nothing from before it carries over.
        login_sessions.purge_expired(call.session, call.now)
        token = login_sessions.start(call.session, account.id, call.now, address)
        language = call.language
        call.request.session.clear()
        call.request.session.update(sid=token, lang=language, csrf=secrets.token_urlsafe(32))
        return self.redirect(call, "queue")

    def login_refused(self, call: Call, username: str, reason: str, wait: float) -> Response:
        """429 with the login form again; nothing is written, so a flood costs no writes."""
        metrics.CONSOLE_LOGINS_REFUSED.labels(reason).inc()
        _notice(call.request, reason)
        response = self.render(call, "login.html", 429, username=username)
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response

    def logout(self, call: Call) -> Response:
        if call.user is not None:
            self.audit(call, "logout")
            login_sessions.end(call.session, call.request.session["sid"])
        language = call.language
        call.request.session.clear()
        call.request.session.update(lang=language, notice="logged_out")
        return self.redirect(call, "login")

    # Queue ------------------------------------------------------------------------------------

    def filters(self, call: Call) -> dict[str, Any]:
        """The queue filters from the query string; unknown values are ignored."""
        params = call.request.query_params
        language = params.get("language")
        centre = params.get("centre")
        priority = _int(params.get("priority"))
        return {
            "language": language if language in LANGUAGES else None,
            "centre": centre if self.centres.get(centre) else None,
            "priority": priority if priority in cases.PRIORITY_NAMES else None,
        }

    def queue_state(self, call: Call) -> dict[str, Any]:
        """What the queue page shows: identifying nothing, so no packet is decrypted here."""
        filters = self.filters(call)
        within = scope.case_filter(call.me)
        waiting = cases.queue(call.session, **filters, within=within)
        mine = list(
            call.session.execute(
                select(Case)
                .where(Case.claimed_by == call.me.id, Case.status == cases.CLAIMED, within)
                .order_by(Case.priority, Case.claimed_at)
            ).scalars()
        )
        awaiting = self.awaiting_reply(call.session, [c.id for c in mine])
        signature = (
            ",".join(str(c.id) for c in waiting)
            + "|"
            + ",".join(f"{c.id}{'*' if c.id in awaiting else ''}" for c in mine)
        )
        return {
            "filters": filters,
            "waiting": waiting,
            "mine": mine,
            "awaiting": awaiting,
            "signature": hashlib.sha256(signature.encode()).hexdigest()[:16],
        }

    def awaiting_reply(self, session: Session, case_ids: list[int]) -> set[int]:
        """Cases whose latest exchange is a message from the person."""
        if not case_ids:
            return set()
        exchanged = CaseMessage.kind.in_((cases.FROM_PERSON, cases.FROM_CASEWORKER))
        latest = (
            select(func.max(CaseMessage.id))
            .where(CaseMessage.case_id.in_(case_ids), exchanged)
            .group_by(CaseMessage.case_id)
        )
        rows = session.execute(
            select(CaseMessage.case_id, CaseMessage.kind).where(CaseMessage.id.in_(latest))
        ).all()
        return {case_id for case_id, kind in rows if kind == cases.FROM_PERSON}

    def waiting_for(self, call: Call, case: Case) -> str:
        return _duration(call.now - (case.queued_at or call.now), call.language)

    def queue_page(self, call: Call) -> Response:
        return self.render(
            call,
            "queue.html",
            **self.queue_state(call),
            centres=self.visible_centres(call.me),
            no_centre=not call.me.centre_code and not scope.sees_every_centre(call.me),
            waiting_for=lambda case: self.waiting_for(call, case),
            refresh_seconds=QUEUE_REFRESH_SECONDS,
        )

    def queue_json(self, call: Call) -> Response:
        state = self.queue_state(call)
        return JSONResponse(
            {
                "signature": state["signature"],
                "queue": [
                    {
                        "id": case.id,
                        "priority": cases.PRIORITY_NAMES[case.priority],
                        "language": case.language,
                        "centre": case.centre_code,
                        "waiting": self.waiting_for(call, case),
                    }
                    for case in state["waiting"]
                ],
                "mine": [
                    {"id": case.id, "awaiting_reply": case.id in state["awaiting"]}
                    for case in state["mine"]
                ],
            }
        )

    def visible_centres(self, account: Caseworker) -> list[Centre]:
        """The centres whose cases the account sees, to filter the queue on."""
        if scope.sees_every_centre(account):
            return list(self.centres)
        return [centre for centre in self.centres if centre.code == account.centre_code]

    def claim(self, call: Call) -> Response:
        case_id = self.case(call, scope.in_scope).id
        if cases.claim(call.session, case_id, call.me.id, call.now):
            case = call.session.get(Case, case_id)
            cases.add_event(
                call.session, self.box, case, cases.CLAIMED_EVENT, call.now, by=call.me.username
            )
            notice = translate(case.language, CLAIMED_NOTICE)
            rtl = is_rtl(case.language)
            cases.send_later(call.session, self.box, case.pseudonym, notice, rtl=rtl)
            self.audit(call, "claim", case_id)
            _notice(call.request, "claimed")
            return self.redirect(call, "case", case_id=case_id)
        self.audit(call, "claim_refused", case_id)
        _notice(call.request, "already_claimed")
        return self.redirect(call, "queue")

    # Case -------------------------------------------------------------------------------------

    def case(
        self, call: Call, allowed: Callable[[Caseworker, Case], bool] = scope.may_open
    ) -> Case:
        """The case of the URL, if ``allowed`` lets this account at it; refuses otherwise.

        A case out of reach is answered exactly as one that does not exist, so that nobody
        learns which case ids exist elsewhere; only the audit log tells the two apart.
        """
        case_id = call.request.path_params["case_id"]
        case = call.session.get(Case, case_id)
        # Drafts are still being prepared with the person: nobody sees them yet.
        if case is None or case.status == cases.DRAFT:
            raise Refused(404, "case_not_found", "not_found", case_id)
        if not allowed(call.me, case):
            raise Refused(404, "forbidden", "not_found", case_id)
        return case

    def open_case(self, call: Call) -> Case | None:
        """The case for an action: claimed and not erased; None (with a notice) otherwise."""
        case = self.case(call)
        if case.status != cases.CLAIMED or case.pseudonym is None:
            _notice(call.request, "not_open")
            return None
        return case

    def case_page(self, call: Call) -> Response:
        case = self.case(call)
        erased = case.pseudonym is None
        packet_shown = not erased and scope.may_read_packet(call.me, case)
        self.audit(call, "case_view", case.id, "packet" if packet_shown else None)
        thread = [
            replace(entry, text=self.thread_text(entry, call.language))
            for entry in ([] if erased else cases.thread(call.session, self.box, case.id))
        ]
        authors = {
            account.id: account.username
            for account in call.session.execute(
                select(Caseworker).where(
                    Caseworker.id.in_({e.caseworker_id for e in thread if e.caseworker_id})
                )
            ).scalars()
        }
        colleagues = [
            account
            for account in auth.list_accounts(call.session)
            if scope.may_receive(account, case)
        ]
        detail = unseal(self.box, case.outcome_detail) if case.outcome_detail else ""
        # The person's history is theirs as much as the packet: shown to the same people.
        earlier = cases.earlier_cases(call.session, case) if packet_shown else []
        packet = cases.packet(self.box, case) if packet_shown and case.packet else {}
        return self.render(
            call,
            "case.html",
            case=case,
            erased=erased,
            packet=self.packet_rows(packet, call.language),
            why_urgent=self.urgency_reasons(case, packet, call.language),
            packet_shown=packet_shown,
            thread=thread,
            earlier=[(c, scope.may_open(call.me, c)) for c in earlier],
            authors=authors,
            kind_labels=texts.KIND_LABELS,
            can_act=case.status == cases.CLAIMED and not erased,
            colleagues=colleagues,
            centres=list(self.centres),
            close_outcomes=CLOSE_OUTCOMES,
            outcome_detail=detail,
            max_message=MAX_MESSAGE,
            max_detail=MAX_DETAIL,
        )

    def thread_text(self, entry: cases.ThreadEntry, language: str) -> str:
        """A system line put into words in the reader's language; other entries as written."""
        event = cases.read_event(entry.text) if entry.kind == cases.SYSTEM else None
        if event is None:
            return entry.text
        name, values = event
        if "outcome" in values:
            label = texts.OUTCOME_LABELS.get(values["outcome"])
            values["outcome"] = translate(language, label) if label else values["outcome"]
        if "centre" in values:
            values["centre"] = self.centre_name(values["centre"])
        if "kinds" in values:
            kinds = [translate(language, crisis_label(kind)) for kind in values["kinds"]]
            values["kinds"] = format_list(kinds, locale=babel_locale(language))
        return translate(language, texts.EVENT_TEXTS[name], values)

    def urgency_reasons(self, case: Case, packet: dict[str, Any], language: str) -> list[str]:
        """Why an urgent case is urgent, in words: crises, red flags, the person's own ask."""
        if case.priority != cases.URGENT or not packet:
            return []
        reasons = self.packet_value("crisis", packet.get("crisis", []), language)
        reasons += self.packet_value("flags", packet.get("flags", []), language)
        if packet.get("urgent_request") and not packet.get("crisis"):
            reasons.append(translate(language, texts.URGENT_ASKED))
        return reasons

    def packet_rows(self, packet: dict[str, Any], language: str) -> list[tuple[str, Any]]:
        """(heading, value) for each packet entry; value is text, a list or a mapping. Whether
        the case is urgent, and why, is said above the packet instead."""
        rows = []
        for key, value in packet.items():
            if value in (None, "", [], {}) or key == "urgent_request":
                continue
            heading = (
                translate(language, texts.PACKET_LABELS[key]) if key in texts.PACKET_LABELS else key
            )
            rows.append((heading, self.packet_value(key, value, language)))
        return rows

    def packet_value(self, key: str, value: Any, language: str) -> Any:
        """Codes the gateway stores (language, centre, flags...) turned into words."""
        if key in ("language", "contact_language"):
            if value == "other":
                return translate(language, texts.OTHER_LANGUAGE)
            return LANGUAGE_NATIVE_NAMES.get(value, value)
        if key == "profile" and isinstance(value, dict):
            # Stored as the French message ids of the dimension and its band.
            return {translate(language, k): translate(language, v) for k, v in value.items()}
        if key == "centre":
            return self.centre_name(value)
        if key == "contact_time" and value in texts.CONTACT_TIME_LABELS:
            return translate(language, texts.CONTACT_TIME_LABELS[value])
        if key == "crisis" and isinstance(value, list):
            return [translate(language, crisis_label(kind)) for kind in value]
        if key == "flags" and isinstance(value, list):
            return [
                translate(language, texts.FLAG_LABELS[f]) if f in texts.FLAG_LABELS else f
                for f in value
            ]
        if isinstance(value, bool):
            return translate(language, texts.YES if value else texts.NO)
        return value

    def reply(self, call: Call) -> Response:
        return self.post_message(call, cases.FROM_CASEWORKER, "reply", "replied")

    def note(self, call: Call) -> Response:
        return self.post_message(call, cases.NOTE, "note", "noted")

    def post_message(self, call: Call, kind: str, action: str, notice: str) -> Response:
        case = self.open_case(call)
        text = _text(call.form, "text")
        if case is not None:
            if not text:
                notice = "empty"
            elif len(text) > MAX_MESSAGE:
                notice = "too_long"
            else:
                cases.add_message(call.session, self.box, case, kind, text, call.now, call.me.id)
                if kind == cases.FROM_CASEWORKER:
                    # Plain text: the gateway's sender sends it without any parse_mode.
                    cases.send_later(
                        call.session, self.box, case.pseudonym, text, rtl=is_rtl(case.language)
                    )
                self.audit(call, action, case.id)
            _notice(call.request, notice)
        return self.redirect(call, "case", case_id=call.request.path_params["case_id"])

    def transfer(self, call: Call) -> Response:
        case = self.open_case(call)
        if case is None:
            return self.redirect(call, "case", case_id=call.request.path_params["case_id"])
        to_caseworker = call.form.get("to_caseworker", "").strip()
        to_centre = call.form.get("to_centre", "").strip()
        colleague = auth.find_account(call.session, to_caseworker) if to_caseworker else None
        if colleague is not None and scope.may_receive(colleague, case):
            case.claimed_by = colleague.id
            case.last_activity_at = call.now
            cases.add_event(
                call.session, self.box, case, cases.TRANSFERRED_EVENT, call.now,
                by=call.me.username, to=colleague.username,
            )  # fmt: skip
            detail = f"to caseworker {colleague.username}"
        elif not to_caseworker and self.centres.get(to_centre):
            # The case goes back to the queue, where that centre's caseworkers filter for it.
            case.centre_code = to_centre
            cases.release(case, call.now)
            cases.add_event(
                call.session, self.box, case, cases.SENT_TO_CENTRE_EVENT, call.now,
                by=call.me.username, centre=to_centre,
            )  # fmt: skip
            detail = f"to centre {to_centre}"
        else:
            asked = f"to caseworker {to_caseworker}" if to_caseworker else f"to centre {to_centre}"
            self.audit(call, "transfer_refused", case.id, asked[:MAX_AUDIT_DETAIL])
            _notice(call.request, "bad_transfer")
            return self.redirect(call, "case", case_id=case.id)
        self.audit(call, "transfer", case.id, detail)
        _notice(call.request, "transferred")
        if scope.may_open(call.me, case):
            return self.redirect(call, "case", case_id=case.id)
        return self.redirect(call, "queue")

    def close(self, call: Call) -> Response:
        case = self.open_case(call)
        if case is None:
            return self.redirect(call, "case", case_id=call.request.path_params["case_id"])
        outcome = call.form.get("outcome", "")
        detail = _text(call.form, "detail")
        if (
            outcome not in CLOSE_OUTCOMES
            or len(detail) > MAX_DETAIL
            or (outcome == "referred" and not detail)
        ):
            _notice(call.request, "bad_outcome")
            return self.redirect(call, "case", case_id=case.id)
        cases.close(call.session, self.box, case, outcome, detail, call.now)
        cases.add_event(
            call.session, self.box, case, cases.CLOSED_EVENT, call.now,
            by=call.me.username, outcome=outcome,
        )  # fmt: skip
        statistics.bump(
            call.session, statistics.OUTCOME, call.now, case.centre_code, case.language, outcome
        )
        buttons = [(str(n), f"{RATING_CALLBACK_PREFIX}{case.id}:{n}") for n in range(1, 6)]
        prompt = translate(case.language, RATING_PROMPT)
        cases.send_later(
            call.session, self.box, case.pseudonym, prompt, buttons, rtl=is_rtl(case.language)
        )
        self.audit(call, "close", case.id, outcome)
        _notice(call.request, "closed")
        return self.redirect(call, "queue")

    # Supervisor -------------------------------------------------------------------------------

    def supervisor(self, call: Call) -> Response:
        return self.render(
            call,
            "supervisor.html",
            figures=stats.figures(call.session, scope.case_filter(call.me)),
            entries=stats.latest_audit(call.session, scope.audit_filter(call.me)),
        )

    # Service directory ------------------------------------------------------------------------

    def services_page(self, call: Call) -> Response:
        """The directory, of one centre or all; read-only for supervisors."""
        centre = call.request.query_params.get("centre", "")
        centre = centre if self.centres.get(centre) else ""
        language = call.language
        return self.render(
            call,
            "services.html",
            services=directory.list_services(call.session, centre or None),
            centre_filter=centre,
            centres=list(self.centres),
            category_name=lambda code: reports.topic_label(code, language),
            hours=lambda service: format_hours(directory.service_hours(service), language),
            spoken=lambda service: directory.language_names(
                directory.service_languages(service), language
            ),
        )

    def service(self, call: Call) -> Service:
        """The service of the URL; refuses when there is none."""
        service = directory.get_service(call.session, call.request.path_params["service_id"])
        if service is None:
            raise Refused(404, "service_not_found", "service_not_found")
        return service

    def service_form(
        self, call: Call, form: dict[str, str], editing: str | None, error: str | None = None,
        invalid: set[str] | None = None, status: int = 200,
    ) -> Response:  # fmt: skip
        """The new/edit form, with the values typed so far and the validation error if any."""
        language = call.language
        return self.render(
            call,
            "service_form.html",
            status,
            form=form,
            editing=editing,
            error=error,
            invalid=invalid or set(),
            centres=list(self.centres),
            categories=[(c, reports.topic_label(c, language)) for c in directory.CATEGORIES],
            translated=service_form.TRANSLATED,
            hours_example=service_form.HOURS_EXAMPLE,
            # The browser keeps to the limits the directory's validation applies anyway.
            max_length=directory.MAX_LENGTH,
        )

    def service_new(self, call: Call) -> Response:
        centre = call.request.query_params.get("centre", "")
        form = service_form.blank_form(centre if self.centres.get(centre) else "")
        return self.service_form(call, form, None)

    def service_create(self, call: Call) -> Response:
        form = service_form.form_from_post(call.form)
        if form["id"] and directory.get_service(call.session, form["id"]) is not None:
            # A new service must not silently replace an existing one.
            self.audit(call, "service_invalid", detail=form["id"][:MAX_AUDIT_DETAIL])
            error = translate(call.language, texts.SERVICE_EXISTS)
            return self.service_form(call, form, None, error, {"id"}, 422)
        return self.save_service(call, form, None)

    def service_edit(self, call: Call) -> Response:
        service = self.service(call)
        return self.service_form(call, service_form.form_from_service(service), service.id)

    def service_update(self, call: Call) -> Response:
        service = self.service(call)
        form = service_form.form_from_post(call.form)
        form["id"] = service.id  # the id is the URL's: renaming would be a new service
        return self.save_service(call, form, service.id)

    def save_service(self, call: Call, form: dict[str, str], editing: str | None) -> Response:
        data = service_form.data_from_form(form)
        try:
            service = directory.upsert_service(call.session, data, self.centres)
        except (ConfigError, ValueError) as failure:
            message = str(failure)
            self.audit(call, "service_invalid", detail=(form["id"] or "-")[:MAX_AUDIT_DETAIL])
            error, invalid = service_form.shown_error(message), service_form.error_fields(message)
            return self.service_form(call, form, editing, error, invalid, 422)
        self.audit(call, "service_updated" if editing else "service_created", detail=service.id)
        _notice(call.request, "service_saved")
        return self.services_redirect(call, service.centre_code)

    def service_delete(self, call: Call) -> Response:
        service = self.service(call)
        service_id, centre = service.id, service.centre_code
        directory.delete_service(call.session, service_id)
        self.audit(call, "service_deleted", detail=service_id)
        _notice(call.request, "service_deleted")
        return self.services_redirect(call, centre)

    def services_redirect(self, call: Call, centre: str) -> Response:
        """Back to the directory, filtered on the centre just edited."""
        query = f"?{urlencode({'centre': centre})}" if self.centres.get(centre) else ""
        return RedirectResponse(self.url(call.request, "services") + query, status_code=303)

    # Dead letters -----------------------------------------------------------------------------

    def dead_letters_page(self, call: Call) -> Response:
        """The latest undelivered messages, newest first, and how many there are in all."""
        total = call.session.execute(select(func.count()).select_from(DeadLetter)).scalar_one()
        letters = call.session.execute(
            select(DeadLetter)
            .order_by(DeadLetter.dead_at.desc(), DeadLetter.id.desc())
            .limit(DEAD_LETTERS_SHOWN)
        ).scalars()
        rows = [self.dead_letter_row(letter, call.language) for letter in letters]
        return self.render(call, "dead_letters.html", letters=rows, total=total)

    def dead_letter_row(self, letter: DeadLetter, language: str) -> DeadLetterRow:
        label = texts.DEAD_LETTER_REASONS.get(letter.reason)
        if isinstance(label, Plural):
            reason = translate_count(language, label, letter.attempts)
        else:
            reason = translate(language, label) if label else letter.reason
        try:
            # Decrypted only to be measured: a caseworker's words stay off this page.
            length: int | None = len(unseal(self.box, letter.body))
        except InvalidToken:
            # Sealed with a key retired since: one such row must not hide the whole list.
            length = None
        return DeadLetterRow(
            id=letter.id,
            reason=reason,
            attempts=letter.attempts,
            created_at=letter.created_at,
            dead_at=letter.dead_at,
            person=letter.pseudonym[:PSEUDONYM_SHOWN],
            length=length,
        )

    def dead_letter_requeue(self, call: Call) -> Response:
        letter_id = call.request.path_params["letter_id"]
        if not outbox.requeue(call.session, letter_id):
            raise Refused(404, "dead_letter_not_found", "dead_letter_not_found")
        self.audit(call, "dead_letter_requeued", detail=str(letter_id))
        _notice(call.request, "dead_letter_requeued")
        return self.redirect(call, "dead_letters")

    # Accounts and their sessions ---------------------------------------------------------------

    def accounts_page(self, call: Call) -> Response:
        accounts = [
            (account, login_sessions.open_sessions(call.session, account.id, call.now))
            for account in auth.list_accounts(call.session)
        ]
        return self.render(call, "accounts.html", accounts=accounts, role_labels=texts.ROLE_LABELS)

    def end_sessions(self, call: Call) -> Response:
        account = call.session.get(Caseworker, call.request.path_params["account_id"])
        if account is None:
            raise Refused(404, "account_not_found", "account_not_found")
        ended = auth.end_sessions(call.session, account.username)
        self.audit(call, "end_sessions", detail=f"{ended} of {account.username}")
        _notice(call.request, "sessions_ended")
        # Ending one's own sessions is a logout: the next page is the login page.
        return self.redirect(call, "accounts")

    # Reports ----------------------------------------------------------------------------------

    def report_choice(self, call: Call) -> dict[str, Any]:
        """Month and centre from the query string, and the choices the page offers.

        A missing or malformed month is the latest with figures (else this month); for an
        admin, an unknown centre is every centre. A supervisor sees their own centre's figures
        only: asking for another centre is refused (and audited), and so is every report while
        the account has no centre.
        """
        if not scope.sees_every_centre(call.user):
            return self.own_centre_choice(call)
        pairs = reports.months_and_centres(call.session)
        month, months = self.report_months(call, pairs)
        language = call.language
        options = [("", reports.centre_name(None, language))]
        options += [(centre.code, centre.name) for centre in self.centres]
        known = {code for code, _ in options}
        options += [(code, code) for code in sorted({c for _, c in pairs} - known) if code]
        if any(code == "" for _, code in pairs):
            options.append((NO_CENTRE_CHOICE, reports.centre_name("", language)))
        asked = call.request.query_params.get("centre", "")
        choice = asked if asked in {value for value, _ in options} else ""
        centre = None if choice == "" else "" if choice == NO_CENTRE_CHOICE else choice
        return {
            "month": month,
            "centre": centre,
            "choice": choice,
            "months": months,
            "centre_options": options,
            "centre_label": dict(options)[choice],
            "query": urlencode({"month": month, "centre": choice}),
        }

    def report_months(self, call: Call, pairs: list[tuple[str, str]]) -> tuple[str, list[str]]:
        """The month asked for, and the months to offer (those with figures, this one)."""
        this_month = call.now.strftime("%Y-%m")
        month = call.request.query_params.get("month", "")
        try:
            reports.month_bounds(month)
        except ValueError:
            month = pairs[0][0] if pairs else this_month
        return month, sorted({m for m, _ in pairs} | {this_month, month}, reverse=True)

    def own_centre_choice(self, call: Call) -> dict[str, Any]:
        """``report_choice`` for an account that works for one centre."""
        own = call.user.centre_code
        asked = call.request.query_params.get("centre", "")
        if not own or asked not in ("", own):
            raise Refused(403, "forbidden", "forbidden")
        pairs = [(m, c) for m, c in reports.months_and_centres(call.session) if c == own]
        month, months = self.report_months(call, pairs)
        label = self.centre_name(own)
        return {
            "month": month,
            "centre": own,
            "choice": own,
            "months": months,
            "centre_options": [(own, label)],
            "centre_label": label,
            "query": urlencode({"month": month, "centre": own}),
        }

    def report_detail(self, choice: dict[str, Any], what: str) -> str:
        centre = choice["centre"]
        shown = reports.CSV_ALL_CENTRES if centre is None else centre or NO_CENTRE_CHOICE
        return f"{what} {choice['month']} {shown}"

    def report(self, call: Call, choice: dict[str, Any]) -> reports.Report:
        """The chosen report, its texts in the console's language."""
        return reports.build_report(call.session, choice["month"], choice["centre"], call.language)

    def report_file_name(self, choice: dict[str, Any], extension: str) -> str:
        centre = choice["centre"]
        shown = "all" if centre is None else centre or "none"
        return f"report-{choice['month']}-{shown}.{extension}"

    def reports_page(self, call: Call) -> Response:
        choice = self.report_choice(call)
        report = self.report(call, choice)
        sections: list[tuple[str, list[reports.ReportRow]]] = []
        for row in report.rows:
            if not sections or sections[-1][0] != row.section:
                sections.append((row.section, []))
            sections[-1][1].append(row)
        self.audit(call, "report_viewed", detail=self.report_detail(choice, "page"))
        locale = babel_locale(call.language)
        return self.render(
            call,
            "reports.html",
            **choice,
            sections=sections,
            suppressed=reports.SUPPRESSED,
            largest_hidden=reports.SUPPRESS_BELOW - 1,
            month_name=lambda month: format_date(
                date.fromisoformat(f"{month}-01"), "LLLL y", locale=locale
            ),
            png_name=self.report_file_name(choice, "png"),
        )

    def report_file(
        self, call: Call, extension: str, write: Callable[[reports.Report, Path], Path]
    ) -> tuple[dict[str, Any], bytes]:
        choice = self.report_choice(call)
        report = self.report(call, choice)
        with tempfile.TemporaryDirectory(prefix="console-report-") as folder:
            body = write(report, Path(folder) / f"report.{extension}").read_bytes()
        self.audit(call, "report_downloaded", detail=self.report_detail(choice, extension))
        return choice, body

    def report_csv(self, call: Call) -> Response:
        choice, body = self.report_file(call, "csv", reports.write_csv)
        name = self.report_file_name(choice, "csv")
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    def report_png(self, call: Call) -> Response:
        choice, body = self.report_file(call, "png", reports.write_chart)
        name = self.report_file_name(choice, "png")
        return Response(
            body,
            media_type="image/png",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )


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
    console = Console(sessions, box, centres, clock, throttle or LoginThrottle())
    console.app = Starlette(
        routes=console.routes(),
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
    return console.app
