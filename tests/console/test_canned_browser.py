"""Canned replies, labels, the closed-case search and reopening in Chromium (issues 18 and 19):
a supervisor writes a canned reply on its page, a caseworker inserts it into the reply box,
filled with the centre's contacts and still editable; axe-core finds no WCAG A/AA violation on
the new pages."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.storage import cases, labels
from bot.storage.models import Case, Label
from tests.console.browsing import axe_violations, log_in
from tests.console.helpers import queued_case

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
expect = sync_api.expect


def test_a_caseworker_inserts_a_canned_reply_and_edits_it(
    server, new_page, sessions, box, centres, alice, sam
) -> None:
    supervisor = new_page(locale="fr-FR")
    log_in(supervisor, server, sam)
    supervisor.get_by_role("link", name="Réponses préparées").click()
    assert axe_violations(supervisor) == []
    supervisor.get_by_role("link", name="Ajouter une réponse préparée").click()
    supervisor.select_option("#language", "fr")
    supervisor.fill("#title", "Rendez-vous")
    supervisor.fill("#body", "Venez au {centre_address}, appelez le {centre_phone}.")
    assert axe_violations(supervisor) == []
    supervisor.get_by_role("button", name="Enregistrer").click()
    expect(supervisor.locator(".notice")).to_contain_text("Réponse préparée enregistrée.")
    case_id = queued_case(sessions, box)
    with sessions.begin() as session:
        cases.claim(session, case_id, alice.id, datetime.utcnow())
    page = new_page(locale="fr-FR")
    log_in(page, server, alice)
    page.goto(f"{server.url}/cases/{case_id}")
    page.fill("#reply", "Bonjour. ")

    page.get_by_label("Réponse préparée en Français").select_option(label="Rendez-vous")
    page.get_by_role("button", name="Insérer dans la réponse").click()

    dakar = centres.get("dakar-demo")
    expected = f"Bonjour. Venez au {dakar.address}, appelez le {dakar.phone}."
    expect(page.locator("#reply")).to_have_value(expected)
    assert page.url.endswith(f"/cases/{case_id}")  # inserted in place, not reloaded
    page.locator("#reply").press("End")
    page.keyboard.type(" À mardi.")
    expect(page.locator("#reply")).to_have_value(expected + " À mardi.")
    assert axe_violations(page) == []
    assert new_page.errors == []


def test_the_labels_search_and_reopen_pages_pass_axe(server, new_page, sessions, box, sam) -> None:
    case_id = queued_case(sessions, box)
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        cases.close(session, box, case, "assisted", "", datetime.utcnow())
        label = Label(centre_code="dakar-demo", name="logement")
        session.add(label)
        session.flush()
        labels.put_on(session, case_id, label.id)
    page = new_page(locale="fr-FR")
    log_in(page, server, sam)

    page.get_by_role("link", name="Étiquettes").click()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Recherche de cas clos").click()
    page.locator("#search-label").select_option(label="logement")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("table.results")).to_contain_text("logement")
    assert axe_violations(page) == []
    page.get_by_role("link", name=f"Cas n° {case_id}").click()
    assert axe_violations(page) == []
    page.get_by_label("Je confirme : le cas sera rouvert").check()
    page.get_by_role("button", name="Rouvrir le cas").click()

    expect(page.locator(".notice")).to_contain_text("Cas rouvert.")
    expect(page.locator("#thread")).to_contain_text("Rouvert par sam.")
    assert axe_violations(page) == []
    assert new_page.errors == []
