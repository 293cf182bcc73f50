"""The supervisor and admin workspace in Chromium (issue 19): cases in progress and a
reassignment, an account created with a QR code that decodes to its secret, the queue's title
count and priority alerts; axe-core finds no WCAG A/AA violation on these pages."""

from __future__ import annotations

from datetime import datetime

import pyotp
import pytest
import zxingcpp
from PIL import Image

from bot.console import auth
from bot.storage import cases
from bot.storage.models import Case
from tests.console.browsing import PHONE, assert_fits_a_phone, axe_violations, log_in
from tests.console.helpers import queued_case

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
expect = sync_api.expect

# Wraps the browser's Notification to record what the page shows, across the queue's reloads.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  if (!Real) return;
  class Recorded {
    constructor(title, options) {
      const shown = JSON.parse(sessionStorage.getItem("test.notes") || "[]");
      shown.push([title, (options || {}).body]);
      sessionStorage.setItem("test.notes", JSON.stringify(shown));
    }
    static get permission() { return Real.permission; }
    static requestPermission() { return Real.requestPermission(); }
  }
  window.Notification = Recorded;
})();
"""


def test_a_supervisor_reassigns_a_case_from_the_cases_in_progress(
    server, new_page, sessions, box, alice, bob, sam
) -> None:
    case_id = queued_case(sessions, box, priority=cases.HIGH)
    with sessions.begin() as session:
        cases.claim(session, case_id, alice.id, datetime.utcnow())
    page = new_page(locale="fr-FR")
    log_in(page, server, sam)

    page.get_by_role("link", name="Cas en cours").click()
    card = page.locator("li.card", has_text=f"Cas n° {case_id}")
    expect(card).to_contain_text("alice")
    assert axe_violations(page) == []
    card.get_by_label("Réattribuer à").select_option("bob")
    card.get_by_role("button", name="Réattribuer").click()

    expect(page.locator(".notice")).to_contain_text("Cas réattribué.")
    expect(page.locator("li.card", has_text=f"Cas n° {case_id}")).to_contain_text("bob")
    page.get_by_role("link", name=f"Cas n° {case_id}").click()
    expect(page.locator(".facts")).to_contain_text("Dernier transfert")
    assert axe_violations(page) == []
    with sessions() as session:
        assert session.get(Case, case_id).claimed_by == bob.id
    assert new_page.errors == []


def test_an_admin_creates_an_account_whose_qr_code_scans(
    server, new_page, sessions, ada, tmp_path
) -> None:
    page = new_page(locale="fr-FR")
    log_in(page, server, ada)
    page.get_by_role("link", name="Comptes et sessions").click()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Créer un compte").click()
    assert axe_violations(page) == []

    page.fill("#username", "nadia")
    page.fill("#password", "lanterne verger oblique tambour")
    page.select_option("#role", "supervisor")
    page.select_option("#centre", "tunis-demo")
    page.get_by_role("button", name="Créer le compte").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("nadia")
    assert axe_violations(page) == []
    shot = tmp_path / "qr.png"
    page.locator("figure.qr").screenshot(path=str(shot))
    (decoded,) = zxingcpp.read_barcodes(Image.open(shot))
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    assert pyotp.parse_uri(decoded.text).secret == secret
    assert decoded.text.startswith("otpauth://totp/")
    with sessions() as session:
        nadia = auth.find_account(session, "nadia")
        assert (nadia.role, nadia.centre_code) == ("supervisor", "tunis-demo")

    page.get_by_role("link", name="Retour au compte").click()
    assert axe_violations(page) == []
    assert new_page.errors == []


def test_the_queue_counts_in_the_title_and_alerts_on_an_urgent_case(
    server, new_page, sessions, box, alice, monkeypatch
) -> None:
    monkeypatch.setattr("bot.console.routes.queue.QUEUE_REFRESH_SECONDS", 1)
    queued_case(sessions, box, pseudonym="a" * 32)
    page = new_page(locale="fr-FR")
    page.add_init_script(RECORD_NOTIFICATIONS)
    log_in(page, server, alice)

    expect(page).to_have_title("(1) File d'attente")
    allow = page.get_by_role("button", name="Me prévenir des cas urgents et prioritaires")
    expect(allow).to_be_visible()  # asked on a click only, never on load
    assert page.evaluate("Notification.permission") == "default"
    assert axe_violations(page) == []
    page.context.grant_permissions(["notifications"], origin=server.url.rsplit("/", 1)[0])
    allow.click()
    expect(page.get_by_text("Notifications actives")).to_be_visible()
    sound = page.get_by_label("Son à l'arrivée d'un cas urgent ou prioritaire")
    sound.check()

    urgent = queued_case(sessions, box, pseudonym="b" * 32, priority=cases.URGENT)
    queued_case(sessions, box, pseudonym="c" * 32, priority=cases.NORMAL)

    expect(page).to_have_title("(3) File d'attente")
    notes = page.evaluate("JSON.parse(sessionStorage.getItem('test.notes') || '[]')")
    assert notes == [[f"Nouveau cas n° {urgent}", "Priorité : urgente"]]
    page.reload()
    expect(page.get_by_label("Son à l'arrivée d'un cas urgent ou prioritaire")).to_be_checked()
    assert new_page.errors == []


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_page_of_the_console_passes_axe(
    server, new_page, sessions, box, ada, language: str
) -> None:
    case_id = queued_case(sessions, box, priority=cases.URGENT)
    with sessions.begin() as session:
        cases.claim(session, case_id, ada.id, datetime.utcnow())
    page = new_page(locale="fr-FR")
    page.goto(f"{server.url}/login?lang={language}")
    assert axe_violations(page) == [], "login"
    page.goto(f"{server.url}/login?lang=fr")
    log_in(page, server, ada)
    page.goto(f"{server.url}/?lang={language}")
    account_id = ada.id
    for path in (
        "/", "/in-progress", "/supervisor", "/services", "/services/new", "/reports",
        "/dead-letters", "/accounts", "/accounts/new", f"/accounts/{account_id}",
        f"/cases/{case_id}",
    ):  # fmt: skip
        page.goto(f"{server.url}{path}")
        assert axe_violations(page) == [], path
    assert new_page.errors == []


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_the_report_cards_fit_a_phone(server, new_page, sessions, box, sam, language: str):
    """A median of too few cases is a sentence, not a number: it wraps in its card."""
    now = datetime.utcnow()
    ids = [queued_case(sessions, box, pseudonym=p * 32) for p in "de"]
    with sessions.begin() as session:
        for case_id in ids:
            cases.claim(session, case_id, sam.id, now)
    page = new_page(**PHONE)
    log_in(page, server, sam)
    page.goto(f"{server.url}/reports?lang={language}")

    overflowing = page.evaluate(
        "() => [...document.querySelectorAll('.card')]"
        ".filter(card => card.scrollWidth > card.clientWidth).map(card => card.innerText)"
    )

    assert overflowing == []
    assert_fits_a_phone(page)
