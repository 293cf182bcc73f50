"""Accounts and their login sessions (admins): who has an account, which sessions are open, one
account's page with the forms of ``account_changes``, and ending an account's sessions."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from bot.console import auth, login_sessions, recovery_codes, texts
from bot.console.endpoints import page
from bot.console.web import ADMIN_ONLY, Call, Refused
from bot.i18n import translate
from bot.storage.models import Caseworker


def accounts_page(call: Call) -> Response:
    accounts = [
        (account, login_sessions.open_sessions(call.session, account.id, call.now))
        for account in auth.list_accounts(call.session)
    ]
    return call.render("accounts/accounts.html", accounts=accounts, role_labels=texts.ROLE_LABELS)


def url_account(call: Call) -> Caseworker:
    """The account of the URL; refuses when there is none."""
    account = call.session.get(Caseworker, call.request.path_params["account_id"])
    if account is None:
        raise Refused(404, "account_not_found", "account_not_found")
    return account


def account_page(call: Call, error: str | None = None, status: int = 200) -> Response:
    """The account, its sessions and the forms that change it; ``error`` (a key of
    ``texts.ACCOUNT_ERRORS``) says why the last change was refused."""
    account = url_account(call)
    return call.render(
        "accounts/account.html",
        status,
        account=account,
        error=translate(call.language, texts.ACCOUNT_ERRORS[error]) if error else None,
        sessions=login_sessions.open_sessions(call.session, account.id, call.now),
        locked=bool(account.locked_until and account.locked_until > call.now),
        recovery_left=recovery_codes.remaining(call.session, account.id),
        role_labels=texts.ROLE_LABELS,
        centres=list(call.site.centres),
        myself=account.id == call.me.id,
    )


def end_sessions(call: Call) -> Response:
    account = url_account(call)
    ended = auth.end_sessions(call.session, account.username)
    call.audit("end_sessions", detail=f"{ended} of {account.username}")
    call.notice("sessions_ended")
    # Ending one's own sessions is a logout: the next page is the login page.
    return call.redirect("accounts")


routes = [
    Route("/accounts", page(accounts_page, ADMIN_ONLY), name="accounts"),
    Route("/accounts/{account_id:int}", page(account_page, ADMIN_ONLY), name="account"),
    Route(
        "/accounts/{account_id:int}/end-sessions",
        page(end_sessions, ADMIN_ONLY),
        methods=["POST"],
        name="end_sessions",
    ),
]
