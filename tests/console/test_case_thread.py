"""thread.json, which keeps the case page live: what is new after an entry, the case's status,
the same authorisation as the page, and nothing kept in a cache."""

from __future__ import annotations

import re
from datetime import datetime

from bot.gateway.outbox import REJECTED, Outbox
from bot.storage import cases
from bot.storage.models import Case
from tests.console.helpers import audit_actions, login, make_account, post
from tests.console.test_cases import claimed_case


def person_writes(sessions, box, case_id: int, text: str) -> None:
    """What the gateway does with a message from the person during an open case."""
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        cases.add_message(session, box, case, cases.FROM_PERSON, text, datetime.utcnow())


def test_new_entries_come_after_the_last_one_shown(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice)
    url = f"/console/cases/{case_id}/thread.json"

    everything = client.get(url).json()
    (claimed,) = everything["entries"]  # the system line of the claim
    person_writes(sessions, box, case_id, "Bonjour <b>ici</b>")
    person_writes(sessions, box, case_id, "Vous êtes là ?")
    news = client.get(url, params={"after": claimed["id"]})

    assert news.headers["cache-control"] == "no-store"
    assert news.headers["content-type"] == "application/json"
    data = news.json()
    assert (data["status"], data["status_text"], data["open"]) == (
        "claimed", "pris en charge", True,
    )  # fmt: skip
    first, second = data["entries"]
    assert claimed["id"] < first["id"] < second["id"]
    assert "Pris en charge par" in claimed["html"]
    # The page's own entry, user text escaped.
    assert f'id="entry-{first["id"]}"' in first["html"] and "msg-person" in first["html"]
    assert "Bonjour &lt;b&gt;ici&lt;/b&gt;" in first["html"] and "<b>" not in first["html"]
    assert client.get(url, params={"after": second["id"]}).json()["entries"] == []


def test_the_page_renders_each_entry_with_the_same_template(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice)
    person_writes(sessions, box, case_id, "Une question")

    page = client.get(f"/console/cases/{case_id}").text
    entries = client.get(f"/console/cases/{case_id}/thread.json").json()["entries"]

    for entry in entries:
        assert entry["html"].strip() in page
    assert f'data-after="{entries[-1]["id"]}"' in page


def test_the_status_follows_the_case(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice)
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        cases.close(session, box, case, "cancelled", "", datetime.utcnow())
        cases.add_event(session, box, case, cases.CANCELLED_EVENT, datetime.utcnow())

    data = client.get(f"/console/cases/{case_id}/thread.json", params={"lang": "en"}).json()

    assert (data["status"], data["status_text"], data["open"]) == ("closed", "closed", False)
    assert "The person cancelled their request." in data["entries"][-1]["html"]


def test_only_those_who_may_open_the_case_get_its_thread(
    new_client, sessions, box, alice, bob, sam
) -> None:
    holder = new_client()
    case_id = claimed_case(holder, sessions, box, alice)
    person_writes(sessions, box, case_id, "PLANTED-thread-secret")
    url = f"/console/cases/{case_id}/thread.json"
    other_centre = make_account(sessions, box, "tess", role="supervisor", centre="tunis-demo")
    anonymous, colleague, supervisor, stranger = (new_client() for _ in range(4))
    login(colleague, bob)
    login(supervisor, sam)
    login(stranger, other_centre)

    assert anonymous.get(url).status_code == 401
    for refused in (colleague, stranger):
        answer = refused.get(url)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/json"
        assert "PLANTED" not in answer.text
        assert answer.json() == {"error": "Ce cas n'existe pas, ou vous n'y avez pas accès."}
    missing = colleague.get(f"/console/cases/{case_id + 100}/thread.json")
    assert (missing.status_code, missing.json()) == (404, answer.json())
    assert "PLANTED-thread-secret" in supervisor.get(url).text
    assert "PLANTED-thread-secret" in holder.get(url).text
    with sessions() as session:
        refusals = audit_actions(session, "forbidden")
        assert [(e.username, e.case_id) for e in refusals] == [("bob", case_id), ("tess", case_id)]
        # Polls are not views: the audit log keeps the page's (after the claim), not a line
        # every 3 seconds.
        assert len(audit_actions(session, "case_view")) == 1


def test_a_failed_delivery_shows_on_the_page_live_and_in_the_queue(
    new_client, sessions, box, alice, sam
) -> None:
    client = new_client()
    case_id = claimed_case(client, sessions, box, alice)
    post(client, f"/console/cases/{case_id}/reply", text="Votre rendez-vous est lundi.")
    url = f"/console/cases/{case_id}/thread.json"
    (entry,) = client.get(url).json()["entries"][1:]
    assert 'data-delivery="queued"' in entry["html"] and "En file d&#39;envoi" in entry["html"]
    assert (
        client.get(url, params={"after": entry["id"], "queued": entry["id"]}).json()["changed"]
        == []
    )

    outbox = Outbox(sessions, box, "replica-a")
    (row,) = [pending.id for batch in outbox.claim(10) for pending in batch]
    outbox.dead(row, REJECTED, tried=True)
    data = client.get(url, params={"after": entry["id"], "queued": f"{entry['id']},x"}).json()

    assert data["entries"] == []
    (changed,) = data["changed"]
    assert changed["id"] == entry["id"] and 'data-delivery="failed"' in changed["html"]
    assert "Non remis : Telegram a refusé le message" in changed["html"]
    assert (
        "Non remis : Telegram a refusé le message" in client.get(f"/console/cases/{case_id}").text
    )
    assert "1 message non remis" in client.get("/console/").text
    mine = client.get("/console/queue.json").json()["mine"]
    assert mine == [{"id": case_id, "awaiting_reply": False, "failed_deliveries": 1}]

    supervisor, elsewhere = new_client(), new_client()
    login(supervisor, sam)
    login(elsewhere, make_account(sessions, box, "tess", role="supervisor", centre="tunis-demo"))
    link = f'<a href="/console/cases/{case_id}">Cas n° {case_id}</a>'
    assert link in supervisor.get("/console/dead-letters").text
    assert link not in elsewhere.get("/console/dead-letters").text


def test_in_arabic_names_and_times_are_set_apart(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice)
    post(client, f"/console/cases/{case_id}/reply", text="مرحبا")

    page = client.get(f"/console/cases/{case_id}", params={"lang": "ar"}).text
    (_, reply) = client.get(f"/console/cases/{case_id}/thread.json").json()["entries"]

    assert '<html lang="ar" dir="rtl">' in page
    for html in (page, reply["html"]):
        assert "<bdi>alice</bdi>" in html
        assert re.search(r"<bdi>[^<]*UTC</bdi>", html)
    assert "في انتظار الإرسال" in reply["html"]  # the delivery state, in the reader's language
