"""Cases in progress (issue 19): supervisors see every claimed case of their centre with its
holder and how long each side has been silent, admins every centre's; a supervisor reassigns a
case in one step, written in its thread and audited; the case page says who holds it and when
it last changed hands."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.console.in_progress import handed_over_at
from bot.storage import cases
from bot.storage.models import Case, CaseMessage
from tests.console.helpers import audit_actions, login, make_account, post, queued_case


def held_case(new_client, sessions, box, account, **case) -> int:
    """A case ``account`` claimed, through the console as they would."""
    case_id = queued_case(sessions, box, pseudonym=f"{account.username:x<32}", **case)
    holder = new_client()
    login(holder, account)
    post(holder, f"/console/cases/{case_id}/claim")
    return case_id


def write(sessions, box, case_id: int, kind: str, ago: timedelta) -> None:
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        cases.add_message(session, box, case, kind, "…", datetime.utcnow() - ago)


def test_a_supervisor_sees_who_holds_each_case_of_the_centre_and_since_when(
    new_client, sessions, box, alice, bob, sam
) -> None:
    mine = held_case(new_client, sessions, box, alice, priority=cases.URGENT)
    quiet = held_case(new_client, sessions, box, bob)
    rabat_worker = make_account(sessions, box, "rabia", centre="rabat-demo")
    elsewhere = held_case(new_client, sessions, box, rabat_worker, centre="rabat-demo")
    write(sessions, box, mine, cases.FROM_CASEWORKER, timedelta(hours=3))
    write(sessions, box, mine, cases.FROM_PERSON, timedelta(minutes=20))
    client = new_client()
    login(client, sam)

    page = client.get("/console/in-progress")

    assert page.status_code == 200
    text = page.text
    assert f"Cas n° {mine}" in text and f"Cas n° {quiet}" not in text.split(f"Cas n° {mine}")[0]
    assert f"Cas n° {elsewhere}" not in text and "rabia" not in text
    first, second = text.split(f"Cas n° {quiet}")
    assert "alice" in first and "bob" in second  # the urgent case comes first
    assert "20\xa0min" in first and "3\u202fh" in first  # Babel's French spaces
    assert "Attend une réponse" in first and "Attend une réponse" not in second
    assert f'action="/console/cases/{mine}/reassign"' in text


def test_an_admin_sees_every_centre_and_a_caseworker_is_refused(
    new_client, sessions, box, alice, ada
) -> None:
    rabat_worker = make_account(sessions, box, "rabia", centre="rabat-demo")
    dakar = held_case(new_client, sessions, box, alice)
    rabat = held_case(new_client, sessions, box, rabat_worker, centre="rabat-demo")
    admin, caseworker = new_client(), new_client()
    login(admin, ada)
    login(caseworker, alice)

    shown = admin.get("/console/in-progress").text
    refused = caseworker.get("/console/in-progress")
    reassign = post(caseworker, f"/console/cases/{dakar}/reassign", to_caseworker="alice")

    assert f"Cas n° {dakar}" in shown and f"Cas n° {rabat}" in shown
    assert (refused.status_code, reassign.status_code) == (403, 403)
    assert "Cas en cours" not in caseworker.get("/console/").text  # no link either
    with sessions() as session:
        assert len(audit_actions(session, "forbidden")) == 2


def test_a_supervisor_reassigns_a_case_in_one_step(new_client, sessions, box, alice, bob, sam):
    case_id = held_case(new_client, sessions, box, alice)
    client = new_client()
    login(client, sam)

    page = post(client, f"/console/cases/{case_id}/reassign", to_caseworker="bob")

    assert page.url.path == "/console/in-progress"
    assert "Cas réattribué." in page.text
    with sessions() as session:
        case = session.get(Case, case_id)
        assert case.claimed_by == bob.id and case.status == cases.CLAIMED
        (entry,) = audit_actions(session, "reassign")
        assert (entry.username, entry.case_id, entry.detail) == (
            "sam",
            case_id,
            "from alice to bob",
        )
        events = [
            cases.read_event(e.text)
            for e in cases.thread(session, box, case_id)
            if e.kind == "system"
        ]
    assert events[-1] == (cases.REASSIGNED_EVENT, {"by": "sam", "holder": "alice", "to": "bob"})
    case_page = client.get(f"/console/cases/{case_id}").text
    assert "Réattribué par sam : de alice à bob." in case_page
    assert "Suivi par" in case_page and "Dernier transfert" in case_page


def test_a_case_goes_only_to_an_active_caseworker_of_its_centre(
    new_client, sessions, box, alice, sam, ada
) -> None:
    case_id = held_case(new_client, sessions, box, alice)
    make_account(sessions, box, "rabia", centre="rabat-demo")
    client = new_client()
    login(client, sam)

    for target in ("rabia", "ada", "alice", "nobody"):
        post(client, f"/console/cases/{case_id}/reassign", to_caseworker=target)

    with sessions() as session:
        assert session.get(Case, case_id).claimed_by == alice.id
        refused = [e.detail for e in audit_actions(session, "reassign_refused")]
    assert refused == ["to rabia", "to ada", "to alice", "to nobody"]


def test_a_supervisor_cannot_reassign_another_centres_case(new_client, sessions, box, sam):
    rabat_worker = make_account(sessions, box, "rabia", centre="rabat-demo")
    make_account(sessions, box, "rachid", centre="rabat-demo")
    case_id = held_case(new_client, sessions, box, rabat_worker, centre="rabat-demo")
    client = new_client()
    login(client, sam)

    answer = post(client, f"/console/cases/{case_id}/reassign", to_caseworker="rachid")

    assert answer.status_code == 404
    with sessions() as session:
        assert session.get(Case, case_id).claimed_by == rabat_worker.id
        assert [e.case_id for e in audit_actions(session, "forbidden")] == [case_id]


def test_a_closed_case_is_not_reassigned(new_client, sessions, box, alice, bob, sam) -> None:
    case_id = held_case(new_client, sessions, box, alice)
    with sessions.begin() as session:
        cases.close(session, box, session.get(Case, case_id), "assisted", "", datetime.utcnow())
    client = new_client()
    login(client, sam)

    page = post(client, f"/console/cases/{case_id}/reassign", to_caseworker="bob")

    assert "Ce cas n&#39;est plus ouvert." in page.text
    with sessions() as session:
        assert session.get(Case, case_id).claimed_by == alice.id
        assert audit_actions(session, "reassign") == []


def test_the_case_page_shows_the_holder_and_the_last_handover_not_the_first_claim(
    new_client, sessions, box, alice, bob
) -> None:
    case_id = held_case(new_client, sessions, box, alice)
    holder = new_client()
    login(holder, alice)

    before = holder.get(f"/console/cases/{case_id}").text
    post(holder, f"/console/cases/{case_id}/transfer", to_caseworker="bob")
    reader = new_client()
    login(reader, bob)
    after = reader.get(f"/console/cases/{case_id}").text

    assert "Suivi par</dt><dd><bdi>alice</bdi>" in before and "Dernier transfert" not in before
    assert "Suivi par</dt><dd><bdi>bob</bdi>" in after and "Dernier transfert" in after


def thread_of(*events: tuple[str, int]) -> list[cases.ThreadEntry]:
    start = datetime(2026, 1, 1)
    return [
        cases.ThreadEntry(
            number, cases.SYSTEM, f'{{"event": "{name}"}}', start + timedelta(hours=h), None
        )
        for number, (name, h) in enumerate(events, 1)
    ]


def test_a_handover_counts_until_the_case_goes_back_to_the_queue() -> None:
    transferred = thread_of(("claimed", 0), ("transferred", 1), ("reassigned", 2))
    requeued = thread_of(("claimed", 0), ("transferred", 1), ("requeued", 2), ("claimed", 3))

    assert handed_over_at(transferred) == datetime(2026, 1, 1, 2)
    assert handed_over_at(requeued) is None
    assert handed_over_at(thread_of(("claimed", 0))) is None


def test_the_list_reads_no_message_text(new_client, sessions, box, alice, sam) -> None:
    case_id = held_case(new_client, sessions, box, alice)
    with sessions.begin() as session:
        session.add(
            CaseMessage(case_id=case_id, kind=cases.FROM_PERSON, body=b"not a token")
        )  # an unreadable body would raise if the page decrypted it
    client = new_client()
    login(client, sam)

    assert client.get("/console/in-progress").status_code == 200
