"""Sending from the case page: with the page's script (JSON answers) and without it (the page
again), and what was typed coming back whenever the action is refused."""

from __future__ import annotations

from datetime import datetime

from markupsafe import escape

from bot.storage import cases
from bot.storage.models import Case
from tests.console.helpers import audit_actions, csrf
from tests.console.test_cases import claimed_case

DRAFT = "Bonjour, voici l'adresse <du centre> & l'heure"
SCRIPT = {"Accept": "application/json"}


def send(client, case_id: int, action: str, script: bool = False, **fields: str):
    data = {"csrf": csrf(client), **fields}
    return client.post(
        f"/console/cases/{case_id}/{action}", data=data, headers=SCRIPT if script else {}
    )


def cancelled_by_the_person(sessions, box, case_id: int) -> None:
    """/stop while the caseworker types, as the gateway records it."""
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        cases.close(session, box, case, "cancelled", "", datetime.utcnow())


def test_the_script_gets_json_and_the_reply_is_in_the_thread(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice)

    answer = send(client, case_id, "reply", script=True, text=DRAFT)
    note = send(client, case_id, "note", script=True, text="À rappeler lundi")

    assert answer.status_code == 200
    assert answer.json() == {
        "ok": True,
        "notice": "Réponse envoyée. Elle part par le bot dans quelques secondes.",
    }
    assert note.json() == {"ok": True, "notice": "Note enregistrée."}
    with sessions() as session:
        thread = [(e.kind, e.text) for e in cases.thread(session, box, case_id)][1:]
    assert thread == [(cases.FROM_CASEWORKER, DRAFT), (cases.NOTE, "À rappeler lundi")]


def test_a_refusal_answers_the_script_with_the_reason(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice)

    empty = send(client, case_id, "reply", script=True, text="  ")
    cancelled_by_the_person(sessions, box, case_id)
    closed = send(client, case_id, "reply", script=True, text=DRAFT)

    assert (empty.status_code, empty.json()["ok"]) == (400, False)
    assert empty.json()["error"] == "Le texte est vide."
    assert closed.status_code == 409
    assert closed.json() == {"ok": False, "error": "Ce cas n'est plus ouvert."}


def test_without_script_a_reply_to_a_case_the_person_cancelled_comes_back(
    client, sessions, box, alice
) -> None:
    case_id = claimed_case(client, sessions, box, alice)
    cancelled_by_the_person(sessions, box, case_id)

    page = send(client, case_id, "reply", text=DRAFT)

    assert page.status_code == 409
    assert '<p class="notice error" role="alert">Ce cas n&#39;est plus ouvert.</p>' in page.text
    assert f"readonly>{escape(DRAFT)}</textarea>" in page.text
    with sessions() as session:
        assert [e.kind for e in cases.thread(session, box, case_id)] == [cases.SYSTEM]


def test_without_script_a_reply_to_a_case_transferred_away_comes_back(
    client, sessions, box, alice, bob
) -> None:
    case_id = claimed_case(client, sessions, box, alice)
    with sessions.begin() as session:
        session.get(Case, case_id).claimed_by = bob.id

    page = send(client, case_id, "note", text=DRAFT)
    script = send(client, case_id, "reply", script=True, text=DRAFT)

    # Answered as for any case out of reach, with the caseworker's own text to copy.
    assert page.status_code == 404
    assert "Ce cas n&#39;existe pas, ou vous n&#39;y avez pas accès." in page.text
    assert f"readonly>{escape(DRAFT)}</textarea>" in page.text
    assert script.status_code == 404
    assert script.json() == {"error": "Ce cas n'existe pas, ou vous n'y avez pas accès."}
    with sessions() as session:
        assert [e.case_id for e in audit_actions(session, "forbidden")] == [case_id, case_id]
        assert [e.kind for e in cases.thread(session, box, case_id)] == [cases.SYSTEM]


def test_a_close_that_fails_validation_keeps_what_was_chosen_and_typed(
    client, sessions, box, alice
) -> None:
    case_id = claimed_case(client, sessions, box, alice)

    page = send(client, case_id, "close", outcome="referred", detail="", confirm="1")
    too_long = send(client, case_id, "close", outcome="assisted", detail="x" * 501, confirm="1")
    unconfirmed = send(client, case_id, "close", outcome="assisted", detail="fait")

    assert page.status_code == 400
    assert "Choisissez une issue. Pour une orientation, précisez le service." in page.text
    assert '<option value="referred" selected>' in page.text
    assert too_long.status_code == 400
    assert f'value="{"x" * 501}"' in too_long.text
    assert '<option value="assisted" selected>' in too_long.text
    assert unconfirmed.status_code == 400
    assert "Cochez la case de confirmation pour continuer." in unconfirmed.text
    assert 'value="fait"' in unconfirmed.text
    with sessions() as session:
        assert session.get(Case, case_id).status == cases.CLAIMED


def test_a_too_long_reply_comes_back_in_its_box(client, sessions, box, alice) -> None:
    case_id = claimed_case(client, sessions, box, alice)

    page = send(client, case_id, "reply", text="x" * 4001)

    assert page.status_code == 400
    assert "Le texte est trop long." in page.text
    assert f'aria-describedby="reply-keys reply-result">{"x" * 4001}</textarea>' in page.text
