"""The console in a real browser: Chromium, driven by Playwright, against uvicorn on 127.0.0.1.

The console is mounted at /console of a parent app, as the gateway does, and keeps its
production cookie settings (``https_only=True``): the test server speaks plain HTTP, but
Chromium counts http://127.0.0.1 as a secure context and sends a ``Secure`` cookie back there.

The tests are plain (sync) functions: Playwright's sync API refuses to start inside a running
event loop, and pytest-asyncio runs none around a sync test. Between two Playwright calls the
sync API marks its own loop as running in this thread, so the browser lives for this module
only and is closed before any async test of the suite runs.
"""

from __future__ import annotations

import time
from datetime import datetime

import pyotp
from cryptography.fernet import MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot import directory
from bot.console.app import RATING_PROMPT, SESSION_COOKIE
from bot.console.signature import signed
from bot.console.texts import CLAIMED_NOTICE
from bot.i18n import translate
from bot.i18n.bidi import directed
from bot.storage import cases, statistics
from bot.storage.keys import unseal
from bot.storage.models import Case, OutboxMessage
from tests.console.browsing import PHONE, assert_fits_a_phone, expect, log_in
from tests.console.helpers import audit_actions, queued_case

SECRET = "PLANTED-7c2e94-Diallo"
ARABIC = "أحتاج إلى سكن في الرباط"
PACKET = {
    "language": "ar",
    "centre": "rabat-demo",
    "town": ARABIC,
    "help_with": f"Trouver un logement {SECRET}",
    "contact_time": "morning",
}


def wrong_code(secret: str) -> str:
    """Six digits that no TOTP window the server accepts (previous, current, next) gives."""
    totp, now = pyotp.TOTP(secret), time.time()
    accepted = {totp.at(now + shift) for shift in (-60, -30, 0, 30, 60)}
    return next(c for c in (f"{n:06d}" for n in range(0, 10**6, 111_111)) if c not in accepted)


def outbox(sessions: sessionmaker, box: MultiFernet) -> list[tuple[str, list | None]]:
    with sessions() as session:
        rows = session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        return [(unseal(box, r.body), unseal(box, r.buttons) if r.buttons else None) for r in rows]


def test_a_caseworker_logs_in_claims_replies_and_closes(
    server, new_page, sessions, box, alice, tmp_path
) -> None:
    case_id = queued_case(sessions, box, PACKET, language="ar")
    page = new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")

    log_in(page, server, alice)

    # The queue: the case is listed, its content is not.
    expect(page).to_have_url(f"{server.url}/")
    (cookie,) = page.context.cookies()
    assert (cookie["name"], cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) == (
        SESSION_COOKIE, True, True, "Strict",
    )  # fmt: skip
    assert cookie["path"] == "/console"
    card = page.locator("#queue li.card", has_text=f"Cas n° {case_id}")
    expect(card).to_be_visible()
    body = page.locator("body").inner_text()
    assert SECRET not in body and ARABIC not in body

    card.get_by_role("button", name="Prendre en charge").click()

    # The case page: the packet, the Arabic text laid out right to left.
    expect(page).to_have_url(f"{server.url}/cases/{case_id}")
    expect(page.locator(".notice")).to_have_text("Le cas est à vous.")
    expect(page.locator(".packet")).to_contain_text(SECRET)
    arabic = page.locator(".packet [dir=auto]", has_text=ARABIC)
    latin = page.locator(".packet [dir=auto]", has_text=SECRET)
    assert arabic.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert latin.evaluate("el => getComputedStyle(el).direction") == "ltr"
    assert page.locator("html").get_attribute("dir") == "ltr"  # the French UI itself

    # A reply typed on two lines: the browser sends CRLF, the person gets plain newlines.
    reply = "Bonjour, appelez le centre demain.\nمرحبا، سنساعدك"
    page.fill("#reply", reply)
    page.locator(f"form[action='/console/cases/{case_id}/reply'] button").click()
    expect(page.locator("#reply-result")).to_contain_text("Réponse envoyée")
    expect(page.locator("#reply")).to_have_value("")
    expect(page.locator(".thread .msg-caseworker .body")).to_have_text(reply)
    # The person was told when the case was taken, in their language, then got the reply.
    # Its Latin words are isolated, as in every Arabic reply.
    taken = (directed(translate("ar", CLAIMED_NOTICE), True), None)
    sent = (directed(signed(reply, None, None, "ar", True), True), None)
    assert outbox(sessions, box) == [taken, sent]
    expect(page.locator(".thread .msg-system .body")).to_have_text("Pris en charge par alice.")

    # The person answers with markup: shown as the characters typed, never as HTML.
    markup = "Merci <b>bold</b> <img src=x onerror=alert(1)>"
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        cases.add_message(session, box, case, cases.FROM_PERSON, markup, datetime.utcnow())
    page.reload()
    person = page.locator(".thread .msg-person .body")
    expect(person).to_have_text(markup)
    assert page.locator(".thread b, .thread img").count() == 0
    assert person.evaluate("el => getComputedStyle(el).fontWeight") == "400"
    page.screenshot(path=str(tmp_path / "case.png"), full_page=True)
    assert (tmp_path / "case.png").stat().st_size > 0

    # Closing: back to the queue, the person is asked for a rating in their language.
    page.select_option("#outcome", "assisted")
    page.locator(f"form[action='/console/cases/{case_id}/close'] input[name=confirm]").check()
    page.locator(f"form[action='/console/cases/{case_id}/close'] button").click()
    expect(page).to_have_url(f"{server.url}/")
    expect(page.locator(".notice")).to_have_text(
        "Cas clos. La personne est invitée à donner une note."
    )
    with sessions() as session:
        case = session.get(Case, case_id)
        assert (case.status, case.outcome, case.claimed_by) == (cases.CLOSED, "assisted", alice.id)
        assert [e.case_id for e in audit_actions(session, "close")] == [case_id]
    rating = (
        directed(translate("ar", RATING_PROMPT), True),
        [[str(n), f"r:{case_id}:{n}"] for n in range(1, 6)],
    )
    assert outbox(sessions, box) == [taken, sent, rating]
    assert new_page.errors == []


def test_a_wrong_code_is_refused_and_the_queue_fits_a_phone(
    server, new_page, sessions, box, alice
) -> None:
    queued_case(sessions, box, PACKET, pseudonym="a" * 32, language="ar")
    queued_case(sessions, box, pseudonym="b" * 32, priority=cases.URGENT)
    mine = queued_case(sessions, box, PACKET, pseudonym="c" * 32, centre="dakar-demo")
    with sessions.begin() as session:
        assert cases.claim(session, mine, alice.id, datetime.utcnow())
    page = new_page(**PHONE, locale="fr-FR")

    log_in(page, server, alice, code=wrong_code(alice.secret))

    expect(page.locator(".notice")).to_contain_text("Connexion refusée")
    expect(page).to_have_url(f"{server.url}/login")
    expect(page.locator("#username")).to_have_value("alice")
    expect(page.locator("#password")).to_have_value("")  # never sent back to the browser
    page.goto(f"{server.url}/")
    expect(page).to_have_url(f"{server.url}/login")  # still not logged in
    with sessions() as session:
        (failure,) = audit_actions(session, "login_failed")
        assert (failure.username, failure.detail) == ("alice", "code")

    log_in(page, server, alice)

    expect(page).to_have_url(f"{server.url}/")
    expect(page.locator("#queue li.card")).to_have_count(2)
    expect(page.get_by_role("link", name=f"Cas n° {mine}")).to_be_visible()
    assert_fits_a_phone(page)
    # Each card's claim button is on screen, not pushed off to the side.
    for button in page.get_by_role("button", name="Prendre en charge").all():
        box_ = button.bounding_box()
        assert box_ is not None and box_["x"] >= 0 and box_["x"] + box_["width"] <= 390, box_

    # The case page of the claimed case fits as well.
    page.get_by_role("link", name=f"Cas n° {mine}").click()
    expect(page.locator(".packet")).to_contain_text(SECRET)
    assert_fits_a_phone(page)
    assert new_page.errors == [f"401 POST {server.url}/login"]  # the refused login


def test_an_admin_edits_the_directory_and_a_supervisor_reads_reports_on_a_phone(
    server, new_page, sessions, ada, sam
) -> None:
    now = datetime.utcnow()
    with sessions.begin() as session:
        for count, topic in ((6, "info_health"), (2, "info_transport")):
            for _ in range(count):
                statistics.bump(session, statistics.QUESTION, now, "dakar-demo", "fr", topic)
    admin = new_page(**PHONE, locale="fr-FR")
    log_in(admin, server, ada)
    admin.get_by_role("link", name="Annuaire des services").click()
    admin.get_by_role("link", name="Ajouter un service").click()

    admin.fill("#id", "dakar-test-phone")
    admin.select_option("#centre", "dakar-demo")
    admin.fill("#region", "Thiès")
    admin.select_option("#category", label="Santé")
    admin.fill("#name", "Clinique du téléphone")
    admin.fill("#name_ar", "عيادة الهاتف")
    admin.fill("#address", "1 rue Exemple")
    admin.fill("#phone", "not a number")
    admin.check("input[name=hours_0_mon]")
    admin.check("input[name=hours_0_tue]")
    admin.fill("#hours_0_open", "09:00")
    admin.fill("#hours_0_close", "17:00")
    admin.fill("#languages", "fr, wo")
    admin.fill("#eligibility", "Ouvert à tous.")
    admin.fill("#eligibility_ar", "مفتوح للجميع")
    admin.get_by_role("button", name="Enregistrer").click()

    # Refused by the directory's validation: the error is shown, the values are kept.
    expect(admin.locator("#form-error")).to_contain_text("is not a phone number")
    expect(admin.locator("#phone")).to_have_attribute("aria-invalid", "true")
    expect(admin.locator("#name")).to_have_value("Clinique du téléphone")
    expect(admin.locator("#eligibility_ar")).to_have_value("مفتوح للجميع")
    for field in ("#eligibility_ar", "#name_ar"):
        assert admin.locator(field).evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert_fits_a_phone(admin)
    admin.fill("#phone", "+221 33 000 00 00")
    admin.get_by_role("button", name="Enregistrer").click()

    expect(admin.locator(".notice")).to_contain_text("Service enregistré")
    expect(admin.locator("#service-dakar-test-phone")).to_contain_text("Clinique du téléphone")
    assert_fits_a_phone(admin)
    with sessions() as session:
        service = directory.get_service(session, "dakar-test-phone")
        assert service is not None and service.phone == "+221 33 000 00 00"
        assert directory.service_text(service, "name", "ar") == "عيادة الهاتف"

    supervisor = new_page(**PHONE, locale="ar")
    log_in(supervisor, server, sam)
    supervisor.goto(f"{server.url}/reports?lang=ar")
    chart = supervisor.locator(".chart img")
    expect(chart).to_be_visible()
    supervisor.wait_for_function("() => document.querySelector('.chart img').naturalWidth > 0")
    assert supervisor.locator("html").get_attribute("dir") == "rtl"
    expect(supervisor.locator("td.num bdi", has_text="<5").first).to_be_visible()
    assert_fits_a_phone(supervisor)
    assert new_page.errors == [f"422 POST {server.url}/services/new"]


def test_the_browser_gets_protective_headers_and_sends_the_cookie_to_the_console_only(
    server, new_page, alice
) -> None:
    page = new_page()
    login_page = page.goto(f"{server.url}/login")
    assert login_page is not None
    assert login_page.headers["x-frame-options"] == "DENY"
    # Secure cookies, so HSTS too (Chromium heeds it over HTTPS only; this server is http).
    assert login_page.headers["strict-transport-security"].startswith("max-age=31536000")

    log_in(page, server, alice)
    expect(page).to_have_url(f"{server.url}/")
    (cookie,) = page.context.cookies()
    assert cookie["path"] == "/console"
    elsewhere = page.goto(server.url.removesuffix("/console") + "/health")
    assert elsewhere is not None
    assert "cookie" not in elsewhere.request.all_headers()
    assert new_page.errors == [f"404 GET {server.url.removesuffix('/console')}/health"]
