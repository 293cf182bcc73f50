"""Labels, managed by the supervisors of each centre (admins: every centre): create, rename,
delete with confirmation; and a label put on or taken off a case by those who may open it.
Every change is audited. A label's name is the only thing stored: the page says to write no
personal data in it."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console import scope
from bot.console.endpoints import page
from bot.console.routes.cases import find_case
from bot.console.web import CASE_URL, MAX_AUDIT_DETAIL, SUPERVISOR_ONLY, Call, Refused, whole_number
from bot.storage import labels
from bot.storage.labels import MAX_NAME
from bot.storage.models import Label


def labels_page(call: Call) -> Response:
    centres = [c for c in call.site.centres if scope.manages_centre(call.me, c.code)]
    shown = [
        label
        for label in labels.of_centre(call.session, None)
        if scope.manages_centre(call.me, label.centre_code)
    ]
    return call.render("labels/labels.html", labels=shown, centres=centres, max_name=MAX_NAME)


def url_label(call: Call) -> Label:
    """The label of the URL, if this account manages its centre; refuses otherwise."""
    label = call.session.get(Label, call.request.path_params["label_id"])
    if label is None or not scope.manages_centre(call.me, label.centre_code):
        raise Refused(404, "label_not_found", "label_not_found")
    return label


def refused(call: Call, detail: str) -> Response:
    call.audit("label_refused", detail=detail[:MAX_AUDIT_DETAIL])
    call.notice("bad_label")
    return call.redirect("labels")


def label_create(call: Call) -> Response:
    centre = call.form.get("centre", "").strip() or (call.me.centre_code or "")
    name = call.form.get("name", "").strip()
    if not (scope.manages_centre(call.me, centre) and call.site.centres.get(centre)):
        return refused(call, f"centre {centre}")
    if not labels.valid_name(name) or labels.named(call.session, centre, name):
        return refused(call, "name")
    label = Label(centre_code=centre, name=name)
    call.session.add(label)
    call.session.flush()
    call.audit("label_created", detail=str(label.id))
    call.notice("label_saved")
    return call.redirect("labels")


def label_rename(call: Call) -> Response:
    label = url_label(call)
    name = call.form.get("name", "").strip()
    other = labels.named(call.session, label.centre_code, name)
    if not labels.valid_name(name) or (other is not None and other.id != label.id):
        return refused(call, "name")
    label.name = name
    call.audit("label_renamed", detail=str(label.id))
    call.notice("label_saved")
    return call.redirect("labels")


def label_delete(call: Call) -> Response:
    label = url_label(call)
    if not call.confirmed:
        # The form's checkbox is required: only a browser without it gets here.
        call.notice("confirm_needed")
        return call.redirect("labels")
    label_id = label.id
    labels.remove(call.session, label)
    call.audit("label_deleted", detail=str(label_id))
    call.notice("label_deleted")
    return call.redirect("labels")


def case_label(call: Call) -> Response:
    """Puts a label of the case's centre on the case, or takes one off (``remove=1``)."""
    case = find_case(call)
    label = call.session.get(Label, whole_number(call.form.get("label")) or 0)
    if label is None or label.centre_code != case.centre_code:
        call.audit("label_refused", case.id, "case label")
        call.notice("bad_label")
    elif call.form.get("remove") == "1":
        if labels.take_off(call.session, case.id, label.id):
            call.audit("label_removed", case.id, str(label.id))
    elif labels.put_on(call.session, case.id, label.id):
        call.audit("label_added", case.id, str(label.id))
    return RedirectResponse(call.url("case", case_id=case.id) + "#labels", status_code=303)


routes = [
    Route("/labels", page(labels_page, SUPERVISOR_ONLY), name="labels"),
    Route(
        "/labels/new", page(label_create, SUPERVISOR_ONLY), methods=["POST"], name="label_create"
    ),
    Route(
        "/labels/{label_id:int}/rename",
        page(label_rename, SUPERVISOR_ONLY),
        methods=["POST"],
        name="label_rename",
    ),
    Route(
        "/labels/{label_id:int}/delete",
        page(label_delete, SUPERVISOR_ONLY),
        methods=["POST"],
        name="label_delete",
    ),
    Route(
        "/cases/{case_id:int}/labels",
        page(case_label, CASE_URL),
        methods=["POST"],
        name="case_label",
    ),
]
