"""The assessment's results name services in the person's town, whatever script they typed."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.orm import sessionmaker

from bot import directory
from bot.centres import CentreDirectory
from bot.gateway.assessment import Who, services_near


@pytest.fixture
def loaded(sessions: sessionmaker, centres: CentreDirectory) -> sessionmaker:
    """The shipped directory, plus a health service in Salé beside Rabat's."""
    entries = directory.load_services(directory.DEFAULT_SERVICES_FILE, centres)
    rabat = next(entry for entry in entries if entry.id == "rabat-sante-exemple")
    sale = dataclasses.replace(
        rabat, id="sale-sante-test", region="Salé", name_translations={"ar": "مستوصف سلا"}
    )
    with sessions.begin() as session:
        directory.import_services(session, [*entries, sale])
    return sessions


@pytest.mark.parametrize("typed", ["سلا", "Sla", "sale", "Salé"])
def test_a_town_typed_in_any_script_gives_its_services(loaded, centres, typed: str) -> None:
    who = Who("p", "ar", "rabat-demo")
    with loaded() as session:
        cards = services_near(session, centres, who, ["info_health", "info_housing_food"], typed)

    assert [card.split("\n")[0] for card in cards] == [
        "مستوصف سلا",
        "جمعية المثال في سلا — الإيواء والمساعدة الغذائية (وهمية)",
    ]
    assert "الشروط: العائدون منذ أقل من ستة أشهر" in cards[1]


def test_an_arabic_speaker_in_rabat_gets_arabic_names_and_notes(loaded, centres) -> None:
    who = Who("p", "ar", "rabat-demo")
    with loaded() as session:
        cards = services_near(session, centres, who, ["info_health", "info_psychosocial"], "الرباط")

    assert [card.split("\n")[0] for card in cards] == [
        "المركز الصحي النموذجي في أكدال (وهمي)",
        "فضاء الإنصات النموذجي في الرباط (وهمي)",
    ]
    assert all("Exemple" not in card for card in cards)


def test_an_unknown_town_falls_back_on_the_centre_s_services(loaded, centres) -> None:
    who = Who("p", "fr", "rabat-demo")
    with loaded() as session:
        cards = services_near(session, centres, who, ["info_health"], "Tanger")

    assert {card.split("\n")[0] for card in cards} == {
        "Centre de santé Exemple Agdal (fictif)",
    }
    assert len(cards) == 2, "every health service of the centre"
