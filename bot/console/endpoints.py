"""How a console route runs: ``page(handler, access)`` makes the Starlette endpoint.

Each request runs its database work in one session in a worker thread. The endpoint resumes
the login session of the cookie, checks the CSRF token of a POST and the account's role, and
calls the handler. A refusal (no login, wrong role, someone else's case, missing CSRF token)
rolls that work back, is written to the audit log in its own commit, and answers with an error
page. Python logs name the action and the path only: no usernames, no texts.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.console import login_sessions, texts
from bot.console.web import (
    MAX_AUDIT_DETAIL,
    Access,
    Call,
    Handler,
    Refused,
    Site,
    csrf_ok,
    ui_language,
)
from bot.i18n import translate
from bot.storage.models import Caseworker

logger = logging.getLogger(__name__)


def page(handler: Handler, access: Access) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint that runs ``handler`` for those ``access`` lets in."""

    async def run(request: Request) -> Response:
        form: dict[str, str] = {}
        if request.method == "POST":
            # The service form is the longest: its fields and its opening hours' checkboxes.
            data = await request.form(max_files=0, max_fields=100)
            form = {k: v for k, v in data.items() if isinstance(v, str)}
        # Database work and argon2 block: keep them off the event loop.
        site: Site = request.app.state.site
        return await run_in_threadpool(handle, site, request, form, handler, access)

    return run


def handle(
    site: Site, request: Request, form: dict[str, str], handler: Handler, access: Access
) -> Response:
    with site.sessions() as session:
        call = Call(request, session, form, site.clock(), site, language=ui_language(request))
        call.user = current_user(call, activity=not access.json)
        try:
            check(call, access)
            response = handler(call)
            session.commit()
        except Refused as refusal:
            session.rollback()
            return refuse(call, refusal, access)
        return response


def case_id(call: Call) -> int | None:
    return call.request.path_params.get("case_id")


def check(call: Call, access: Access) -> None:
    if call.request.method == "POST" and not csrf_ok(call.request, call.form):
        raise Refused(403, "csrf_refused", "csrf", case_id(call))
    if access.roles is None:
        return
    if call.user is None:
        raise Refused(401, "unauthenticated", "login", case_id(call))
    if call.user.role not in access.roles:
        raise Refused(403, "forbidden", "forbidden", case_id(call))


def refuse(call: Call, refusal: Refused, access: Access) -> Response:
    anonymous = refusal.action == "unauthenticated"
    if not anonymous or access.audit_anonymous:
        where = f"{call.request.method} {call.request.url.path}"[:MAX_AUDIT_DETAIL]
        call.audit(refusal.action, refusal.case_id, where)
        call.session.commit()
        logger.warning("console refused (%s): %s", refusal.action, call.request.url.path)
    if anonymous and (access.json or call.wants_json()):
        return JSONResponse({"error": "login required"}, status_code=401)
    if anonymous:
        return call.redirect("login")
    message = texts.ERROR_TEXTS[refusal.reason]
    if access.json or call.wants_json():
        # A script's request: it shows the words and keeps what was typed.
        error = translate(call.language, message)
        return JSONResponse({"error": error}, status_code=refusal.status)
    title = texts.ERROR_TITLES[refusal.status]
    return call.render("error.html", refusal.status, title=title, message=message)


def current_user(call: Call, activity: bool) -> Caseworker | None:
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
    call.notice("session_ended")
    return None
