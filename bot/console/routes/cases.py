"""The case page: the packet (for those who may read it), the thread, the person's earlier
cases, and the forms of the actions in ``case_actions``. Also how a route finds its case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from bot.console import auth, scope, texts
from bot.console.case_words import packet_rows, thread_text, urgency_reasons
from bot.console.endpoints import page
from bot.console.web import CASE_URL, Call, Refused
from bot.storage import cases
from bot.storage.keys import unseal
from bot.storage.models import Case, Caseworker

# Outcomes a caseworker may choose; "cancelled" and "erased" are set by the person's actions.
CLOSE_OUTCOMES = tuple(o for o in cases.OUTCOMES if o not in ("cancelled", "erased"))
MAX_MESSAGE = 4000  # Telegram's limit is 4096 characters; leave room for the bot's heading.
MAX_DETAIL = 500


def find_case(call: Call, allowed: Callable[[Caseworker, Case], bool] = scope.may_open) -> Case:
    """The case of the URL, if ``allowed`` lets this account at it; refuses otherwise.

    A case out of reach is answered exactly as one that does not exist, so that nobody
    learns which case ids exist elsewhere; only the audit log tells the two apart.
    """
    case_id = call.request.path_params["case_id"]
    case = call.session.get(Case, case_id)
    # Drafts are still being prepared with the person: nobody sees them yet.
    if case is None or case.status == cases.DRAFT:
        raise Refused(404, "case_not_found", "not_found", case_id)
    if not allowed(call.me, case):
        raise Refused(404, "forbidden", "not_found", case_id)
    return case


def open_case(call: Call) -> Case | None:
    """The case for an action: claimed and not erased; None (with a notice) otherwise."""
    case = find_case(call)
    if case.status != cases.CLAIMED or case.pseudonym is None:
        call.notice("not_open")
        return None
    return case


def case_page(call: Call) -> Response:
    case = find_case(call)
    box, language, centre_name = call.site.box, call.language, call.site.centre_name
    erased = case.pseudonym is None
    packet_shown = not erased and scope.may_read_packet(call.me, case)
    call.audit("case_view", case.id, "packet" if packet_shown else None)
    thread = [
        replace(entry, text=thread_text(entry, language, centre_name))
        for entry in ([] if erased else cases.thread(call.session, box, case.id))
    ]
    authors = {
        account.id: account.username
        for account in call.session.execute(
            select(Caseworker).where(
                Caseworker.id.in_({e.caseworker_id for e in thread if e.caseworker_id})
            )
        ).scalars()
    }
    colleagues = [
        account for account in auth.list_accounts(call.session) if scope.may_receive(account, case)
    ]
    detail = unseal(box, case.outcome_detail) if case.outcome_detail else ""
    # The person's history is theirs as much as the packet: shown to the same people.
    earlier = cases.earlier_cases(call.session, case) if packet_shown else []
    packet = cases.packet(box, case) if packet_shown and case.packet else {}
    return call.render(
        "cases/case.html",
        case=case,
        erased=erased,
        packet=packet_rows(packet, language, centre_name),
        why_urgent=urgency_reasons(case, packet, language, centre_name),
        packet_shown=packet_shown,
        thread=thread,
        earlier=[(c, scope.may_open(call.me, c)) for c in earlier],
        authors=authors,
        kind_labels=texts.KIND_LABELS,
        can_act=case.status == cases.CLAIMED and not erased,
        colleagues=colleagues,
        centres=list(call.site.centres),
        close_outcomes=CLOSE_OUTCOMES,
        outcome_detail=detail,
        max_message=MAX_MESSAGE,
        max_detail=MAX_DETAIL,
    )


routes = [Route("/cases/{case_id:int}", page(case_page, CASE_URL), name="case")]
