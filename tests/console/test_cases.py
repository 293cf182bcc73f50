"""The queue, claiming, the case page and its actions, the supervisor page, the UI language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.console import texts
from bot.console.app import RATING_PROMPT
from bot.console.texts import CLAIMED_NOTICE
from bot.i18n import translate
from bot.i18n.bidi import isolate_ltr
from bot.storage import cases
from bot.storage.keys import unseal
from bot.storage.models import Case, OutboxMessage
from tests.console.helpers import audit_actions, login, make_account, post, queued_case

SECRET = "PLANTED-f3a9c1-Ndiaye"
PACKET = {
    "language": "fr",
    "centre": "dakar-demo",
    "town": "Thiès",
    "urgent_request": False,
    "profile": {"Logement": "un soutien serait très utile"},
    "flags": ["no_shelter_food"],
    "crisis": ["self_harm"],
    "help_with": f"Trouver un logement {SECRET}",
    "contact_time": "morning",
}


def claimed_case(client, sessions, box, account, packet=None, **case) -> int:
    """A case claimed by ``account``; the person's "someone is reading" message is dropped from
    the outbox, so that tests see only what they send."""
    case_id = queued_case(sessions, box, packet or PACKET, **case)
    login(client, account)
    post(client, f"/console/cases/{case_id}/claim")
    with sessions.begin() as session:
        session.execute(delete(OutboxMessage))
    return case_id


def said(session, box, case_id: int) -> list[cases.ThreadEntry]:
    """The thread without its system lines."""
    return [e for e in cases.thread(session, box, case_id) if e.kind != cases.SYSTEM]


def outbox(sessions, box) -> list[tuple[str, list | None]]:
    with sessions() as session:
        rows = session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        return [(unseal(box, r.body), unseal(box, r.buttons) if r.buttons else None) for r in rows]


def test_the_queue_shows_no_packet_content_until_the_case_is_claimed(
    client, sessions, box, alice
) -> None:
    case_id = queued_case(sessions, box, PACKET, priority=cases.URGENT)
    login(client, alice)

    queue = client.get("/console/")
    data = client.get("/console/queue.json").json()

    assert queue.status_code == 200
    assert f"Cas n° {case_id}" in queue.text and "urgente" in queue.text
    for shown in (queue.text, str(data)):
        assert SECRET not in shown and "Thiès" not in shown and "Logement" not in shown
    assert data["queue"][0]["id"] == case_id and data["queue"][0]["priority"] == "urgent"

    page = post(client, f"/console/cases/{case_id}/claim")

    assert page.url.path == f"/console/cases/{case_id}"
    assert SECRET in page.text and "Thiès" in page.text
    assert "Sans abri ou sans nourriture" in page.text  # the red flag, in words
    assert "Idées suicidaires ou de se faire du mal" in page.text  # the crisis, in words
    assert "Le matin" in page.text  # the contact time, in words
    with sessions() as session:
        case = session.get(Case, case_id)
        assert (case.status, case.claimed_by) == (cases.CLAIMED, alice.id)
        assert [e.case_id for e in audit_actions(session, "claim")] == [case_id]
        assert [e.username for e in audit_actions(session, "case_view")] == ["alice"]


def test_urls_are_built_under_the_mount_point(client, sessions, box, alice) -> None:
    case_id = queued_case(sessions, box)
    login(client, alice)
    html = client.get("/console/").text
    assert f'action="/console/cases/{case_id}/claim"' in html
    assert 'href="/console/static/console.css"' in html
    assert client.get("/console/static/queue.js").status_code == 200


def test_the_queue_filters_by_language_centre_and_priority(client, sessions, box, ada):
    french = queued_case(sessions, box, pseudonym="a" * 32, language="fr", centre="dakar-demo")
    arabic = queued_case(sessions, box, pseudonym="b" * 32, language="ar", centre="rabat-demo",
                         priority=cases.HIGH)  # fmt: skip
    login(client, ada)  # an admin, who sees every centre's cases

    def listed(query: str) -> list[int]:
        return [c["id"] for c in client.get(f"/console/queue.json?{query}").json()["queue"]]

    assert listed("") == [arabic, french]  # higher priority first
    assert listed("language=fr") == [french]
    assert listed("centre=rabat-demo") == [arabic]
    assert listed(f"priority={cases.NORMAL}") == [french]
    assert listed("language=xx&centre=nowhere") == [arabic, french]  # unknown filters ignored
    assert f"Cas n° {french}" not in client.get("/console/?language=ar").text


def test_a_case_already_claimed_is_reported(new_client, sessions, box, alice, bob) -> None:
    case_id = queued_case(sessions, box)
    first, second = new_client(), new_client()
    login(first, alice)
    login(second, bob)
    queue_seen_by_bob = second.get("/console/")  # bob sees the case before alice claims it
    assert f"/console/cases/{case_id}/claim" in queue_seen_by_bob.text

    post(first, f"/console/cases/{case_id}/claim")
    response = post(second, f"/console/cases/{case_id}/claim")

    assert response.url.path == "/console/"
    assert "déjà été pris" in response.text
    with sessions() as session:
        assert session.get(Case, case_id).claimed_by == alice.id
        assert [e.username for e in audit_actions(session, "claim_refused")] == ["bob"]


def test_my_cases_list_the_claimed_ones_and_flag_new_messages(client, sessions, box, alice):
    case_id = claimed_case(client, sessions, box, alice)
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        cases.add_message(session, box, case, cases.FROM_PERSON, "allô ?", datetime.utcnow())

    html = client.get("/console/").text

    assert f'href="/console/cases/{case_id}"' in html
    assert "Nouveau message de la personne" in html
    assert client.get("/console/queue.json").json()["mine"] == [
        {"id": case_id, "awaiting_reply": True, "failed_deliveries": 0}
    ]


def test_a_reply_goes_to_the_thread_and_to_the_outbox_as_plain_text(
    client, sessions, box, alice
) -> None:
    case_id = claimed_case(client, sessions, box, alice)
    text = "Bonjour, je suis Alice.\nAppelez le centre <b>demain</b> & venez."

    page = post(client, f"/console/cases/{case_id}/reply", text=text.replace("\n", "\r\n"))

    assert page.url.path == f"/console/cases/{case_id}"
    assert "Appelez le centre &lt;b&gt;demain&lt;/b&gt; &amp; venez." in page.text
    # Headed with the role only: alice chose no name, and her username never reaches the person.
    assert outbox(sessions, box) == [(f"Référent : {text}", None)]
    with sessions() as session:
        (entry,) = said(session, box, case_id)
        case = session.get(Case, case_id)
        assert (entry.kind, entry.text, entry.caseworker_id) == ("caseworker", text, alice.id)
        assert case.first_reply_at is not None
        assert [e.case_id for e in audit_actions(session, "reply")] == [case_id]


def test_an_empty_reply_is_not_sent(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice)
    page = post(client, f"/console/cases/{case_id}/reply", text="   ")
    assert "Le texte est vide" in page.text
    assert outbox(sessions, box) == []


def test_a_note_stays_internal(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice)

    page = post(client, f"/console/cases/{case_id}/note", text="A rappeler jeudi")

    assert "A rappeler jeudi" in page.text and "Note interne" in page.text
    assert outbox(sessions, box) == []
    with sessions() as session:
        (entry,) = said(session, box, case_id)
        assert entry.kind == cases.NOTE
        assert [e.case_id for e in audit_actions(session, "note")] == [case_id]


def test_transfer_to_another_caseworker(new_client, sessions, box, alice, bob) -> None:
    first, second = new_client(), new_client()
    case_id = claimed_case(first, sessions, box, alice)
    login(second, bob)

    response = post(first, f"/console/cases/{case_id}/transfer", to_caseworker="bob")

    assert response.url.path == "/console/"
    assert "Cas transféré" in response.text
    assert first.get(f"/console/cases/{case_id}").status_code == 404
    assert SECRET in second.get(f"/console/cases/{case_id}").text
    with sessions() as session:
        case = session.get(Case, case_id)
        assert (case.status, case.claimed_by) == (cases.CLAIMED, bob.id)
        (entry,) = audit_actions(session, "transfer")
        assert (entry.username, entry.detail) == ("alice", "to caseworker bob")


def test_transfer_to_a_centre_puts_the_case_back_in_the_queue(
    new_client, sessions, box, alice
) -> None:
    client, tunis = new_client(), new_client()
    case_id = claimed_case(client, sessions, box, alice)

    response = post(client, f"/console/cases/{case_id}/transfer", to_centre="tunis-demo")

    with sessions() as session:
        case = session.get(Case, case_id)
        assert (case.status, case.claimed_by, case.centre_code) == (
            cases.QUEUED,
            None,
            "tunis-demo",
        )
    # Out of alice's centre now: it waits in the queue of tunis-demo's caseworkers.
    assert response.url.path == "/console/"
    assert client.get("/console/queue.json").json()["queue"] == []
    login(tunis, make_account(sessions, box, "tina", centre="tunis-demo"))
    assert [c["id"] for c in tunis.get("/console/queue.json").json()["queue"]] == [case_id]


def test_transfer_to_an_unknown_target_is_refused(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice)
    for fields in ({"to_caseworker": "nobody"}, {"to_caseworker": "alice"}, {"to_centre": "x"}):
        page = post(client, f"/console/cases/{case_id}/transfer", **fields)
        assert "Choisissez un référent actif ou un centre connu" in page.text
    with sessions() as session:
        assert session.get(Case, case_id).claimed_by == alice.id


def test_closing_sends_the_rating_prompt_with_five_buttons(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice, language="ar")

    unconfirmed = post(client, f"/console/cases/{case_id}/close", outcome="assisted")
    assert "Cochez la case de confirmation" in unconfirmed.text
    refused = post(
        client, f"/console/cases/{case_id}/close", confirm="1", outcome="referred", detail=""
    )
    assert "précisez le service" in refused.text
    response = post(
        client,
        f"/console/cases/{case_id}/close",
        confirm="1",
        outcome="referred",
        detail="Clinique de Thiès",
    )

    assert response.url.path == "/console/"
    (message,) = outbox(sessions, box)
    # In Arabic the numbers 1 and 5 are isolated, so that they keep their place in the sentence.
    assert message[0] == isolate_ltr(translate("ar", RATING_PROMPT))
    assert message[1] == [[str(n), f"r:{case_id}:{n}"] for n in range(1, 6)]
    with sessions() as session:
        case = session.get(Case, case_id)
        assert (case.status, case.outcome) == (cases.CLOSED, "referred")
        assert unseal(box, case.outcome_detail) == "Clinique de Thiès"
        (entry,) = audit_actions(session, "close")
        assert entry.detail == "referred"
    closed_page = client.get(f"/console/cases/{case_id}").text
    assert "Clinique de Thiès" in closed_page
    assert f"/console/cases/{case_id}/reply" not in closed_page  # nothing to act on any more


def test_cancelled_and_erased_are_not_outcomes_a_caseworker_picks(client, sessions, box, alice):
    case_id = claimed_case(client, sessions, box, alice)
    post(client, f"/console/cases/{case_id}/close", confirm="1", outcome="erased")
    with sessions() as session:
        assert session.get(Case, case_id).status == cases.CLAIMED


def test_an_erased_case_says_so_and_offers_no_reply(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice, pseudonym="e" * 32)
    with sessions.begin() as session:
        cases.erase_cases(session, "e" * 32, datetime.utcnow())

    page = client.get(f"/console/cases/{case_id}")

    assert page.status_code == 200
    assert "Effacé à la demande de la personne" in page.text
    assert SECRET not in page.text
    assert f"/console/cases/{case_id}/reply" not in page.text
    post(client, f"/console/cases/{case_id}/reply", text="still there?")
    assert outbox(sessions, box) == []


def test_person_text_is_escaped_and_shown_with_its_own_direction(
    client, sessions, box, alice
) -> None:
    case_id = claimed_case(client, sessions, box, alice)
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        for text in ("<script>alert(1)</script>", "مرحبا، أحتاج مساعدة"):
            cases.add_message(session, box, case, cases.FROM_PERSON, text, datetime.utcnow())

    html = client.get(f"/console/cases/{case_id}").text

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<div class="body" dir="auto">مرحبا، أحتاج مساعدة</div>' in html


def test_a_packet_with_markup_is_escaped(client, sessions, box, alice) -> None:
    packet = {"help_with": '<img src=x onerror="alert(1)">', "extra": {"<i>k</i>": ["<b>v</b>"]}}
    case_id = claimed_case(client, sessions, box, alice, packet=packet)
    html = client.get(f"/console/cases/{case_id}").text
    assert "<img" not in html and "<i>k" not in html and "<b>v" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html


def test_the_supervisor_sees_figures_the_audit_log_and_any_case(
    new_client, sessions, box, alice, sam
) -> None:
    caseworker, supervisor = new_client(), new_client()
    case_id = claimed_case(caseworker, sessions, box, alice)
    post(caseworker, f"/console/cases/{case_id}/reply", text="Bonjour")
    post(caseworker, f"/console/cases/{case_id}/close", confirm="1", outcome="assisted")
    queued_case(sessions, box, pseudonym="w" * 32, priority=cases.URGENT)
    login(supervisor, sam)

    page = supervisor.get("/console/supervisor")

    assert page.status_code == 200
    assert "Journal d&#39;audit" in page.text
    assert "Aidé directement" in page.text
    assert "<td>Cas clos</td>" in page.text and "<td>Cas consulté</td>" in page.text
    assert 'href="/console/supervisor"' in page.text
    assert SECRET in supervisor.get(f"/console/cases/{case_id}").text
    assert 'href="/console/supervisor"' not in caseworker.get("/console/").text


def test_the_ui_language_switches_and_is_remembered(client, sessions, box, alice) -> None:
    login(client, alice)
    assert '<html lang="fr" dir="ltr">' in client.get("/console/").text

    assert '<html lang="ar" dir="rtl">' in client.get("/console/?lang=ar").text
    assert '<html lang="ar" dir="rtl">' in client.get("/console/").text
    assert '<html lang="en" dir="ltr">' in client.get("/console/?lang=en").text
    assert '<html lang="en" dir="ltr">' in client.get("/console/?lang=xx").text


def test_language_links_keep_the_query_and_after_a_post_lead_to_a_page_to_get(
    new_client, sessions, box, alice, ada
) -> None:
    caseworker, admin = new_client(), new_client()
    login(caseworker, alice)
    login(admin, ada)

    filtered = caseworker.get("/console/?language=ar&priority=0&lang=fr").text
    refused = caseworker.post("/console/cases/1/reply", data={"text": "no token"})
    invalid = post(admin, "/console/services/new", id="x")

    assert 'href="/console/?language=ar&amp;priority=0&amp;lang=en"' in filtered
    assert refused.status_code == 403 and 'href="/console/?lang=en"' in refused.text
    assert invalid.status_code == 422 and 'href="/console/services/new?lang=en"' in invalid.text
    assert admin.get("/console/services/new?lang=en").status_code == 200


def test_pages_carry_protective_headers(client, alice) -> None:
    login(client, alice)
    headers = client.get("/console/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert client.get("/console/static/console.css").headers["x-frame-options"] == "DENY"
    # Served over plain http (the test client's cookies are not Secure): no HSTS.
    assert "strict-transport-security" not in headers


def test_the_session_cookie_is_strict_and_secure_in_production(sessions, box, centres) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.testclient import TestClient

    from bot.console.app import build_console

    app = Starlette(routes=[Mount("/console", build_console(sessions, box, "k", centres))])
    with TestClient(app, base_url="https://testserver") as browser:
        response = browser.get("/console/login")
    cookie = response.headers["set-cookie"].lower()
    assert "samesite=strict" in cookie and "secure" in cookie and "httponly" in cookie
    assert "path=/console;" in cookie  # never sent to the webhook, /health or /metrics
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_the_person_is_told_when_their_case_is_taken(client, sessions, box, alice) -> None:
    case_id = queued_case(sessions, box, PACKET, language="ar")
    login(client, alice)

    post(client, f"/console/cases/{case_id}/claim")

    assert outbox(sessions, box) == [(translate("ar", CLAIMED_NOTICE), None)]


def test_the_thread_shows_what_happened_to_the_case_in_the_readers_language(
    new_client, sessions, box, alice, bob
) -> None:
    first, second = new_client(), new_client()
    case_id = claimed_case(first, sessions, box, alice)
    post(first, f"/console/cases/{case_id}/transfer", to_caseworker="bob")
    login(second, bob)
    post(second, f"/console/cases/{case_id}/close", confirm="1", outcome="assisted")

    french = second.get(f"/console/cases/{case_id}").text
    arabic = second.get(f"/console/cases/{case_id}?lang=ar").text

    assert "Pris en charge par alice." in french
    assert "Transféré par alice à bob." in french
    assert "Clos par bob : Aidé directement." in french
    closed = translate("ar", texts.EVENT_TEXTS[cases.CLOSED_EVENT])
    assert closed.format(by="bob", outcome=translate("ar", texts.OUTCOME_LABELS["assisted"])) in (
        arabic
    )
    with sessions() as session:
        events = [cases.read_event(e.text) for e in cases.thread(session, box, case_id)]
    assert events == [
        (cases.CLAIMED_EVENT, {"by": "alice"}),
        (cases.TRANSFERRED_EVENT, {"by": "alice", "to": "bob"}),
        (cases.CLOSED_EVENT, {"by": "bob", "outcome": "assisted"}),
    ]


def test_the_case_page_lists_the_persons_earlier_cases_to_those_who_see_the_packet(
    new_client, sessions, box, alice, bob, sam
) -> None:
    earlier = queued_case(sessions, box, PACKET, priority=cases.URGENT)
    with sessions.begin() as session:
        cases.close(session, box, session.get(Case, earlier), "referred", "", datetime.utcnow())
    mine, supervisor, other = new_client(), new_client(), new_client()
    case_id = claimed_case(mine, sessions, box, alice)
    login(supervisor, sam)
    login(other, bob)

    page = mine.get(f"/console/cases/{case_id}").text
    supervised = supervisor.get(f"/console/cases/{case_id}").text
    hidden = other.get(f"/console/cases/{case_id}")

    assert "Demandes précédentes de la personne" in page
    assert f"Cas n° {earlier}" in page and "Orienté vers un service" in page
    # A link only for those who may open that case: the centre's supervisor, not alice.
    assert f'href="/console/cases/{earlier}"' not in page
    assert f'href="/console/cases/{earlier}"' in supervised
    assert "Demandes précédentes" not in hidden.text


def test_the_packet_says_why_a_case_is_urgent_and_speaks_the_readers_language(
    client, sessions, box, alice
) -> None:
    packet = {
        **PACKET,
        "profile": {"Situation sociale": "un soutien serait utile"},
        "contact_language": "ar",
        "crisis": [],
        "flags": ["self_harm"],
    }
    case_id = claimed_case(client, sessions, box, alice, packet, priority=cases.URGENT)

    french = client.get(f"/console/cases/{case_id}").text
    english = client.get(f"/console/cases/{case_id}?lang=en").text

    why = french.split('class="why-urgent"')[1].split("</div>")[0]
    assert "Risque d&#39;automutilation" in why
    assert "Demande urgente" not in french, "the box says it; no contradicting yes/no row"
    assert "Langue préférée pour le contact" in french and "العربية" in french
    assert translate("en", "Situation sociale") in english
    assert translate("en", "un soutien serait utile") in english
    assert "Situation sociale" not in english


def test_a_normal_case_has_no_urgency_box(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice, {**PACKET, "crisis": [], "flags": []})
    assert "why-urgent" not in client.get(f"/console/cases/{case_id}").text


def test_the_centre_is_named_in_the_interfaces_language(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice)

    arabic = client.get(f"/console/cases/{case_id}?lang=ar").text
    english = client.get(f"/console/cases/{case_id}?lang=en").text

    assert "<dd>مركز الموارد النموذجي في داكار (وهمي)</dd>" in arabic
    assert "<dd>Example Dakar Resource Centre (fictitious)</dd>" in english
