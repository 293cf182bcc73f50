"""Logging in and out. A login is throttled per address and username before any password hash
is computed, and starts a fresh server-side session with its own CSRF token."""

from __future__ import annotations

import math
import secrets

from starlette.responses import Response
from starlette.routing import Route

from bot.console import auth, login_sessions
from bot.console.endpoints import page
from bot.console.web import PUBLIC, Call, client_address
from bot.gateway import metrics

# A login refused because every hash slot was taken may try again at once, nearly.
BUSY_RETRY_SECONDS = 1


def login_page(call: Call) -> Response:
    if call.user is not None:
        return call.redirect("queue")
    return call.render("auth/login.html")


def login(call: Call) -> Response:
    username = call.form.get("username", "").strip()
    address = client_address(call.request)
    throttle = call.site.throttle
    # Refused before any hash is computed: a hash is what a guess costs us.
    wait = throttle.admit(address, username)
    if wait:
        return login_refused(call, username, "throttled", wait)
    with throttle.hash_slot() as free:
        if not free:
            return login_refused(call, username, "busy", BUSY_RETRY_SECONDS)
        account = auth.verify_login(
            call.session, call.site.box, username, call.form.get("password", ""),
            call.form.get("code", ""), call.now,
        )  # fmt: skip
    if account is None:
        throttle.failed(address, username)
        call.notice("login_failed")
        return call.render("auth/login.html", 401, username=username)
    # A fresh session (and CSRF token) at login: nothing from before it carries over.
    login_sessions.purge_expired(call.session, call.now)
    token = login_sessions.start(call.session, account.id, call.now, address)
    language = call.language
    call.request.session.clear()
    call.request.session.update(sid=token, lang=language, csrf=secrets.token_urlsafe(32))
    return call.redirect("queue")


def login_refused(call: Call, username: str, reason: str, wait: float) -> Response:
    """429 with the login form again; nothing is written, so a flood costs no writes."""
    metrics.CONSOLE_LOGINS_REFUSED.labels(reason).inc()
    call.notice(reason)
    response = call.render("auth/login.html", 429, username=username)
    response.headers["Retry-After"] = str(math.ceil(wait))
    return response


def logout(call: Call) -> Response:
    if call.user is not None:
        call.audit("logout")
        login_sessions.end(call.session, call.request.session["sid"])
    language = call.language
    call.request.session.clear()
    call.request.session.update(lang=language, notice="logged_out")
    return call.redirect("login")


routes = [
    Route("/login", page(login_page, PUBLIC), name="login"),
    Route("/login", page(login, PUBLIC), methods=["POST"], name="login_post"),
    Route("/logout", page(logout, PUBLIC), methods=["POST"], name="logout"),
]
