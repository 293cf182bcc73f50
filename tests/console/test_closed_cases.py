"""Closed cases found again (issue 19): supervisors of the centre and admins search by number,
closing dates, outcome and label; the list shows no personal data; caseworkers are refused."""

from __future__ import annotations

from datetime import datetime

from bot.console.routes.closed_cases import MAX_RESULTS
from bot.storage import cases, labels
from bot.storage.models import Case, Label
from tests.console.helpers import login, queued_case

PACKET = {"language": "fr", "situation": "Secret de la personne"}


def closed_case(
    sessions, box, outcome: str = "assisted", closed: str = "2026-11-10", centre="dakar-demo",
    pseudonym: str = "p" * 32,
) -> int:  # fmt: skip
    case_id = queued_case(sessions, box, PACKET, pseudonym=pseudonym, centre=centre)
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        cases.close(session, box, case, outcome, "", datetime.fromisoformat(closed + "T12:00"))
    return case_id


def numbers(page: str) -> list[int]:
    rows = page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""
    return [int(part.split("<")[0]) for part in rows.split("Cas n° ")[1:]]


def test_search_by_number_dates_outcome_and_label(new_client, sessions, box, sam) -> None:
    november = closed_case(sessions, box, "assisted", "2026-11-10")
    december = closed_case(sessions, box, "referred", "2026-12-01")
    rabat = closed_case(sessions, box, "assisted", "2026-11-10", centre="rabat-demo")
    still_open = queued_case(sessions, box, pseudonym="q" * 32)
    with sessions.begin() as session:
        label = Label(centre_code="dakar-demo", name="logement")
        session.add(label)
        session.flush()
        labels.put_on(session, december, label.id)
        label_id = label.id
    client = new_client()
    login(client, sam)

    def search(**query: str) -> list[int]:
        page = client.get("/console/closed-cases", params=query)
        assert page.status_code == 200
        return numbers(page.text)

    assert search() == [december, november]
    assert rabat not in search() and still_open not in search()
    assert search(number=str(november)) == [november]
    assert search(number=str(rabat)) == []
    assert search(**{"from": "2026-11-30"}) == [december]
    assert search(to="2026-11-10") == [november]
    assert search(outcome="referred") == [december]
    assert search(label=str(label_id)) == [december]
    page = client.get("/console/closed-cases").text
    assert "Secret de la personne" not in page and "logement" in page


def test_results_are_capped_with_a_word_to_refine(new_client, sessions, box, ada) -> None:
    for n in range(MAX_RESULTS + 1):
        closed_case(sessions, box, pseudonym=f"{n:0>32}")
    client = new_client()
    login(client, ada)

    page = client.get("/console/closed-cases").text

    assert len(numbers(page)) == MAX_RESULTS
    assert "affinez votre recherche" in page


def test_a_caseworker_cannot_search(new_client, alice) -> None:
    client = new_client()
    login(client, alice)

    assert client.get("/console/closed-cases").status_code == 403
