"""What is new in a case's thread, for the case page's script (``static/case.js``), which asks
every few seconds: the entries after the last one it shows, each rendered by the same template
as the page's, those whose delivery changed since, and the case's status and priority. It reads the
database, so a message stored by any gateway replica shows up on a page served by any other.

Only those who may open the case get an answer, exactly as for the page; a poll is not audited
(the page's view is) and does not keep the login session alive.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.console import texts
from bot.console.endpoints import page
from bot.console.files import ShownFile
from bot.console.routes.cases import ENTRY_LABELS, find_case, is_open, shown_thread
from bot.console.web import CASE_JSON, Call, whole_number
from bot.i18n import translate
from bot.storage import cases

# Entries a page may show as queued, at most: more are found once the page is reloaded.
MAX_WATCHED = 200


def thread_json(call: Call) -> Response:
    """``after``: the last entry the page shows; ``queued``: the entries it shows as queued,
    comma-separated, sent again once their delivery changed."""
    case = find_case(call)
    params = call.request.query_params
    after = whole_number(params.get("after")) or 0
    watched = [int(i) for i in params.get("queued", "").split(",")[:MAX_WATCHED] if i.isdigit()]
    entries, authors, files = shown_thread(call, case, after, [i for i in watched if i <= after])
    return JSONResponse(
        {
            "entries": [
                {"id": entry.id, "html": entry_html(call, entry, authors, files)}
                for entry in entries
                if entry.id > after
            ],
            "changed": [
                {"id": entry.id, "html": entry_html(call, entry, authors, files)}
                for entry in entries
                if entry.id <= after
            ],
            "priority": case.priority,
            "priority_text": translate(call.language, texts.PRIORITY_LABELS[case.priority]),
            "status": case.status,
            "status_text": translate(call.language, texts.STATUS_LABELS[case.status]),
            "open": is_open(case),
        }
    )


def entry_html(
    call: Call, entry: cases.ThreadEntry, authors: dict[int, str],
    files: dict[int, list[ShownFile]],
) -> str:  # fmt: skip
    return call.fragment(
        "cases/entry.html", entry=entry, authors=authors, files=files, **ENTRY_LABELS
    )


routes = [
    Route("/cases/{case_id:int}/thread.json", page(thread_json, CASE_JSON), name="case_thread"),
]
