"""Accounts and their login sessions (admins): who has an account, which sessions are open,
and ending an account's sessions."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from bot.console import auth, login_sessions, texts
from bot.console.endpoints import page
from bot.console.web import ADMIN_ONLY, Call, Refused
from bot.storage.models import Caseworker


def accounts_page(call: Call) -> Response:
    accounts = [
        (account, login_sessions.open_sessions(call.session, account.id, call.now))
        for account in auth.list_accounts(call.session)
    ]
    return call.render("accounts/accounts.html", accounts=accounts, role_labels=texts.ROLE_LABELS)


def end_sessions(call: Call) -> Response:
    account = call.session.get(Caseworker, call.request.path_params["account_id"])
    if account is None:
        raise Refused(404, "account_not_found", "account_not_found")
    ended = auth.end_sessions(call.session, account.username)
    call.audit("end_sessions", detail=f"{ended} of {account.username}")
    call.notice("sessions_ended")
    # Ending one's own sessions is a logout: the next page is the login page.
    return call.redirect("accounts")


routes = [
    Route("/accounts", page(accounts_page, ADMIN_ONLY), name="accounts"),
    Route(
        "/accounts/{account_id:int}/end-sessions",
        page(end_sessions, ADMIN_ONLY),
        methods=["POST"],
        name="end_sessions",
    ),
]
