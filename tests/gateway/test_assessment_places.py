"""The assessment's town question offers towns (countries first without a centre), and its
results name services in the person's town, whatever script they typed."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.fernet import MultiFernet
from sqlalchemy.orm import sessionmaker

from bot import directory
from bot.centres import CentreDirectory
from bot.gateway.assessment import AssessmentFlow, Who, services_near
from bot.gateway.crisis import CrisisHelp
from bot.nlg.render import Renderer
from bot.questionnaire import engine
from bot.questionnaire.definition import load_definition
from bot.storage import repository
from bot.storage.keys import seal, unseal
from bot.storage.models import Assessment


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


DEFINITION = load_definition()


@pytest.fixture
def flow(sessions, box: MultiFernet, centres, renderer: Renderer, crisis: CrisisHelp):
    return AssessmentFlow(DEFINITION, sessions, box, centres, renderer, crisis)


def at_the_town_question(sessions: sessionmaker, box: MultiFernet, who: Who) -> int:
    """An assessment of ``who`` waiting for the town; its id."""
    progress = engine.start(DEFINITION)
    while progress.current != "prof_town":
        progress = engine.skip(DEFINITION, progress, progress.current)
    with sessions.begin() as session:
        assessment = repository.create_assessment(
            session, who.pseudonym, DEFINITION.version, seal(box, progress.as_json())
        )
        return assessment.id


def town_answer(sessions: sessionmaker, box: MultiFernet, assessment_id: int) -> str:
    with sessions() as session:
        assessment = session.get(Assessment, assessment_id)
        return engine.Progress.from_json(unseal(box, assessment.progress)).answers["prof_town"]


async def test_the_town_question_offers_the_centre_s_towns_in_arabic(
    flow: AssessmentFlow, sessions, box
) -> None:
    who = Who("t-1", "ar", "rabat-demo")
    assessment_id = at_the_town_question(sessions, box, who)

    (question,) = await flow.button(who, f"a:{assessment_id}:resume")
    towns = dict(question.buttons)
    assert list(towns)[:2] == ["الرباط", "سلا"]
    assert all(len(payload.encode()) <= 64 for payload in towns.values())

    await flow.button(who, towns["سلا"])
    assert town_answer(sessions, box, assessment_id) == "Salé"


async def test_without_a_centre_the_town_question_asks_the_country_first(
    flow: AssessmentFlow, sessions, box
) -> None:
    who = Who("t-2", "es", None)
    assessment_id = at_the_town_question(sessions, box, who)

    (question,) = await flow.button(who, f"a:{assessment_id}:resume")
    countries = dict(question.buttons)
    assert list(countries)[:3] == ["Senegal", "Marruecos", "Túnez"]

    (again,) = await flow.button(who, countries["Marruecos"])
    assert again.text == question.text
    towns = dict(again.buttons)
    assert list(towns)[:2] == ["Rabat", "Salé"] and "Dakar" not in towns
    await flow.button(who, towns["Rabat"])
    assert town_answer(sessions, box, assessment_id) == "Rabat"


async def test_a_forged_town_button_records_nothing(flow: AssessmentFlow, sessions, box) -> None:
    who = Who("t-3", "fr", "dakar-demo")
    assessment_id = at_the_town_question(sessions, box, who)

    (question,) = await flow.button(who, f"a:{assessment_id}:prof_town:@0123456789")

    assert "Dakar" in dict(question.buttons)
    with sessions() as session:
        progress = unseal(box, session.get(Assessment, assessment_id).progress)
    assert "prof_town" not in engine.Progress.from_json(progress).answers
