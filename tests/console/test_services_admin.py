"""The service directory in the console: admins create, edit and delete services with the
directory's validation; supervisors read it; caseworkers are refused and audited."""

from __future__ import annotations

import html
import re

import pytest

from bot import directory
from bot.storage.models import AuditEntry, Service
from tests.console.helpers import audit_actions, csrf, login, post

# Monday to Friday, 08:30-17:00, as the form's first slot sends it.
HOURS = {
    **{f"hours_0_{day}": "1" for day in ("mon", "tue", "wed", "thu", "fri")},
    "hours_0_open": "08:30",
    "hours_0_close": "17:00",
}
FORM = {
    "id": "dakar-clinique-test",
    "centre": "dakar-demo",
    "region": "Thiès",
    "category": "info_health",
    "name": "Clinique <Test> de Thiès",
    "name_ar": "عيادة تييس",
    "address": "12 rue Exemple, Thiès",
    "address_es": "12 calle Ejemplo, Thiès",
    "phone": "+221 33 000 00 00",
    **HOURS,
    "languages": "fr, wo",
    "eligibility": "Ouvert à tous.",
    "eligibility_en": "Open to everyone.",
    "eligibility_ar": "مفتوح للجميع.",
    "eligibility_es": "",
}
NEW = "/console/services/new"
EDIT = "/console/services/dakar-clinique-test/edit"
DELETE = "/console/services/dakar-clinique-test/delete"


def field_value(page: str, name: str) -> str:
    """What an <input> or <textarea> of the page holds, unescaped."""
    found = re.search(rf'<input id="{name}" name="{name}"[^>]* value="([^"]*)"', page)
    if found is None:
        found = re.search(rf'<textarea id="{name}" name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, f"no field {name}"
    return html.unescape(found.group(1))


def selected(page: str, name: str) -> str:
    select = re.search(rf'<select id="{name}" name="{name}".*?</select>', page, re.S)
    assert select
    (value,) = re.findall(r'<option value="([^"]*)" selected>', select.group(0))
    return value


def stored(sessions) -> Service | None:
    with sessions() as session:
        service = directory.get_service(session, FORM["id"])
        if service is not None:
            session.expunge(service)
        return service


def test_an_admin_creates_a_service(client, sessions, ada) -> None:
    login(client, ada)
    form = client.get(NEW)
    assert form.status_code == 200
    # Categories are named with the bot's menu titles.
    assert '<option value="info_health">Santé</option>' in form.text

    response = post(client, NEW, **FORM)

    assert response.url.path == "/console/services"
    assert response.url.params["centre"] == "dakar-demo"
    assert "Service enregistré" in response.text
    assert "Clinique &lt;Test&gt; de Thiès" in response.text  # escaped, never markup
    service = stored(sessions)
    assert service is not None
    assert directory.service_data(service) == {
        "id": "dakar-clinique-test",
        "centre": "dakar-demo",
        "region": "Thiès",
        "category": "info_health",
        "name": {"fr": "Clinique <Test> de Thiès", "ar": "عيادة تييس"},
        "address": {"fr": "12 rue Exemple, Thiès", "es": "12 calle Ejemplo, Thiès"},
        "phone": "+221 33 000 00 00",
        "opening_hours": [
            {"days": ["mon", "tue", "wed", "thu", "fri"], "open": "08:30", "close": "17:00"}
        ],
        "languages": ["fr", "wo"],
        "eligibility": {"fr": "Ouvert à tous.", "ar": "مفتوح للجميع.", "en": "Open to everyone."},
    }
    with sessions() as session:
        (entry,) = audit_actions(session, "service_created")
    assert (entry.username, entry.detail) == ("ada", "dakar-clinique-test")


def test_several_slots_are_stored_in_order_and_empty_ones_left_out(client, sessions, ada):
    login(client, ada)
    saturday = {"hours_2_sat": "1", "hours_2_open": "09:00", "hours_2_close": "12:00"}
    post(client, NEW, **FORM, **saturday)
    service = stored(sessions)
    assert service is not None
    assert directory.service_data(service)["opening_hours"] == [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "open": "08:30", "close": "17:00"},
        {"days": ["sat"], "open": "09:00", "close": "12:00"},
    ]


def test_the_edit_form_shows_the_service(client, sessions, ada) -> None:
    login(client, ada)
    post(client, NEW, **FORM)

    page = client.get(EDIT).text

    shown = ("id", "region", "name", "name_ar", "address", "address_es", "phone", "eligibility")
    for name in (*shown, "eligibility_ar", "name_en", "address_ar"):
        assert field_value(page, name) == FORM.get(name, "")
    assert field_value(page, "languages") == "fr, wo"
    assert field_value(page, "hours_0_open") == "08:30"
    assert field_value(page, "hours_0_close") == "17:00"
    for day in ("mon", "fri", "sat"):
        ticked = f'name="hours_0_{day}" value="1" checked' in page
        assert ticked == (day != "sat")
    assert field_value(page, "hours_1_open") == ""
    assert (selected(page, "centre"), selected(page, "category")) == ("dakar-demo", "info_health")
    assert re.search(r'<input id="id" name="id"[^>]* readonly', page)
    # The browser keeps to the directory's limits before anything is sent.
    assert re.search(r'<input id="region" name="region"[^>]* maxlength="100"', page)
    for name in ("eligibility", "eligibility_en", "eligibility_ar", "eligibility_es"):
        assert re.search(rf'<textarea id="{name}" name="{name}"[^>]* maxlength="500"', page)
    for name in ("name_en", "name_ar", "name_es"):
        assert re.search(rf'<input id="{name}" name="{name}"[^>]* maxlength="200"', page)
    assert re.search(r'<input id="address_ar" name="address_ar"[^>]* lang="ar"', page)


def test_an_invalid_phone_is_shown_with_the_values_kept(client, sessions, ada) -> None:
    login(client, ada)
    post(client, NEW, **FORM)
    changed = {**FORM, "name": "Nouveau nom", "phone": "call us", "eligibility_es": "Abierto."}

    response = post(client, EDIT, **changed)

    assert response.status_code == 422
    assert "Le service n&#39;est pas enregistré" in response.text
    assert "service (dakar-clinique-test).phone: &#39;call us&#39; is not a phone number" in (
        response.text
    )
    assert re.search(r'<input id="phone" name="phone"[^>]* aria-invalid="true"', response.text)
    for name in ("name", "phone", "eligibility_es", "hours_0_open"):
        assert field_value(response.text, name) == changed[name]
    assert selected(response.text, "category") == "info_health"
    service = stored(sessions)
    assert service is not None and (service.name, service.phone) == (FORM["name"], FORM["phone"])
    with sessions() as session:
        assert [e.detail for e in audit_actions(session, "service_invalid")] == [FORM["id"]]
        assert audit_actions(session, "service_updated") == []


def test_an_admin_edits_a_service(client, sessions, ada) -> None:
    login(client, ada)
    post(client, NEW, **FORM)

    edited = {**FORM, "id": "ignored-the-url-names-it", "name": "Clinique rénovée"}
    edited.update(eligibility_ar="", name_ar="", category="info_psychosocial", languages="fr")
    response = post(client, EDIT, **edited)

    assert response.url.path == "/console/services"
    service = stored(sessions)
    assert service is not None
    data = directory.service_data(service)
    assert (data["name"], data["category"], data["languages"]) == (
        "Clinique rénovée", "info_psychosocial", ["fr"],
    )  # fmt: skip
    assert data["eligibility"] == {"fr": "Ouvert à tous.", "en": "Open to everyone."}
    with sessions() as session:
        assert session.get(Service, "ignored-the-url-names-it") is None
        (entry,) = audit_actions(session, "service_updated")
    assert (entry.username, entry.detail) == ("ada", FORM["id"])


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"category": "info_weather"}, "category", "unknown category"),
        ({"languages": "french"}, "languages", "is not an ISO 639-1 code"),
        (
            {"hours_0_open": "18:00", "hours_0_close": "09:00"},
            "hours_0_open",
            "closes before it opens",
        ),
        ({"hours_1_sat": "1"}, "hours_1_close", "opening_hours"),
        ({"address": ""}, "address", "is missing"),
        ({"id": "Not A Slug"}, "id", "must be a slug"),
        ({"eligibility": "x" * 501}, "eligibility", "is too long: 501 characters, at most 500"),
        (
            {"eligibility_ar": "ع" * 501},
            "eligibility_ar",
            "eligibility.ar: is too long: 501 characters, at most 500",
        ),
        ({"name_es": "n" * 201}, "name_es", "name.es: is too long: 201 characters, at most 200"),
        ({"name": ""}, "name", "name.fr: is missing"),
    ],
)
def test_directory_validation_errors_are_shown(client, sessions, ada, change, field, message):
    login(client, ada)
    response = post(client, NEW, **{**FORM, **change})
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert re.search(
        rf'<[a-z]+ id="{field}" name="{field}"[^>]* aria-invalid="true"', response.text
    )
    with sessions() as session:
        assert directory.list_services(session) == []


def test_a_new_service_cannot_replace_an_existing_one(client, sessions, ada) -> None:
    login(client, ada)
    post(client, NEW, **FORM)
    response = post(client, NEW, **{**FORM, "name": "Homonyme"})
    assert response.status_code == 422
    assert "Un service a déjà cet identifiant" in html.unescape(response.text)
    service = stored(sessions)
    assert service is not None and service.name == FORM["name"]


def test_an_admin_deletes_a_service(client, sessions, ada) -> None:
    login(client, ada)
    post(client, NEW, **FORM)
    assert "Supprimer ce service" in client.get(EDIT).text

    unconfirmed = post(client, DELETE)
    assert unconfirmed.url.path == "/console/services/dakar-clinique-test/edit"
    assert "Cochez la case de confirmation" in unconfirmed.text and stored(sessions) is not None
    response = post(client, DELETE, confirm="1")

    assert response.url.path == "/console/services"
    assert "Service supprimé" in response.text
    assert stored(sessions) is None
    with sessions() as session:
        (entry,) = audit_actions(session, "service_deleted")
    assert (entry.username, entry.detail) == ("ada", FORM["id"])
    assert client.get(EDIT).status_code == 404
    assert post(client, DELETE, confirm="1").status_code == 404


def test_the_list_filters_by_centre(client, sessions, ada) -> None:
    login(client, ada)
    post(client, NEW, **FORM)
    post(client, NEW, **{**FORM, "id": "rabat-clinique-test", "centre": "rabat-demo"})

    dakar = client.get("/console/services?centre=dakar-demo").text
    every = client.get("/console/services").text

    assert 'id="service-dakar-clinique-test"' in dakar
    assert 'id="service-rabat-clinique-test"' not in dakar
    assert 'id="service-rabat-clinique-test"' in every
    assert 'href="/console/services/new?centre=dakar-demo"' in dakar


def test_a_caseworker_is_refused_and_audited(client, sessions, alice, ada, new_client) -> None:
    admin = new_client()
    login(admin, ada)
    post(admin, NEW, **FORM)
    login(client, alice)
    token = csrf(client)

    responses = [
        client.get("/console/services"),
        client.get(NEW),
        client.post(NEW, data={"csrf": token, **FORM, "id": "sneaky"}),
        client.get(EDIT),
        client.post(EDIT, data={"csrf": token, **FORM, "name": "Changed"}),
        client.post(DELETE, data={"csrf": token}),
    ]

    assert [r.status_code for r in responses] == [403] * 6
    assert "Annuaire des services" not in client.get("/console/").text
    service = stored(sessions)
    assert service is not None and service.name == FORM["name"]
    with sessions() as session:
        refused = audit_actions(session, "forbidden")
        assert session.get(Service, "sneaky") is None
    assert [(e.username, e.detail) for e in refused] == [
        ("alice", "GET /console/services"),
        ("alice", "GET /console/services/new"),
        ("alice", "POST /console/services/new"),
        ("alice", f"GET {EDIT}"),
        ("alice", f"POST {EDIT}"),
        ("alice", f"POST {DELETE}"),
    ]


def test_a_supervisor_reads_the_directory_but_cannot_edit(
    client, sessions, sam, ada, new_client
) -> None:
    admin = new_client()
    login(admin, ada)
    post(admin, NEW, **FORM)
    login(client, sam)

    page = client.get("/console/services")

    assert page.status_code == 200
    assert "Clinique &lt;Test&gt; de Thiès" in page.text
    assert "Lecture seule" in page.text
    assert "/edit" not in page.text
    assert post(client, EDIT, **FORM).status_code == 403
    assert post(client, DELETE).status_code == 403
    assert stored(sessions) is not None


def test_without_csrf_token_nothing_changes(client, sessions, ada) -> None:
    login(client, ada)
    post(client, NEW, **FORM)
    response = client.post(DELETE)
    assert response.status_code == 403
    assert stored(sessions) is not None
    with sessions() as session:
        assert session.query(AuditEntry).filter_by(action="csrf_refused").count() == 1
