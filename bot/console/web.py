"""What every console page shares: the app's dependencies (``Site``), one request as the
handlers see it (``Call``: render, redirect, audit), who may call a route (``Access``), the
refusal a handler raises (``Refused``), and small helpers for forms and the CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import jinja2
from cryptography.fernet import MultiFernet
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Match

from bot.centres import CentreDirectory
from bot.console import auth, scope, texts
from bot.console.templating import duration, environment, when
from bot.console.throttle import LoginThrottle
from bot.constants import LANGUAGE_NATIVE_NAMES, LANGUAGES
from bot.i18n import is_rtl
from bot.storage import cases
from bot.storage.models import Caseworker

UI_DEFAULT_LANGUAGE = "fr"
SUPERVISORS = scope.SUPERVISORS
ADMINS = (scope.ADMIN,)
MAX_AUDIT_DETAIL = 200  # the audit log's detail column


@dataclass
class Site:
    """What the console's handlers work with, shared by every request."""

    sessions: sessionmaker
    box: MultiFernet
    centres: CentreDirectory
    clock: Callable[[], datetime]
    throttle: LoginThrottle
    env: jinja2.Environment = field(default_factory=environment)

    def centre_name(self, code: str | None, language: str | None = None) -> str:
        """The centre's name in the interface's ``language`` (French when it has none)."""
        centre = self.centres.get(code)
        return centre.name_in(language) if centre else (code or "–")


class Refused(Exception):
    """A request the console refuses; written to the audit log as ``action``."""

    def __init__(self, status: int, action: str, reason: str, case_id: int | None = None):
        super().__init__(action)
        self.status = status
        self.action = action
        self.reason = reason
        self.case_id = case_id


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
CASE_JSON = Access(audit_anonymous=True, json=True)


@dataclass
class Call:
    """One request as the handlers see it."""

    request: Request
    session: Session
    form: dict[str, str]
    now: datetime
    site: Site
    user: Caseworker | None = None
    language: str = UI_DEFAULT_LANGUAGE

    @property
    def me(self) -> Caseworker:
        """The logged-in caseworker (handlers behind a login only)."""
        assert self.user is not None
        return self.user

    def url(self, name: str, **params: Any) -> str:
        """The path of a named route under the mount point."""
        path = self.request.app.url_path_for(name, **params)
        return self.request.scope.get("root_path", "") + str(path)

    def redirect(self, name: str, query: dict[str, str] | None = None, **params: Any) -> Response:
        """To the named route (after a POST: a GET), with ``query`` as its query string."""
        url = self.url(name, **params) + (f"?{urlencode(query)}" if query else "")
        return RedirectResponse(url, status_code=303)

    @property
    def confirmed(self) -> bool:
        """Whether the form's confirmation box was ticked (a deletion, a closing, a reopening).
        The box is required in the page: only a browser that ignores that gets False."""
        return self.form.get("confirm") == "1"

    def notice(self, key: str) -> None:
        """A line (a key of ``texts.NOTICES``) for the next page to show."""
        self.request.session["notice"] = key

    def audit(
        self, action: str, case_id: int | None = None, detail: str | None = None,
        who: Caseworker | None = None,
    ) -> None:  # fmt: skip
        who = who or self.user
        cases.audit(
            self.session, action, who.id if who else None, who.username if who else None,
            case_id, detail, self.now,
        )  # fmt: skip

    def language_url(self, language: str) -> str:
        """This page in another interface language, with its query (filters, month) kept. After
        a POST (an error page, a form sent back) it is the page at the same URL if there is one
        to GET, else the queue: never a URL that only takes a POST."""
        request = self.request
        if request.method == "GET":
            path = request.url.path
            query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        else:
            as_get = {**request.scope, "method": "GET"}
            gettable = any(route.matches(as_get)[0] == Match.FULL for route in request.app.routes)
            path, query = (request.url.path if gettable else self.url("queue")), []
        return f"{path}?{urlencode([*query, ('lang', language)])}"

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        return HTMLResponse(self.fragment(template, **values), status_code=status)

    def fragment(self, template: str, **values: Any) -> str:
        """A template rendered with what every page has: a whole page, or a part of one that
        a script puts in place (a thread entry)."""
        request, language = self.request, self.language
        context = {
            "ui_language": language,
            "rtl": is_rtl(language),
            "languages": LANGUAGE_NATIVE_NAMES,
            "user": self.user,
            "is_supervisor": self.user is not None and self.user.role in SUPERVISORS,
            "is_admin": self.user is not None and self.user.role in ADMINS,
            "csrf": csrf_token(request),
            "notice": texts.NOTICES.get(request.session.pop("notice", "")),
            "url": self.url,
            "language_url": self.language_url,
            "when": lambda moment: when(moment, language),
            "duration": lambda delta: duration(delta, language),
            "language_name": lambda code: LANGUAGE_NATIVE_NAMES.get(code or "", code or "–"),
            "centre_name": lambda code: self.site.centre_name(code, language),
            "priority_labels": texts.PRIORITY_LABELS,
            "status_labels": texts.STATUS_LABELS,
            "outcome_labels": texts.OUTCOME_LABELS,
            **values,
        }
        return self.site.env.get_template(template).render(context)

    def wants_json(self) -> bool:
        """Whether the page's script sent this request (``fetch``) and reads JSON back."""
        return "application/json" in self.request.headers.get("accept", "")


Handler = Callable[[Call], Response]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, form: dict[str, str]) -> bool:
    expected = request.session.get("csrf")
    sent = form.get("csrf", "")
    return bool(expected) and hmac.compare_digest(expected.encode(), sent.encode())


def ui_language(request: Request) -> str:
    """The interface language: ``?lang=`` if given (and remembered), else the session's."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        request.session["lang"] = asked
    return request.session.get("lang", UI_DEFAULT_LANGUAGE)


def client_address(request: Request) -> str:
    """The client's address (uvicorn takes it from X-Forwarded-For set by a proxy on loopback)."""
    return request.client.host if request.client else ""


def whole_number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def typed_text(form: dict[str, str], name: str) -> str:
    """A typed text without surrounding blanks, with the browser's CRLF made plain newlines."""
    return form.get(name, "").replace("\r\n", "\n").strip()
