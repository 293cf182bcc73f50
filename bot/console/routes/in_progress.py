"""Cases in progress (supervisors for their centre, admins for every centre): each claimed case
with its holder, how long the person and the caseworker have been silent, and a one-step
reassignment to another caseworker of the case's centre, written in the case's thread and
audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.responses import Response
from starlette.routing import Route

from bot.console import auth, scope
from bot.console.endpoints import page
from bot.console.in_progress import held_cases
from bot.console.routes.cases import open_case
from bot.console.templating import duration
from bot.console.web import MAX_AUDIT_DETAIL, SUPERVISOR_ONLY, Call
from bot.storage import cases
from bot.storage.models import Case, Caseworker


def in_progress_page(call: Call) -> Response:
    rows = held_cases(call.session, scope.case_filter(call.me))
    accounts = auth.list_accounts(call.session)

    def colleagues(case: Case) -> list[Caseworker]:
        return [account for account in accounts if scope.may_receive(account, case)]

    return call.render(
        "in_progress/in_progress.html",
        rows=rows,
        colleagues=colleagues,
        since=since(call),
    )


def since(call: Call) -> Callable[[datetime | None], str]:
    """How long ago a moment was, in the reader's language; "–" for never."""
    return lambda moment: duration(call.now - moment if moment else None, call.language)


def reassign(call: Call) -> Response:
    """Hands a claimed case of the supervisor's centre to another of its caseworkers."""
    case = open_case(call)
    if case is None:
        return call.redirect("in_progress")
    holder = call.session.get(Caseworker, case.claimed_by) if case.claimed_by else None
    wanted = call.form.get("to_caseworker", "").strip()
    colleague = auth.find_account(call.session, wanted) if wanted else None
    if colleague is None or not scope.may_receive(colleague, case):
        call.audit("reassign_refused", case.id, f"to {wanted}"[:MAX_AUDIT_DETAIL])
        call.notice("bad_transfer")
        return call.redirect("in_progress")
    previous = holder.username if holder else "–"
    cases.hand_over(
        call.session, call.site.box, case, colleague, cases.REASSIGNED_EVENT, call.now,
        by=call.me.username, holder=previous,
    )  # fmt: skip
    call.audit("reassign", case.id, f"from {previous} to {colleague.username}"[:MAX_AUDIT_DETAIL])
    call.notice("reassigned")
    return call.redirect("in_progress")


routes = [
    Route("/in-progress", page(in_progress_page, SUPERVISOR_ONLY), name="in_progress"),
    Route(
        "/cases/{case_id:int}/reassign",
        page(reassign, SUPERVISOR_ONLY),
        methods=["POST"],
        name="reassign",
    ),
]
