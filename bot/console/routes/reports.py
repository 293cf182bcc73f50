"""Monthly reports (supervisors and admins): the page, its CSV and its chart, for one month and
one centre. A supervisor sees their own centre's figures only; every view and download is
audited."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from starlette.responses import Response
from starlette.routing import Route

from bot import reports
from bot.console import scope
from bot.console.endpoints import page
from bot.console.web import SUPERVISOR_ONLY, Call, Refused
from bot.i18n import babel_locale

# The reports page's centre choice for what was counted without a centre ("" in the reports);
# never a centre code, whose characters are A-Z a-z 0-9 _ -.
NO_CENTRE_CHOICE = "~"


def report_choice(call: Call) -> dict[str, Any]:
    """Month and centre from the query string, and the choices the page offers.

    A missing or malformed month is the latest with figures (else this month); for an
    admin, an unknown centre is every centre. A supervisor sees their own centre's figures
    only: asking for another centre is refused (and audited), and so is every report while
    the account has no centre.
    """
    if not scope.sees_every_centre(call.me):
        return own_centre_choice(call)
    pairs = reports.months_and_centres(call.session)
    month, months = report_months(call, pairs)
    language = call.language
    options = [("", reports.centre_name(None, language))]
    options += [(centre.code, centre.name) for centre in call.site.centres]
    known = {code for code, _ in options}
    options += [(code, code) for code in sorted({c for _, c in pairs} - known) if code]
    if any(code == "" for _, code in pairs):
        options.append((NO_CENTRE_CHOICE, reports.centre_name("", language)))
    asked = call.request.query_params.get("centre", "")
    choice = asked if asked in {value for value, _ in options} else ""
    centre = None if choice == "" else "" if choice == NO_CENTRE_CHOICE else choice
    return {
        "month": month,
        "centre": centre,
        "choice": choice,
        "months": months,
        "centre_options": options,
        "centre_label": dict(options)[choice],
        "query": urlencode({"month": month, "centre": choice}),
    }


def report_months(call: Call, pairs: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """The month asked for, and the months to offer (those with figures, this one)."""
    this_month = call.now.strftime("%Y-%m")
    month = call.request.query_params.get("month", "")
    try:
        reports.month_bounds(month)
    except ValueError:
        month = pairs[0][0] if pairs else this_month
    return month, sorted({m for m, _ in pairs} | {this_month, month}, reverse=True)


def own_centre_choice(call: Call) -> dict[str, Any]:
    """``report_choice`` for an account that works for one centre."""
    own = call.me.centre_code
    asked = call.request.query_params.get("centre", "")
    if not own or asked not in ("", own):
        raise Refused(403, "forbidden", "forbidden")
    pairs = [(m, c) for m, c in reports.months_and_centres(call.session) if c == own]
    month, months = report_months(call, pairs)
    label = call.site.centre_name(own, call.language)
    return {
        "month": month,
        "centre": own,
        "choice": own,
        "months": months,
        "centre_options": [(own, label)],
        "centre_label": label,
        "query": urlencode({"month": month, "centre": own}),
    }


def report_detail(choice: dict[str, Any], what: str) -> str:
    centre = choice["centre"]
    shown = reports.CSV_ALL_CENTRES if centre is None else centre or NO_CENTRE_CHOICE
    return f"{what} {choice['month']} {shown}"


def chosen_report(call: Call, choice: dict[str, Any]) -> reports.Report:
    """The chosen report, its texts in the console's language."""
    return reports.build_report(call.session, choice["month"], choice["centre"], call.language)


def report_file_name(choice: dict[str, Any], extension: str) -> str:
    centre = choice["centre"]
    shown = "all" if centre is None else centre or "none"
    return f"report-{choice['month']}-{shown}.{extension}"


def reports_page(call: Call) -> Response:
    choice = report_choice(call)
    report = chosen_report(call, choice)
    sections: list[tuple[str, list[reports.ReportRow]]] = []
    for row in report.rows:
        if not sections or sections[-1][0] != row.section:
            sections.append((row.section, []))
        sections[-1][1].append(row)
    call.audit("report_viewed", detail=report_detail(choice, "page"))
    locale = babel_locale(call.language)
    return call.render(
        "reports/reports.html",
        **choice,
        sections=sections,
        suppressed=reports.SUPPRESSED,
        largest_hidden=reports.SUPPRESS_BELOW - 1,
        month_name=lambda month: format_date(
            date.fromisoformat(f"{month}-01"), "LLLL y", locale=locale
        ),
        png_name=report_file_name(choice, "png"),
    )


def report_file(
    call: Call, extension: str, write: Callable[[reports.Report, Path], Path]
) -> tuple[dict[str, Any], bytes]:
    choice = report_choice(call)
    report = chosen_report(call, choice)
    with tempfile.TemporaryDirectory(prefix="console-report-") as folder:
        body = write(report, Path(folder) / f"report.{extension}").read_bytes()
    call.audit("report_downloaded", detail=report_detail(choice, extension))
    return choice, body


def report_csv(call: Call) -> Response:
    choice, body = report_file(call, "csv", reports.write_csv)
    name = report_file_name(choice, "csv")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def report_png(call: Call) -> Response:
    choice, body = report_file(call, "png", reports.write_chart)
    name = report_file_name(choice, "png")
    return Response(
        body,
        media_type="image/png",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


routes = [
    Route("/reports", page(reports_page, SUPERVISOR_ONLY), name="reports"),
    Route("/reports.csv", page(report_csv, SUPERVISOR_ONLY), name="report_csv"),
    Route("/reports.png", page(report_png, SUPERVISOR_ONLY), name="report_png"),
]
