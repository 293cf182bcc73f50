"""The case page: the packet (for those who may read it), the thread, the person's earlier
cases, and the forms of the actions in ``case_actions``. Also how a route finds its case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from bot.console import auth, scope, texts
from bot.console.canned import filled
from bot.console.case_words import packet_rows, thread_text, urgency_reasons
from bot.console.endpoints import page
from bot.console.files import ShownFile, shown_files
from bot.console.in_progress import handed_over_at
from bot.console.web import CASE_URL, Call, Refused
from bot.storage import attachments, canned, cases, labels
from bot.storage.keys import unseal
from bot.storage.models import Case, Caseworker

# Outcomes a caseworker may choose; "cancelled" and "erased" are set by the person's actions.
CLOSE_OUTCOMES = tuple(o for o in cases.OUTCOMES if o not in ("cancelled", "erased"))
MAX_MESSAGE = 4000  # Telegram's limit is 4096 characters; leave room for the bot's heading.
MAX_DETAIL = 500
# How often the case page's script asks for what is new in the thread.
POLL_SECONDS = 3
# What the thread entry's template (cases/entry.html) puts into words.
ENTRY_LABELS = {
    "kind_labels": texts.KIND_LABELS,
    "delivery_labels": texts.DELIVERY_LABELS,
    "failure_labels": texts.DELIVERY_FAILURES,
}


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


def is_open(case: Case) -> bool:
    """Whether a caseworker may act on the case: claimed and not erased."""
    return case.status == cases.CLAIMED and case.pseudonym is not None


def open_case(call: Call) -> Case | None:
    """The case for an action: claimed and not erased; None (with a notice) otherwise."""
    case = find_case(call)
    if not is_open(case):
        call.notice("not_open")
        return None
    return case


def case_page(call: Call) -> Response:
    return show_case(call, find_case(call))


def show_case(
    call: Call, case: Case, status: int = 200, drafts: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:  # fmt: skip
    """The case page; after a refused action, with what was typed back in its box (``drafts``,
    by field: reply, note, outcome, detail) and the reason (``error``, a key of NOTICES)."""
    box, language = call.site.box, call.language
    centre_name = partial(call.site.centre_name, language=language)
    erased = case.pseudonym is None
    packet_shown = not erased and scope.may_read_packet(call.me, case)
    call.audit("case_view", case.id, "packet" if packet_shown else None)
    written = [] if erased else cases.thread(call.session, box, case.id)
    thread, authors, files = shown_thread(call, case, written=written)
    colleagues = [
        account for account in auth.list_accounts(call.session) if scope.may_receive(account, case)
    ]
    detail = unseal(box, case.outcome_detail) if case.outcome_detail else ""
    # The person's history is theirs as much as the packet: shown to the same people.
    earlier = cases.earlier_cases(call.session, case) if packet_shown else []
    packet = cases.packet(box, case) if packet_shown and case.packet else {}
    prepared = canned_replies(call, case) if is_open(case) else []
    on_case = labels.on_cases(call.session, [case.id]).get(case.id, [])
    other_labels = [
        label for label in labels.of_centre(call.session, case.centre_code) if label not in on_case
    ]
    drafts = dict(drafts or {})
    picked = call.request.query_params.get("canned", "")
    if not drafts.get("reply") and picked:
        # Without the page's script, the pick comes back as ?canned=<id> into the reply box.
        drafts["reply"] = next((text for id_, _, text in prepared if str(id_) == picked), "")
    return call.render(
        "cases/case.html",
        status,
        case=case,
        erased=erased,
        holder=call.session.get(Caseworker, case.claimed_by) if case.claimed_by else None,
        handed_over_at=handed_over_at(written),
        packet=packet_rows(packet, language, centre_name),
        why_urgent=urgency_reasons(case, packet, language, centre_name),
        packet_shown=packet_shown,
        thread=thread,
        files=files,
        earlier=[(c, scope.may_open(call.me, c)) for c in earlier],
        authors=authors,
        **ENTRY_LABELS,
        can_act=is_open(case),
        colleagues=colleagues,
        centres=list(call.site.centres),
        close_outcomes=CLOSE_OUTCOMES,
        outcome_detail=detail,
        max_message=MAX_MESSAGE,
        max_detail=MAX_DETAIL,
        drafts=drafts,
        canned=prepared,
        reopen_shown=case.status == cases.CLOSED and call.me.role in scope.SUPERVISORS,
        reopen_obstacle=texts.NOTICES.get(cases.reopen_obstacle(call.session, case) or ""),
        case_labels=on_case,
        other_labels=other_labels,
        error=texts.NOTICES.get(error or ""),
        poll_seconds=POLL_SECONDS,
    )


def canned_replies(call: Call, case: Case) -> list[tuple[int, str, str]]:
    """(id, title, text) of the centre's canned replies in the person's language, filled with
    the centre's contacts in that language."""
    centre = call.site.centres.get(case.centre_code)
    return [
        (reply.id, reply.title, filled(reply.body, centre, case.language))
        for reply in canned.of_centre(call.session, case.centre_code, case.language)
    ]


def shown_thread(
    call: Call,
    case: Case,
    after: int = 0,
    delivered: list[int] | None = None,
    written: list[cases.ThreadEntry] | None = None,
) -> tuple[list[cases.ThreadEntry], dict[int, str], dict[int, list[ShownFile]]]:
    """The thread entries after ``after`` (and those of ``delivered`` whose delivery is no
    longer queued), or those ``written`` already read, with system lines in words, their
    authors' names, and the files that came with them, by entry; nothing once the person
    erased their data."""
    if case.pseudonym is None:
        return [], {}, {}
    language = call.language
    centre_name = partial(call.site.centre_name, language=language)
    if written is None:
        written = cases.thread(call.session, call.site.box, case.id, after, delivered or ())
    thread = [replace(entry, text=thread_text(entry, language, centre_name)) for entry in written]
    writers = {e.caseworker_id for e in thread if e.caseworker_id}
    authors = (
        {
            account.id: account.username
            for account in call.session.execute(
                select(Caseworker).where(Caseworker.id.in_(writers))
            ).scalars()
        }
        if writers
        else {}
    )
    # A poll that finds nothing new reads no file either.
    shown = [entry.id for entry in thread]
    files = attachments.of_case(call.session, call.site.box, case.id, shown) if shown else {}
    return thread, authors, shown_files(files, language)


routes = [Route("/cases/{case_id:int}", page(case_page, CASE_URL), name="case")]
