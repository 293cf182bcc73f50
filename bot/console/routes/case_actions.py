"""What a caseworker does to a case: claim it from the queue, reply to the person, add a note,
transfer it to a colleague or another centre, close it. Each action is audited; a reply, a
claim and a closing also send the person a message through the outbox."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.console import auth, scope
from bot.console.endpoints import page
from bot.console.routes.cases import (
    CLOSE_OUTCOMES,
    MAX_DETAIL,
    MAX_MESSAGE,
    find_case,
    is_open,
    open_case,
    show_case,
)
from bot.console.signature import signed
from bot.console.texts import CLAIMED_NOTICE, NOTICES, RATING_PROMPT
from bot.console.web import CASE_URL, MAX_AUDIT_DETAIL, Call, Refused, typed_text
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
    """A reply or a note. The page's script sends it with ``fetch`` and gets JSON back; a plain
    form gets the page. Refused, the text comes back with the reason, never lost."""
    text = typed_text(call.form, "text")
    field = "reply" if kind == cases.FROM_CASEWORKER else "note"
    try:
        case = find_case(call)
    except Refused as refusal:
        # Transferred to someone else meanwhile: the text is the caseworker's own, so it comes
        # back with the answer that the case is out of reach, as for any case out of reach.
        if call.wants_json():
            raise
        call.audit(refusal.action, refusal.case_id)
        return call.render("cases/not_sent.html", refusal.status, text=text)
    problem = (
        "not_open" if not is_open(case)
        else "empty" if not text
        else "too_long" if len(text) > MAX_MESSAGE
        else None
    )  # fmt: skip
    if problem is not None:
        return refused_draft(call, case, problem, {field: text})
    box = call.site.box
    message = cases.add_message(call.session, box, case, kind, text, call.now, call.me.id)
    if kind == cases.FROM_CASEWORKER:
        # Plain text: the gateway's sender sends it without any parse_mode.
        rtl = is_rtl(case.language)
        centre = call.site.centres.get(case.centre_code)
        heading = signed(text, call.me.display_name, centre, case.language, rtl)
        cases.send_later(call.session, box, case.pseudonym, heading, rtl=rtl, message=message)
    call.audit(action, case.id)
    if call.wants_json():
        return JSONResponse({"ok": True, "notice": translate(call.language, NOTICES[notice])})
    call.notice(notice)
    return call.redirect("case", case_id=case.id)


def refused_draft(call: Call, case: Case, problem: str, drafts: dict[str, str]) -> Response:
    """An action refused for what the case or the form is: the reason, and what was typed."""
    status = 409 if problem == "not_open" else 400
    if call.wants_json():
        error = translate(call.language, NOTICES[problem])
        return JSONResponse({"ok": False, "error": error}, status_code=status)
    return show_case(call, case, status, drafts=drafts, error=problem)


def transfer(call: Call) -> Response:
    case = open_case(call)
    if case is None:
        return call.redirect("case", case_id=call.request.path_params["case_id"])
    box = call.site.box
    to_caseworker = call.form.get("to_caseworker", "").strip()
    to_centre = call.form.get("to_centre", "").strip()
    colleague = auth.find_account(call.session, to_caseworker) if to_caseworker else None
    if colleague is not None and scope.may_receive(colleague, case):
        cases.hand_over(
            call.session, box, case, colleague, cases.TRANSFERRED_EVENT, call.now,
            by=call.me.username,
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
    case = find_case(call)
    outcome = call.form.get("outcome", "")
    detail = typed_text(call.form, "detail")
    drafts = {"outcome": outcome, "detail": detail}
    if not is_open(case):
        return refused_draft(call, case, "not_open", drafts)
    if not call.confirmed:
        return refused_draft(call, case, "confirm_needed", drafts)
    if (
        outcome not in CLOSE_OUTCOMES
        or len(detail) > MAX_DETAIL
        or (outcome == "referred" and not detail)
    ):
        return refused_draft(call, case, "bad_outcome", drafts)
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
