"""What a caseworker does to a case: claim it from the queue, reply to the person, add a note,
transfer it to a colleague or another centre, close it. Each action is audited; a reply, a
claim and a closing also send the person a message through the outbox."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from bot.console import auth, scope
from bot.console.endpoints import page
from bot.console.routes.cases import (
    CLOSE_OUTCOMES,
    MAX_DETAIL,
    MAX_MESSAGE,
    find_case,
    open_case,
)
from bot.console.texts import CLAIMED_NOTICE, RATING_PROMPT
from bot.console.web import CASE_URL, MAX_AUDIT_DETAIL, Call, typed_text
from bot.constants import RATING_CALLBACK_PREFIX
from bot.i18n import is_rtl, translate
from bot.storage import cases, statistics
from bot.storage.models import Case


def claim(call: Call) -> Response:
    case_id = find_case(call, scope.in_scope).id
    box = call.site.box
    if cases.claim(call.session, case_id, call.me.id, call.now):
        case = call.session.get(Case, case_id)
        cases.add_event(call.session, box, case, cases.CLAIMED_EVENT, call.now, by=call.me.username)
        notice = translate(case.language, CLAIMED_NOTICE)
        cases.send_later(call.session, box, case.pseudonym, notice, rtl=is_rtl(case.language))
        call.audit("claim", case_id)
        call.notice("claimed")
        return call.redirect("case", case_id=case_id)
    call.audit("claim_refused", case_id)
    call.notice("already_claimed")
    return call.redirect("queue")


def reply(call: Call) -> Response:
    return post_message(call, cases.FROM_CASEWORKER, "reply", "replied")


def note(call: Call) -> Response:
    return post_message(call, cases.NOTE, "note", "noted")


def post_message(call: Call, kind: str, action: str, notice: str) -> Response:
    case = open_case(call)
    text = typed_text(call.form, "text")
    if case is not None:
        if not text:
            notice = "empty"
        elif len(text) > MAX_MESSAGE:
            notice = "too_long"
        else:
            box = call.site.box
            cases.add_message(call.session, box, case, kind, text, call.now, call.me.id)
            if kind == cases.FROM_CASEWORKER:
                # Plain text: the gateway's sender sends it without any parse_mode.
                cases.send_later(call.session, box, case.pseudonym, text, rtl=is_rtl(case.language))
            call.audit(action, case.id)
        call.notice(notice)
    return call.redirect("case", case_id=call.request.path_params["case_id"])


def transfer(call: Call) -> Response:
    case = open_case(call)
    if case is None:
        return call.redirect("case", case_id=call.request.path_params["case_id"])
    box = call.site.box
    to_caseworker = call.form.get("to_caseworker", "").strip()
    to_centre = call.form.get("to_centre", "").strip()
    colleague = auth.find_account(call.session, to_caseworker) if to_caseworker else None
    if colleague is not None and scope.may_receive(colleague, case):
        case.claimed_by = colleague.id
        case.last_activity_at = call.now
        cases.add_event(
            call.session, box, case, cases.TRANSFERRED_EVENT, call.now,
            by=call.me.username, to=colleague.username,
        )  # fmt: skip
        detail = f"to caseworker {colleague.username}"
    elif not to_caseworker and call.site.centres.get(to_centre):
        # The case goes back to the queue, where that centre's caseworkers filter for it.
        case.centre_code = to_centre
        cases.release(case, call.now)
        cases.add_event(
            call.session, box, case, cases.SENT_TO_CENTRE_EVENT, call.now,
            by=call.me.username, centre=to_centre,
        )  # fmt: skip
        detail = f"to centre {to_centre}"
    else:
        asked = f"to caseworker {to_caseworker}" if to_caseworker else f"to centre {to_centre}"
        call.audit("transfer_refused", case.id, asked[:MAX_AUDIT_DETAIL])
        call.notice("bad_transfer")
        return call.redirect("case", case_id=case.id)
    call.audit("transfer", case.id, detail)
    call.notice("transferred")
    if scope.may_open(call.me, case):
        return call.redirect("case", case_id=case.id)
    return call.redirect("queue")


def close(call: Call) -> Response:
    case = open_case(call)
    if case is None:
        return call.redirect("case", case_id=call.request.path_params["case_id"])
    outcome = call.form.get("outcome", "")
    detail = typed_text(call.form, "detail")
    if (
        outcome not in CLOSE_OUTCOMES
        or len(detail) > MAX_DETAIL
        or (outcome == "referred" and not detail)
    ):
        call.notice("bad_outcome")
        return call.redirect("case", case_id=case.id)
    box = call.site.box
    cases.close(call.session, box, case, outcome, detail, call.now)
    cases.add_event(
        call.session, box, case, cases.CLOSED_EVENT, call.now,
        by=call.me.username, outcome=outcome,
    )  # fmt: skip
    statistics.bump(
        call.session, statistics.OUTCOME, call.now, case.centre_code, case.language, outcome
    )
    buttons = [(str(n), f"{RATING_CALLBACK_PREFIX}{case.id}:{n}") for n in range(1, 6)]
    prompt = translate(case.language, RATING_PROMPT)
    cases.send_later(call.session, box, case.pseudonym, prompt, buttons, rtl=is_rtl(case.language))
    call.audit("close", case.id, outcome)
    call.notice("closed")
    return call.redirect("queue")


routes = [
    Route(
        f"/cases/{{case_id:int}}/{action}", page(handler, CASE_URL), methods=["POST"], name=action
    )
    for action, handler in (
        ("claim", claim),
        ("reply", reply),
        ("note", note),
        ("transfer", transfer),
        ("close", close),
    )
]
