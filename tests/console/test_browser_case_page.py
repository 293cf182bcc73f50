"""The live case page in Chromium: what the person writes and what happens to the case appear
without a reload, sending on a phone keeps the caseworker's place, a failed delivery shows, the
Arabic interface, and axe-core finds nothing to fix.

The browser, the server and the page fixtures are conftest.py's (tests/console/browsing.py).
Screenshots go to ``SCREENSHOTS_DIR`` when it is set (the issue's closing note describes them),
else to the test's temporary folder.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.fernet import MultiFernet
from sqlalchemy.orm import sessionmaker

from bot.gateway.outbox import Outbox
from bot.storage import cases
from bot.storage.models import Case
from tests.console.browsing import PHONE, Page, Server, assert_fits_a_phone, expect, log_in
from tests.console.helpers import Account, queued_case
from tests.helpers.axe import violations

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PACKET = {"language": "fr", "centre": "dakar-demo", "help_with": "Trouver un logement"}
LIVE_TIMEOUT_MS = 10_000  # the page asks every 3 seconds


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def claimed(
    sessions: sessionmaker, box: MultiFernet, account: Account, said: int = 0, **case
) -> int:
    """A case claimed by ``account`` as the console claims one, with ``said`` messages from
    the person and the caseworker already in its thread."""
    case_id = queued_case(sessions, box, PACKET, **case)
    now = datetime.utcnow()
    with sessions.begin() as session:
        assert cases.claim(session, case_id, account.id, now)
        case = session.get(Case, case_id)
        cases.add_event(session, box, case, cases.CLAIMED_EVENT, now, by=account.username)
        for n in range(said):
            kind = cases.FROM_PERSON if n % 2 == 0 else cases.FROM_CASEWORKER
            text = f"Message {n + 1} : où trouver un logement à Thiès cette semaine ?"
            cases.add_message(session, box, case, kind, text, now, account.id if n % 2 else None)
    return case_id


def as_the_gateway(sessions: sessionmaker, box: MultiFernet, case_id: int, write) -> None:
    """What a gateway replica stores in the case thread, in its own transaction."""
    with sessions.begin() as session:
        write(session, session.get(Case, case_id))


def open_case(page: Page, server: Server, account: Account, case_id: int, lang: str = "") -> None:
    log_in(page, server, account)
    expect(page).to_have_url(f"{server.url}/")
    page.goto(f"{server.url}/cases/{case_id}" + (f"?lang={lang}" if lang else ""))
    # Set on this document only: still there later means the page was never reloaded.
    page.evaluate("window.notReloaded = true")


def still_the_same_page(page: Page) -> bool:
    return page.evaluate("window.notReloaded === true")


def test_what_the_person_writes_and_what_happens_appears_without_a_reload(
    server, new_page, sessions, box, alice, shots
) -> None:
    case_id = claimed(sessions, box, alice)
    page = new_page(**DESKTOP, locale="fr-FR")
    open_case(page, server, alice, case_id)

    as_the_gateway(
        sessions, box, case_id,
        lambda session, case: cases.add_message(
            session, box, case, cases.FROM_PERSON, "Je suis à Thiès <b>ce soir</b>",
            datetime.utcnow(),
        ),
    )  # fmt: skip
    person = page.locator(".thread .msg-person .body")
    expect(person).to_have_text("Je suis à Thiès <b>ce soir</b>", timeout=LIVE_TIMEOUT_MS)
    assert page.locator(".thread b").count() == 0

    # A crisis message makes the case urgent: the thread and the badge say so, as it happens.
    def crisis_found(session, case) -> None:
        case.priority = cases.URGENT
        cases.add_event(
            session, box, case, cases.CRISIS_EVENT, datetime.utcnow(), kinds=["no_shelter"]
        )

    as_the_gateway(sessions, box, case_id, crisis_found)
    crisis = page.locator(".thread .msg-system .body", has_text="Message de crise détecté")
    expect(crisis).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#case-priority")).to_have_text("urgente")
    assert page.locator("#case-priority").get_attribute("class") == "badge prio-0"
    # The person cancels with /stop: the status changes and the page says the case is over.
    as_the_gateway(
        sessions, box, case_id,
        lambda session, case: (
            cases.close(session, box, case, "cancelled", "", datetime.utcnow()),
            cases.add_event(session, box, case, cases.CANCELLED_EVENT, datetime.utcnow()),
        ),
    )  # fmt: skip
    expect(page.locator(".thread .msg-system .body").last).to_have_text(
        "La personne a annulé sa demande.", timeout=LIVE_TIMEOUT_MS
    )
    expect(page.locator("#case-status")).to_have_text("clos")
    expect(page.locator("#live-notice")).to_contain_text("Ce cas n'est plus ouvert.")
    assert still_the_same_page(page)
    assert [e.split(" · ")[0] for e in page.locator(".thread .meta").all_inner_texts()] == [
        "Système", "La personne", "Système", "Système",
    ]  # fmt: skip
    page.screenshot(path=str(shots / "live-thread-desktop.png"), full_page=True)
    assert new_page.errors == []


def test_sending_on_a_phone_keeps_the_place_and_the_reply_box(
    server, new_page, sessions, box, alice, shots
) -> None:
    case_id = claimed(sessions, box, alice, said=16)
    page = new_page(**PHONE, locale="fr-FR")
    open_case(page, server, alice, case_id)
    reply = page.locator("#reply")
    thread_end = page.locator(".thread .msg").last.evaluate(
        "el => el.getBoundingClientRect().bottom + window.scrollY"
    )
    # Reading the middle of the thread, its end below the screen: the reply box is in reach.
    page.evaluate("y => window.scrollTo(0, y)", thread_end - 2 * PHONE["viewport"]["height"])
    place = page.evaluate("window.scrollY")
    assert place > 0
    box_top = reply.evaluate("el => el.getBoundingClientRect().top")
    assert 0 < box_top < PHONE["viewport"]["height"]
    page.screenshot(path=str(shots / "phone-reading.png"))

    reply.fill("Le centre vous attend demain à 9 h.")
    reply.press("Control+Enter")

    expect(page.locator("#reply-result")).to_have_text(
        "Réponse envoyée. Elle part par le bot dans quelques secondes."
    )
    expect(reply).to_have_value("")
    mine = page.locator(".thread .msg-caseworker .body", has_text="Le centre vous attend")
    expect(mine).to_have_count(1)
    assert page.evaluate("window.scrollY") == place
    assert 0 < reply.evaluate("el => el.getBoundingClientRect().bottom") <= 844
    assert still_the_same_page(page)
    assert_fits_a_phone(page)
    page.screenshot(path=str(shots / "phone-after-sending.png"))

    # A draft survives a reload in this browser, and goes once sent.
    reply.fill("Brouillon pas encore envoyé")
    page.reload()
    expect(page.locator("#reply")).to_have_value("Brouillon pas encore envoyé")
    page.locator("#reply").press("Meta+Enter")
    expect(page.locator("#reply")).to_have_value("")
    page.reload()
    expect(page.locator("#reply")).to_have_value("")
    assert new_page.errors == []


def test_a_refused_reply_keeps_its_text_and_a_failed_delivery_shows_live(
    server, new_page, sessions, box, alice, shots
) -> None:
    case_id = claimed(sessions, box, alice)
    page = new_page(**PHONE, locale="fr-FR")
    open_case(page, server, alice, case_id)

    page.fill("#reply", "Pouvez-vous venir lundi ?")
    page.locator("#reply").press("Control+Enter")
    sent = page.locator(".thread .msg-caseworker").last
    expect(sent.locator(".delivery")).to_have_text("En file d'envoi")
    outbox = Outbox(sessions, box, "replica-b")
    for batch in outbox.claim(10):
        outbox.blocked(batch[0].pseudonym)
    expect(sent.locator(".delivery")).to_have_text(
        "Non remis : La personne a bloqué le bot", timeout=LIVE_TIMEOUT_MS
    )
    assert sent.get_attribute("data-delivery") == "failed"
    sent.evaluate("el => el.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(shots / "phone-failed-delivery.png"))

    # The person cancels while the caseworker types: the text stays, with the reason.
    as_the_gateway(
        sessions, box, case_id,
        lambda session, case: cases.close(session, box, case, "cancelled", "", datetime.utcnow()),
    )  # fmt: skip
    page.fill("#reply", "Texte tapé pendant l'annulation")
    page.locator("#reply").press("Control+Enter")
    expect(page.locator("#reply-result")).to_have_text("Ce cas n'est plus ouvert.")
    expect(page.locator("#reply")).to_have_value("Texte tapé pendant l'annulation")
    expect(page.locator("#live-notice")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    page.screenshot(path=str(shots / "phone-refused-draft.png"))
    assert still_the_same_page(page)

    page.goto(f"{server.url}/")
    expect(page.locator(".cards .badge.delivery-failed")).to_have_count(0)  # closed: not mine
    # The refused reply answered 409, which the page showed; nothing else went wrong.
    assert [e for e in new_page.errors if "/reply" not in e] == []


def test_the_queue_counts_failed_messages_on_my_cases(
    server, new_page, sessions, box, alice, shots
) -> None:
    case_id = claimed(sessions, box, alice)
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        message = cases.add_message(
            session, box, case, cases.FROM_CASEWORKER, "Bonjour", datetime.utcnow(), alice.id
        )
        cases.send_later(session, box, case.pseudonym, "Bonjour", message=message)
    Outbox(sessions, box).blocked("p" * 32)  # queued_case's pseudonym
    page = new_page(**PHONE, locale="fr-FR")
    log_in(page, server, alice)

    expect(page.locator(".cards .badge.delivery-failed")).to_have_text("1 message non remis")
    page.screenshot(path=str(shots / "phone-queue-failed.png"), full_page=True)


@pytest.mark.parametrize(("lang", "options"), [("fr", DESKTOP), ("ar", PHONE), ("ar", DESKTOP)])
def test_the_case_page_in_arabic_and_axe_finds_nothing(
    server, new_page, sessions, box, alice, shots, lang, options
) -> None:
    case_id = claimed(sessions, box, alice, said=4, priority=cases.URGENT)
    page = new_page(**options)
    open_case(page, server, alice, case_id, lang)
    page.fill("#reply", "مرحبا، سنساعدك")
    page.locator("#reply").press("Control+Enter")
    expect(page.locator(".thread .msg-caseworker .delivery").last).to_be_visible()

    if lang == "ar":
        assert page.locator("html").get_attribute("dir") == "rtl"
        meta = page.locator(".thread .msg-caseworker .meta").last
        expect(meta).to_contain_text("موظف المتابعة")
        assert meta.locator("bdi").first.inner_text() == "alice"
        expect(page.locator(".thread .msg-caseworker .delivery").last).to_have_text(
            "في انتظار الإرسال"
        )
    found = violations(page)
    name = "phone" if options is PHONE else "desktop"
    page.screenshot(path=str(shots / f"case-{lang}-{name}.png"), full_page=True)
    assert found == []
    assert new_page.errors == []


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_queue_profile_and_dead_letters_pages_pass_axe(
    server, new_page, sessions, box, alice, sam, shots, lang
) -> None:
    case_id = claimed(sessions, box, sam)
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        message = cases.add_message(
            session, box, case, cases.FROM_CASEWORKER, "Bonjour", datetime.utcnow(), sam.id
        )
        cases.send_later(session, box, case.pseudonym, "Bonjour", message=message)
    Outbox(sessions, box).blocked("p" * 32)
    page = new_page(**PHONE)
    log_in(page, server, sam)

    for path, name in (("/", "queue"), ("/profile", "profile"), ("/dead-letters", "dead-letters")):
        page.goto(f"{server.url}{path}?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        found = violations(page)
        page.screenshot(path=str(shots / f"{name}-{lang}-phone.png"), full_page=True)
        assert (name, found) == (name, [])
    link = page.locator(f"a[href='/console/cases/{case_id}']")
    expect(link).to_be_visible()
    assert_fits_a_phone(page)
    assert new_page.errors == []


@pytest.mark.parametrize(("lang", "closed_text"), [("fr", "Orienté vers un service"), ("ar", None)])
def test_the_persons_earlier_urgent_case_is_on_the_page_and_opens(
    server, new_page, sessions, box, alice, shots, lang, closed_text
) -> None:
    earlier = queued_case(sessions, box, PACKET, priority=cases.URGENT)
    with sessions.begin() as session:
        assert cases.claim(session, earlier, alice.id, datetime.utcnow())
        cases.close(session, box, session.get(Case, earlier), "referred", "", datetime.utcnow())
    case_id = claimed(sessions, box, alice, said=2, priority=cases.HIGH)
    page = new_page(**PHONE)
    open_case(page, server, alice, case_id, lang)

    history = page.locator("ul.earlier li")
    expect(history).to_have_count(1)
    expect(history.locator(".badge.prio-0")).to_be_visible()
    if closed_text:
        expect(history).to_contain_text(closed_text)
    else:
        assert page.locator("html").get_attribute("dir") == "rtl"
        # The dates keep their order inside the right-to-left line.
        assert history.locator("bdi").count() == 2
    assert violations(page) == []
    page.screenshot(path=str(shots / f"history-{lang}-phone.png"), full_page=True)
    history.locator("a").click()
    expect(page).to_have_url(f"{server.url}/cases/{earlier}")
    expect(page.locator("#case-status")).to_have_attribute("data-status", cases.CLOSED)
    assert new_page.errors == []
