"""The queue: the waiting cases the account may claim, filtered by language, centre and
priority, and the account's own cases. ``queue.json`` lets the page refresh itself.

Nothing here identifies a person, so no packet is decrypted.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.centres import Centre
from bot.console import scope
from bot.console.endpoints import page
from bot.console.templating import duration
from bot.console.web import JSON, LOGGED_IN, Call, whole_number
from bot.constants import LANGUAGES
from bot.storage import cases
from bot.storage.models import Case, CaseMessage, Caseworker

QUEUE_REFRESH_SECONDS = 10


def filters(call: Call) -> dict[str, Any]:
    """The queue filters from the query string; unknown values are ignored."""
    params = call.request.query_params
    language = params.get("language")
    centre = params.get("centre")
    priority = whole_number(params.get("priority"))
    return {
        "language": language if language in LANGUAGES else None,
        "centre": centre if call.site.centres.get(centre) else None,
        "priority": priority if priority in cases.PRIORITY_NAMES else None,
    }


def queue_state(call: Call) -> dict[str, Any]:
    """What the queue page shows, and a signature that changes when any of it does."""
    chosen = filters(call)
    within = scope.case_filter(call.me)
    waiting = cases.queue(call.session, **chosen, within=within)
    mine = list(
        call.session.execute(
            select(Case)
            .where(Case.claimed_by == call.me.id, Case.status == cases.CLAIMED, within)
            .order_by(Case.priority, Case.claimed_at)
        ).scalars()
    )
    awaiting = awaiting_reply(call.session, [c.id for c in mine])
    failed = cases.failed_deliveries(call.session, [c.id for c in mine])
    signature = (
        ",".join(str(c.id) for c in waiting)
        + "|"
        + ",".join(f"{c.id}{'*' if c.id in awaiting else ''}!{failed.get(c.id, 0)}" for c in mine)
    )
    return {
        "filters": chosen,
        "waiting": waiting,
        "mine": mine,
        "awaiting": awaiting,
        "failed": failed,
        "signature": hashlib.sha256(signature.encode()).hexdigest()[:16],
    }


def awaiting_reply(session: Session, case_ids: list[int]) -> set[int]:
    """Cases whose latest exchange is a message from the person."""
    if not case_ids:
        return set()
    exchanged = CaseMessage.kind.in_((cases.FROM_PERSON, cases.FROM_CASEWORKER))
    latest = (
        select(func.max(CaseMessage.id))
        .where(CaseMessage.case_id.in_(case_ids), exchanged)
        .group_by(CaseMessage.case_id)
    )
    rows = session.execute(
        select(CaseMessage.case_id, CaseMessage.kind).where(CaseMessage.id.in_(latest))
    ).all()
    return {case_id for case_id, kind in rows if kind == cases.FROM_PERSON}


def waiting_for(call: Call, case: Case) -> str:
    return duration(call.now - (case.queued_at or call.now), call.language)


def visible_centres(call: Call, account: Caseworker) -> list[Centre]:
    """The centres whose cases the account sees, to filter the queue on."""
    if scope.sees_every_centre(account):
        return list(call.site.centres)
    return [centre for centre in call.site.centres if centre.code == account.centre_code]


def queue_page(call: Call) -> Response:
    return call.render(
        "queue/queue.html",
        **queue_state(call),
        centres=visible_centres(call, call.me),
        no_centre=not call.me.centre_code and not scope.sees_every_centre(call.me),
        waiting_for=lambda case: waiting_for(call, case),
        refresh_seconds=QUEUE_REFRESH_SECONDS,
    )


def queue_json(call: Call) -> Response:
    state = queue_state(call)
    return JSONResponse(
        {
            "signature": state["signature"],
            "queue": [
                {
                    "id": case.id,
                    "priority": cases.PRIORITY_NAMES[case.priority],
                    "language": case.language,
                    "centre": case.centre_code,
                    "waiting": waiting_for(call, case),
                }
                for case in state["waiting"]
            ],
            "mine": [
                {
                    "id": case.id,
                    "awaiting_reply": case.id in state["awaiting"],
                    "failed_deliveries": state["failed"].get(case.id, 0),
                }
                for case in state["mine"]
            ],
        }
    )


routes = [
    Route("/", page(queue_page, LOGGED_IN), name="queue"),
    Route("/queue.json", page(queue_json, JSON), name="queue_json"),
]
