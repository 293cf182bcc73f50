"""Closed cases found again (supervisors for their centre, admins for every centre): by case
number, closing dates, outcome and label. The list decrypts nothing and shows no personal data:
number, dates, outcome, priority, labels and who held the case. At most MAX_RESULTS, newest
closed first, with a word to refine the search beyond."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from bot.console import scope
from bot.console.endpoints import page
from bot.console.web import SUPERVISOR_ONLY, Call, whole_number
from bot.storage import cases, labels
from bot.storage.models import Case, CaseLabel, Caseworker

MAX_RESULTS = 50


def day(value: str | None) -> date | None:
    """A date input's value (YYYY-MM-DD); None when empty or not a date."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def search_page(call: Call) -> Response:
    params = call.request.query_params
    number = whole_number(params.get("number", "").strip())
    closed_from, closed_to = day(params.get("from")), day(params.get("to"))
    outcome = params.get("outcome", "")
    label_id = whole_number(params.get("label"))
    query = select(Case).where(Case.status == cases.CLOSED, scope.case_filter(call.me))
    if number is not None:
        query = query.where(Case.id == number)
    if closed_from is not None:
        query = query.where(Case.closed_at >= datetime.combine(closed_from, time.min))
    if closed_to is not None:
        query = query.where(
            Case.closed_at < datetime.combine(closed_to + timedelta(days=1), time.min)
        )
    if outcome in cases.OUTCOMES:
        query = query.where(Case.outcome == outcome)
    if label_id is not None:
        query = query.where(
            Case.id.in_(select(CaseLabel.case_id).where(CaseLabel.label_id == label_id))
        )
    found = list(
        call.session.execute(
            query.order_by(Case.closed_at.desc(), Case.id.desc()).limit(MAX_RESULTS + 1)
        ).scalars()
    )
    shown = found[:MAX_RESULTS]
    holders = {
        account.id: account.username
        for account in call.session.execute(
            select(Caseworker).where(
                Caseworker.id.in_({c.claimed_by for c in shown if c.claimed_by})
            )
        ).scalars()
    }
    # An account without a centre sees no case, and so no label either.
    centre = None if scope.sees_every_centre(call.me) else call.me.centre_code or "-"
    choosable = labels.of_centre(call.session, centre)
    return call.render(
        "closed_cases/search.html",
        results=shown,
        more=len(found) > MAX_RESULTS,
        max_results=MAX_RESULTS,
        holders=holders,
        case_labels=labels.on_cases(call.session, [c.id for c in shown]),
        choosable=choosable,
        outcomes=cases.OUTCOMES,
        asked={
            "number": params.get("number", ""),
            "from": closed_from.isoformat() if closed_from else "",
            "to": closed_to.isoformat() if closed_to else "",
            "outcome": outcome,
            "label": label_id,
        },
    )


routes = [Route("/closed-cases", page(search_page, SUPERVISOR_ONLY), name="closed_cases")]
