"""The supervisor page: the centre's figures (or every centre's, for an admin) and the latest
entries of the audit log."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from bot.console import scope, stats, texts
from bot.console.endpoints import page
from bot.console.web import SUPERVISOR_ONLY, Call


def supervisor(call: Call) -> Response:
    return call.render(
        "supervisor/supervisor.html",
        figures=stats.figures(call.session, scope.case_filter(call.me)),
        entries=stats.latest_audit(call.session, scope.audit_filter(call.me)),
        audit_actions=texts.AUDIT_ACTIONS,
    )


routes = [Route("/supervisor", page(supervisor, SUPERVISOR_ONLY), name="supervisor")]
