"""Canned replies (issue 19): supervisors manage their centre's (admins every centre's), with
placeholders for the centre's contacts refused when unknown; caseworkers only use them, in the
person's language, filled with the centre's contacts, inserted into the reply box."""

from __future__ import annotations

from bot.console.canned import filled, unknown_placeholders
from bot.storage import canned
from bot.storage.models import CannedReply
from tests.console.helpers import audit_actions, login, post, queued_case

GREETING = "Bonjour, ici {centre_name}. Appelez le {centre_phone}."


def add(client, **fields: str):
    values = {"centre": "dakar-demo", "language": "fr", "title": "Accueil", "body": GREETING}
    return post(client, "/console/canned/new", **{**values, **fields})


def test_a_supervisor_adds_edits_and_deletes_a_canned_reply(new_client, sessions, sam) -> None:
    client = new_client()
    login(client, sam)

    page = add(client)

    assert page.url.path == "/console/canned" and "Réponse préparée enregistrée." in page.text
    assert "Accueil" in page.text
    with sessions() as session:
        (reply,) = canned.of_centre(session, "dakar-demo")
        reply_id = reply.id
    edited = post(
        client, f"/console/canned/{reply_id}/edit", language="en", title="Welcome",
        body="Hello from {centre_name}.", centre="rabat-demo",
    )  # fmt: skip
    assert "Welcome" in edited.text
    unconfirmed = post(client, f"/console/canned/{reply_id}/delete")
    assert "Cochez la case de confirmation" in unconfirmed.text
    with sessions() as session:
        reply = session.get(CannedReply, reply_id)
        # A reply stays with its centre whatever the form says.
        assert (reply.centre_code, reply.language, reply.title) == ("dakar-demo", "en", "Welcome")
    deleted = post(client, f"/console/canned/{reply_id}/delete", confirm="1")
    assert "Réponse préparée supprimée." in deleted.text
    with sessions() as session:
        assert session.get(CannedReply, reply_id) is None
        actions = [len(audit_actions(session, a)) for a in ("canned_created", "canned_updated")]
        assert actions == [1, 1] and len(audit_actions(session, "canned_deleted")) == 1


def test_an_unknown_placeholder_is_refused_with_its_name(new_client, sessions, sam) -> None:
    client = new_client()
    login(client, sam)

    page = add(client, body="Faxez au {centre_fax} ou au {centre_phone}.")

    assert page.status_code == 422
    assert "Variable inconnue : {centre_fax}." in page.text
    assert "Faxez au {centre_fax}" in page.text  # what was typed comes back
    with sessions() as session:
        assert canned.of_centre(session, None) == []
        assert [e.detail for e in audit_actions(session, "canned_invalid")] == ["placeholder"]


def test_a_caseworker_cannot_manage_and_a_supervisor_only_their_centre(
    new_client, sessions, box, alice, sam, ada
) -> None:
    admin, supervisor, caseworker = new_client(), new_client(), new_client()
    login(admin, ada)
    login(supervisor, sam)
    login(caseworker, alice)
    add(admin, centre="rabat-demo", title="Rabat")
    with sessions() as session:
        (rabat,) = canned.of_centre(session, "rabat-demo")

    statuses = [
        caseworker.get("/console/canned").status_code,
        add(caseworker).status_code,
        add(supervisor, centre="rabat-demo").status_code,
        supervisor.get(f"/console/canned/{rabat.id}/edit").status_code,
        post(supervisor, f"/console/canned/{rabat.id}/delete", confirm="1").status_code,
    ]

    assert statuses == [403, 403, 422, 404, 404]
    assert "Rabat" not in supervisor.get("/console/canned").text
    with sessions() as session:
        assert [r.title for r in canned.of_centre(session, None)] == ["Rabat"]
        assert len(audit_actions(session, "forbidden")) == 2
        assert len(audit_actions(session, "canned_not_found")) == 2


def test_placeholders_are_filled_in_the_case_language(centres) -> None:
    dakar = centres.get("dakar-demo")

    arabic = filled("{centre_name} – {centre_address} – {centre_hours}", dakar, "ar")

    assert dakar.name_in("ar") in arabic and dakar.address_in("ar") in arabic
    assert dakar.name_in("fr") not in arabic
    assert unknown_placeholders("{centre_phone} {x} {x} {}") == ["x", ""]


def test_the_case_page_offers_the_centre_replies_in_the_person_language(
    new_client, sessions, box, alice, sam
) -> None:
    manager = new_client()
    login(manager, sam)
    add(manager, title="Accueil FR")
    add(manager, title="Accueil AR", language="ar", body="مرحبا {centre_name} {centre_phone}")
    case_id = queued_case(sessions, box, language="ar")
    client = new_client()
    login(client, alice)
    post(client, f"/console/cases/{case_id}/claim")
    with sessions() as session:
        (arabic,) = canned.of_centre(session, "dakar-demo", "ar")
        arabic_id = arabic.id
    dakar_phone = "+221"

    page = client.get(f"/console/cases/{case_id}").text
    picked = client.get(f"/console/cases/{case_id}?canned={arabic_id}").text

    assert "Accueil AR" in page and "Accueil FR" not in page
    reply_box = picked.split('id="reply"')[1].split("</textarea>")[0]
    assert "مرحبا" in reply_box and dakar_phone in reply_box and "{centre_phone}" not in reply_box
    assert "{centre_name}" not in page.split('id="canned"')[1].split("</select>")[0]
