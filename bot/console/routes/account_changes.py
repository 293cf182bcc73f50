"""Creating and changing accounts in the console (admins), through ``bot.console.auth`` as the
command line does: a new account or a new second factor shows its enrolment once (QR code,
secret, recovery codes); a new password, unlocking, disabling and enabling, a new role or
centre. Each change is audited in the admin's name; whatever changes what an account may do
ends its sessions. An admin cannot disable their own account or take away their own admin
role: that is left to another admin, so that nobody locks the console out by mistake."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from bot.console import auth, passwords, scope, texts
from bot.console.endpoints import page
from bot.console.enrolment import shown
from bot.console.routes.accounts import account_page, url_account
from bot.console.web import ADMIN_ONLY, MAX_AUDIT_DETAIL, Call, Handler
from bot.i18n import translate
from bot.storage.models import Caseworker


def known_centres(call: Call) -> set[str]:
    return {centre.code for centre in call.site.centres}


def form_error(call: Call, form: dict[str, str], creating: bool) -> str | None:
    """The key of ``texts.ACCOUNT_ERRORS`` for what is wrong in the form, or None."""
    username = form.get("username", "")
    if creating and not auth.USERNAME.match(username):
        return "username"
    if creating and auth.find_account(call.session, username) is not None:
        return "exists"
    if form.get("role") not in auth.ROLES:
        return "role"
    if form.get("centre") and form["centre"] not in known_centres(call):
        return "centre"
    if creating or "password" in form:
        reason = passwords.weak_reason(form.get("password", ""), username)
        if reason:
            return f"password_{reason}"
    return None


def new_form(
    call: Call, form: dict[str, str], error: str | None = None, status: int = 200
) -> Response:
    return call.render(
        "accounts/account_form.html",
        status,
        form=form,
        error=translate(call.language, texts.ACCOUNT_ERRORS[error]) if error else None,
        invalid=error.partition("_")[0] if error else None,
        roles=auth.ROLES,
        role_labels=texts.ROLE_LABELS,
        centres=list(call.site.centres),
    )


def account_new(call: Call) -> Response:
    return new_form(call, {"username": "", "role": "caseworker", "centre": ""})


def account_create(call: Call) -> Response:
    form = {name: call.form.get(name, "").strip() for name in ("username", "role", "centre")}
    form["password"] = call.form.get("password", "")
    error = form_error(call, form, creating=True)
    if error:
        call.audit(
            "account_refused", detail=f"create {form['username']}: {error}"[:MAX_AUDIT_DETAIL]
        )
        del form["password"]  # never sent back to the browser
        return new_form(call, form, error, 422)
    account, enrolment = auth.create_account(
        call.session, call.site.box, form["username"], form["password"], form["role"],
        form["centre"] or None, known_centres(call), by=call.me,
    )  # fmt: skip
    return call.render(
        "accounts/enrolment.html", account=account, shown=shown(account.username, enrolment)
    )


def back(call: Call, account: Caseworker, notice: str) -> Response:
    call.notice(notice)
    return call.redirect("account", account_id=account.id)


def refused(call: Call, account: Caseworker, error: str) -> Response:
    """The account page again, saying why nothing changed; audited."""
    call.audit("account_refused", detail=f"{account.username}: {error}"[:MAX_AUDIT_DETAIL])
    return account_page(call, error, 422)


def account_password(call: Call) -> Response:
    account = url_account(call)
    reason = passwords.weak_reason(call.form.get("password", ""), account.username)
    if reason:
        return refused(call, account, f"password_{reason}")
    auth.reset_password(call.session, account.username, call.form["password"], by=call.me)
    return back(call, account, "password_reset")


def account_second_factor(call: Call) -> Response:
    account = url_account(call)
    enrolment = auth.reset_second_factor(call.session, call.site.box, account.username, call.me)
    return call.render(
        "accounts/enrolment.html", account=account, shown=shown(account.username, enrolment)
    )


def account_unlock(call: Call) -> Response:
    account = url_account(call)
    auth.unlock(call.session, account.username, by=call.me)
    return back(call, account, "account_unlocked")


def account_active(call: Call) -> Response:
    account = url_account(call)
    active = call.form.get("active") == "1"
    if not active and account.id == call.me.id:
        return refused(call, account, "self_lockout")
    auth.set_active(call.session, account.username, active, by=call.me)
    return back(call, account, "account_enabled" if active else "account_disabled")


def account_change(call: Call) -> Response:
    account = url_account(call)
    role, centre = call.form.get("role", ""), call.form.get("centre", "").strip()
    error = form_error(call, {"username": account.username, "role": role, "centre": centre}, False)
    if error:
        return refused(call, account, error)
    if account.id == call.me.id and role != scope.ADMIN:
        return refused(call, account, "self_lockout")
    changed = auth.change_account(
        call.session, account.username, role, centre or None, known_centres(call), by=call.me
    )
    return back(call, account, "account_changed" if changed else "account_unchanged")


def action(path: str, handler: Handler, name: str) -> Route:
    return Route(
        f"/accounts/{{account_id:int}}/{path}", page(handler, ADMIN_ONLY), methods=["POST"],
        name=name,
    )  # fmt: skip


routes = [
    Route("/accounts/new", page(account_new, ADMIN_ONLY), name="account_new"),
    Route(
        "/accounts/new", page(account_create, ADMIN_ONLY), methods=["POST"], name="account_create"
    ),
    action("password", account_password, "account_password"),
    action("second-factor", account_second_factor, "account_second_factor"),
    action("unlock", account_unlock, "account_unlock"),
    action("active", account_active, "account_active"),
    action("change", account_change, "account_change"),
]
