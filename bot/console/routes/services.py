"""The service directory: admins create, edit and delete services; supervisors read it. Every
change is validated by ``bot.directory`` and audited."""

from __future__ import annotations

from babel.dates import get_day_names
from starlette.responses import Response
from starlette.routing import Route

from bot import directory, reports
from bot.centres import DAYS, format_hours
from bot.console import service_form, texts
from bot.console.endpoints import page
from bot.console.web import ADMIN_ONLY, MAX_AUDIT_DETAIL, SUPERVISOR_ONLY, Call, Refused
from bot.i18n import babel_locale, translate
from bot.settings import ConfigError
from bot.storage.models import Service


def services_page(call: Call) -> Response:
    """The directory, of one centre or all; read-only for supervisors."""
    centres = call.site.centres
    centre = call.request.query_params.get("centre", "")
    centre = centre if centres.get(centre) else ""
    language = call.language
    return call.render(
        "services/services.html",
        services=directory.list_services(call.session, centre or None),
        centre_filter=centre,
        centres=list(centres),
        category_name=lambda code: reports.topic_label(code, language),
        hours=lambda service: format_hours(directory.service_hours(service), language),
        spoken=lambda service: directory.language_names(
            directory.service_languages(service), language
        ),
    )


def url_service(call: Call) -> Service:
    """The service of the URL; refuses when there is none."""
    service = directory.get_service(call.session, call.request.path_params["service_id"])
    if service is None:
        raise Refused(404, "service_not_found", "service_not_found")
    return service


def form_page(
    call: Call, form: dict[str, str], editing: str | None, error: str | None = None,
    invalid: set[str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    """The new/edit form, with the values typed so far and the validation error if any."""
    language = call.language
    names = get_day_names("abbreviated", locale=babel_locale(language))  # 0 is Monday
    return call.render(
        "services/service_form.html",
        status,
        form=form,
        editing=editing,
        error=error,
        invalid=invalid or set(),
        centres=list(call.site.centres),
        categories=[(c, reports.topic_label(c, language)) for c in directory.CATEGORIES],
        translated=service_form.TRANSLATED,
        slots=service_form.MAX_SLOTS,
        day_names=[(day, names[index]) for index, day in enumerate(DAYS)],
        # The browser keeps to the limits the directory's validation applies anyway.
        max_length=directory.MAX_LENGTH,
    )


def service_new(call: Call) -> Response:
    centre = call.request.query_params.get("centre", "")
    form = service_form.blank_form(centre if call.site.centres.get(centre) else "")
    return form_page(call, form, None)


def service_create(call: Call) -> Response:
    form = service_form.form_from_post(call.form)
    if form["id"] and directory.get_service(call.session, form["id"]) is not None:
        # A new service must not silently replace an existing one.
        call.audit("service_invalid", detail=form["id"][:MAX_AUDIT_DETAIL])
        error = translate(call.language, texts.SERVICE_EXISTS)
        return form_page(call, form, None, error, {"id"}, 422)
    return save_service(call, form, None)


def service_edit(call: Call) -> Response:
    service = url_service(call)
    return form_page(call, service_form.form_from_service(service), service.id)


def service_update(call: Call) -> Response:
    service = url_service(call)
    form = service_form.form_from_post(call.form)
    form["id"] = service.id  # the id is the URL's: renaming would be a new service
    return save_service(call, form, service.id)


def save_service(call: Call, form: dict[str, str], editing: str | None) -> Response:
    data = service_form.data_from_form(form)
    try:
        service = directory.upsert_service(call.session, data, call.site.centres)
    except (ConfigError, ValueError) as failure:
        message = str(failure)
        call.audit("service_invalid", detail=(form["id"] or "-")[:MAX_AUDIT_DETAIL])
        error, invalid = service_form.shown_error(message), service_form.error_fields(message)
        return form_page(call, form, editing, error, invalid, 422)
    call.audit("service_updated" if editing else "service_created", detail=service.id)
    call.notice("service_saved")
    return services_redirect(call, service.centre_code)


def service_delete(call: Call) -> Response:
    service = url_service(call)
    if not call.confirmed:
        # The form's checkbox is required: only a browser without it gets here.
        call.notice("confirm_needed")
        return call.redirect("service_edit", service_id=service.id)
    service_id, centre = service.id, service.centre_code
    directory.delete_service(call.session, service_id)
    call.audit("service_deleted", detail=service_id)
    call.notice("service_deleted")
    return services_redirect(call, centre)


def services_redirect(call: Call, centre: str) -> Response:
    """Back to the directory, filtered on the centre just edited."""
    return call.redirect("services", {"centre": centre} if call.site.centres.get(centre) else None)


routes = [
    Route("/services", page(services_page, SUPERVISOR_ONLY), name="services"),
    Route("/services/new", page(service_new, ADMIN_ONLY), name="service_new"),
    Route(
        "/services/new", page(service_create, ADMIN_ONLY), methods=["POST"], name="service_create"
    ),
    Route("/services/{service_id}/edit", page(service_edit, ADMIN_ONLY), name="service_edit"),
    Route(
        "/services/{service_id}/edit",
        page(service_update, ADMIN_ONLY),
        methods=["POST"],
        name="service_update",
    ),
    Route(
        "/services/{service_id}/delete",
        page(service_delete, ADMIN_ONLY),
        methods=["POST"],
        name="service_delete",
    ),
]
