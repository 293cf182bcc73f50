"""Reopening a closed case: a supervisor of the case's centre, or an admin, after ticking a
confirmation. Closed by a caseworker or cancelled by the person, a case may reopen while the
person's data is kept; erased, never (there is nobody to write to, and the person asked for
it). Nor while the person has another request open: their messages go to one case at a time.

A supervisor who reopens a case holds it: they decided it needs more work, know why, and can
hand it to a colleague in one step from "Cases in progress". An admin holds no case
(``scope.CASE_HOLDERS``), so the case goes back to the queue, where the centre's caseworkers
take it as any other, with its priority kept. Either way a ``reopened`` line goes into the
thread and the audit log."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from bot.console import scope
from bot.console.endpoints import page
from bot.console.routes.cases import find_case
from bot.console.texts import CLAIMED_NOTICE
from bot.console.web import SUPERVISOR_ONLY, Call
from bot.i18n import is_rtl, translate
from bot.storage import cases


def reopen(call: Call) -> Response:
    case = find_case(call, scope.in_scope)
    problem = cases.reopen_obstacle(call.session, case)
    if problem is None and not call.confirmed:
        problem = "confirm_needed"
    if problem is not None:
        call.audit("reopen_refused", case.id, problem)
        call.notice(problem)
        return call.redirect("case", case_id=case.id)
    holds = call.me.role in scope.CASE_HOLDERS
    cases.reopen(case, call.me.id if holds else None, call.now)
    box = call.site.box
    cases.add_event(call.session, box, case, cases.REOPENED_EVENT, call.now, by=call.me.username)
    if holds:
        # As at a claim: the person learns that someone is looking at their request again.
        notice = translate(case.language, CLAIMED_NOTICE)
        cases.send_later(call.session, box, case.pseudonym, notice, rtl=is_rtl(case.language))
    call.audit("reopen", case.id, "claimed" if holds else "queued")
    call.notice("reopened")
    return call.redirect("case", case_id=case.id)


routes = [
    Route(
        "/cases/{case_id:int}/reopen",
        page(reopen, SUPERVISOR_ONLY),
        methods=["POST"],
        name="reopen",
    )
]
