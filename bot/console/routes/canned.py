"""Canned replies, managed by the supervisors of each centre (admins: every centre): list, add,
edit, delete with confirmation. Every change is audited. Caseworkers use them on the case page
(``routes.cases``) and cannot change them."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from bot.console import scope
from bot.console.canned import PLACEHOLDERS, problem, unknown_placeholders
from bot.console.endpoints import page
from bot.console.web import SUPERVISOR_ONLY, Call, Refused, typed_text
from bot.constants import LANGUAGES
from bot.storage import canned
from bot.storage.canned import MAX_BODY, MAX_TITLE
from bot.storage.models import CannedReply


def managed_centres(call: Call) -> list:
    """The centres this account configures, as ``Centre``s."""
    return [c for c in call.site.centres if scope.manages_centre(call.me, c.code)]


def canned_page(call: Call) -> Response:
    centres = managed_centres(call)
    wanted = call.request.query_params.get("centre", "")
    codes = [c.code for c in centres]
    shown = wanted if wanted in codes else None
    replies = [
        reply
        for reply in canned.of_centre(call.session, shown)
        if scope.manages_centre(call.me, reply.centre_code)
    ]
    return call.render(
        "canned/canned.html", replies=replies, centres=centres, centre_filter=shown or ""
    )


def url_reply(call: Call) -> CannedReply:
    """The canned reply of the URL, if this account manages its centre; refuses otherwise,
    as if it did not exist."""
    reply = call.session.get(CannedReply, call.request.path_params["reply_id"])
    if reply is None or not scope.manages_centre(call.me, reply.centre_code):
        raise Refused(404, "canned_not_found", "canned_not_found")
    return reply


def form_page(
    call: Call, form: dict[str, str], editing: int | None, error: str | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    return call.render(
        "canned/canned_form.html",
        status,
        form=form,
        editing=editing,
        error=error,
        unknown=[f"{{{name}}}" for name in unknown_placeholders(form.get("body", ""))],
        centres=managed_centres(call),
        text_languages=LANGUAGES,
        placeholders=PLACEHOLDERS,
        max_title=MAX_TITLE,
        max_body=MAX_BODY,
    )


def posted(call: Call) -> dict[str, str]:
    return {
        "centre": call.form.get("centre", "").strip(),
        "language": call.form.get("language", "").strip(),
        "title": typed_text(call.form, "title"),
        "body": typed_text(call.form, "body"),
    }


def canned_new(call: Call) -> Response:
    centres = managed_centres(call)
    wanted = call.request.query_params.get("centre", "")
    centre = wanted if wanted in [c.code for c in centres] else call.me.centre_code or ""
    return form_page(call, {"centre": centre, "language": "", "title": "", "body": ""}, None)


def canned_create(call: Call) -> Response:
    return save(call, None)


def canned_edit(call: Call) -> Response:
    reply = url_reply(call)
    form = {
        "centre": reply.centre_code, "language": reply.language, "title": reply.title,
        "body": reply.body,
    }  # fmt: skip
    return form_page(call, form, reply.id)


def canned_update(call: Call) -> Response:
    return save(call, url_reply(call))


def save(call: Call, reply: CannedReply | None) -> Response:
    form = posted(call)
    if reply is not None:
        form["centre"] = reply.centre_code  # a reply stays with its centre
    editing = reply.id if reply else None
    if not scope.manages_centre(call.me, form["centre"]) or not call.site.centres.get(
        form["centre"]
    ):
        reason = "centre"
    else:
        reason = problem(form["language"], form["title"], form["body"])
    if reason is not None:
        call.audit("canned_invalid", detail=reason)
        return form_page(call, form, editing, reason, 422)
    saved = canned.save(
        call.session, reply, form["centre"], form["language"], form["title"], form["body"]
    )
    call.audit("canned_updated" if editing else "canned_created", detail=str(saved.id))
    call.notice("canned_saved")
    return canned_redirect(call, saved.centre_code)


def canned_delete(call: Call) -> Response:
    reply = url_reply(call)
    if not call.confirmed:
        # The form's checkbox is required: only a browser without it gets here.
        call.notice("confirm_needed")
        return call.redirect("canned_edit", reply_id=reply.id)
    centre = reply.centre_code
    call.session.delete(reply)
    call.audit("canned_deleted", detail=str(reply.id))
    call.notice("canned_deleted")
    return canned_redirect(call, centre)


def canned_redirect(call: Call, centre: str) -> Response:
    """Back to the list, on the centre just edited."""
    return call.redirect("canned", {"centre": centre})


routes = [
    Route("/canned", page(canned_page, SUPERVISOR_ONLY), name="canned"),
    Route("/canned/new", page(canned_new, SUPERVISOR_ONLY), name="canned_new"),
    Route(
        "/canned/new", page(canned_create, SUPERVISOR_ONLY), methods=["POST"], name="canned_create"
    ),
    Route("/canned/{reply_id:int}/edit", page(canned_edit, SUPERVISOR_ONLY), name="canned_edit"),
    Route(
        "/canned/{reply_id:int}/edit",
        page(canned_update, SUPERVISOR_ONLY),
        methods=["POST"],
        name="canned_update",
    ),
    Route(
        "/canned/{reply_id:int}/delete",
        page(canned_delete, SUPERVISOR_ONLY),
        methods=["POST"],
        name="canned_delete",
    ),
]
