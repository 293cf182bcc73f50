"""Reopening a closed case (issues 18 and 19): a supervisor of the case's centre holds the case
again, an admin sends it back to the queue; a ``reopened`` line goes into the thread and the
audit log; an erased case never reopens, nor one whose person has another request open; a
caseworker and another centre's supervisor are refused."""

from __future__ import annotations

from datetime import datetime

from bot.console.case_words import thread_text
from bot.storage import cases
from bot.storage.models import Case, OutboxMessage
from tests.console.helpers import audit_actions, login, make_account, post, queued_case


def closed(sessions, box, outcome: str = "assisted", pseudonym: str = "p" * 32) -> int:
    case_id = queued_case(sessions, box, pseudonym=pseudonym)
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        cases.close(session, box, case, outcome, "détail", datetime.utcnow())
    return case_id


def events(sessions, box, case_id: int) -> list:
    with sessions() as session:
        return [
            cases.read_event(e.text)
            for e in cases.thread(session, box, case_id)
            if e.kind == cases.SYSTEM
        ]


def test_a_supervisor_reopens_a_closed_case_and_holds_it(new_client, sessions, box, sam):
    case_id = closed(sessions, box)
    client = new_client()
    login(client, sam)

    unconfirmed = post(client, f"/console/cases/{case_id}/reopen")
    page = post(client, f"/console/cases/{case_id}/reopen", confirm="1")

    assert "Cochez la case de confirmation" in unconfirmed.text
    assert "Cas rouvert." in page.text and "Rouvert par sam." in page.text
    assert 'id="reply"' in page.text  # sam may write to the person at once
    with sessions() as session:
        case = session.get(Case, case_id)
        assert (case.status, case.claimed_by, case.outcome, case.closed_at) == (
            cases.CLAIMED, sam.id, None, None,
        )  # fmt: skip
        assert case.outcome_detail is None
        (entry,) = audit_actions(session, "reopen")
        assert (entry.username, entry.case_id, entry.detail) == ("sam", case_id, "claimed")
        assert [e.detail for e in audit_actions(session, "reopen_refused")] == ["confirm_needed"]
        assert session.query(OutboxMessage).count() == 1  # the person is told
    assert events(sessions, box, case_id)[-1] == (cases.REOPENED_EVENT, {"by": "sam"})


def test_an_admin_sends_a_reopened_case_back_to_the_queue(new_client, sessions, box, ada):
    case_id = closed(sessions, box, outcome="cancelled")
    client = new_client()
    login(client, ada)

    post(client, f"/console/cases/{case_id}/reopen", confirm="1")

    with sessions() as session:
        case = session.get(Case, case_id)
        assert (case.status, case.claimed_by) == (cases.QUEUED, None)
        assert [e.detail for e in audit_actions(session, "reopen")] == ["queued"]


def test_an_erased_case_never_reopens_nor_one_whose_person_has_another_open(
    new_client, sessions, box, sam
) -> None:
    erased = closed(sessions, box, outcome="erased", pseudonym="e" * 32)
    with sessions.begin() as session:
        session.get(Case, erased).pseudonym = None
    busy = closed(sessions, box, pseudonym="b" * 32)
    queued_case(sessions, box, pseudonym="b" * 32)
    client = new_client()
    login(client, sam)

    erased_page = client.get(f"/console/cases/{erased}").text
    post(client, f"/console/cases/{erased}/reopen", confirm="1")
    busy_page = post(client, f"/console/cases/{busy}/reopen", confirm="1").text

    assert "la personne a effacé ses données" in erased_page
    assert f'action="/console/cases/{erased}/reopen"' not in erased_page
    assert "la personne a déjà une autre demande en cours" in busy_page
    with sessions() as session:
        assert session.get(Case, erased).status == cases.CLOSED
        assert session.get(Case, busy).status == cases.CLOSED
        refused = [e.detail for e in audit_actions(session, "reopen_refused")]
    assert refused == ["erased_never_reopens", "other_case_open"]


def test_a_caseworker_and_another_centre_supervisor_cannot_reopen(
    new_client, sessions, box, alice
) -> None:
    case_id = closed(sessions, box)
    rabat = make_account(sessions, box, "rasha", role="supervisor", centre="rabat-demo")
    caseworker, other = new_client(), new_client()
    login(caseworker, alice)
    login(other, rabat)

    statuses = [
        post(caseworker, f"/console/cases/{case_id}/reopen", confirm="1").status_code,
        post(other, f"/console/cases/{case_id}/reopen", confirm="1").status_code,
    ]

    assert statuses == [403, 404]
    with sessions() as session:
        assert session.get(Case, case_id).status == cases.CLOSED


def test_the_reopened_line_is_in_every_interface_language() -> None:
    entry = cases.ThreadEntry(1, cases.SYSTEM, '{"event": "reopened", "by": "sam"}', None, None)

    shown = {lang: thread_text(entry, lang, str) for lang in ("fr", "en", "ar", "es")}

    assert shown["fr"] == "Rouvert par sam."
    assert len(set(shown.values())) == 4 and all("sam" in text for text in shown.values())
