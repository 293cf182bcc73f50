"""The name a caseworker shows people, and how their messages reach the person: from a
caseworker of the centre, with that name and the centre's word for the role, never the
account's username; right to left in Arabic."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.centres import CentreDirectory
from bot.console.signature import signed
from bot.i18n.bidi import FSI, PDI, isolate_ltr
from bot.storage.keys import unseal
from bot.storage.models import Caseworker, OutboxMessage
from tests.console.helpers import audit_actions, login, post
from tests.console.test_cases import claimed_case


@pytest.fixture
def centres(centres: CentreDirectory) -> CentreDirectory:
    """The shipped centres, Dakar's caseworkers called "référente" in French."""
    dakar = replace(centres.get("dakar-demo"), caseworker_title={"fr": "référente"})
    return CentreDirectory([dakar if c.code == dakar.code else c for c in centres])


def sent(sessions, box) -> list[str]:
    with sessions() as session:
        rows = session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        return [unseal(box, row.body) for row in rows]


def test_a_caseworker_chooses_the_name_people_see(client, sessions, box, alice) -> None:
    login(client, alice)
    assert 'value=""' in client.get("/console/profile").text

    page = post(client, "/console/profile", display_name="  Amina   Diallo ")

    assert page.url.path == "/console/profile"
    assert "Profil enregistré." in page.text
    assert 'value="Amina Diallo"' in page.text
    assert "Amina Diallo (référente) : …" in page.text
    with sessions() as session:
        assert session.get(Caseworker, alice.id).display_name == "Amina Diallo"
        assert [e.username for e in audit_actions(session, "profile_updated")] == ["alice"]

    cleared = post(client, "/console/profile", display_name="")
    assert "Référente : …" in cleared.text
    with sessions() as session:
        assert session.get(Caseworker, alice.id).display_name is None


def test_a_name_on_several_lines_or_too_long_is_refused(client, sessions, box, alice) -> None:
    login(client, alice)

    for typed in ("A" * 41, "Amina\x07"):
        page = post(client, "/console/profile", display_name=typed)
        assert page.status_code == 400
        assert "Le nom doit tenir sur une ligne de 40 caractères au plus." in page.text
    with sessions() as session:
        assert session.get(Caseworker, alice.id).display_name is None


def test_replies_are_signed_with_the_name_and_the_centres_title(
    client, sessions, box, alice
) -> None:
    with sessions.begin() as session:
        session.get(Caseworker, alice.id).display_name = "Amina"
    case_id = claimed_case(client, sessions, box, alice)
    post(client, f"/console/cases/{case_id}/reply", text="Bonjour !")

    assert sent(sessions, box) == ["Amina (référente) : Bonjour !"]
    assert "alice" not in sent(sessions, box)[0]


def test_in_arabic_the_heading_is_translated_and_the_name_isolated(centres) -> None:
    rabat = replace(centres.get("rabat-demo"), caseworker_title={})

    arabic = signed("مرحبا", "Amina", rabat, "ar", True)
    english = signed("Hello", None, rabat, "en", False)
    spanish = signed(
        "Hola", "Amina", replace(rabat, caseworker_title={"es": "gestora"}), "es", False
    )

    assert arabic.startswith(f"{FSI}Amina{PDI} (موظف المتابعة)")
    assert arabic.endswith("مرحبا")
    # The outbox isolates Latin runs in Arabic replies: the name's isolate is kept as it is.
    assert isolate_ltr(arabic).count("Amina") == 1 and f"{FSI}Amina{PDI}" in isolate_ltr(arabic)
    assert english == "Caseworker: Hello"
    assert spanish == "Amina (gestora): Hola"
