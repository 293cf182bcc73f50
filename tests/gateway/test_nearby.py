"""Services near the person, from the directory: by the town named, or one tap on a town."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.orm import sessionmaker

from bot import directory
from bot.centres import CentreDirectory
from bot.gateway import nearby as texts
from bot.gateway.assessment import Who
from bot.gateway.conversation import Conversation, Turn
from bot.gateway.nearby import NearbyServices
from bot.gateway.replies import merged
from bot.i18n import translate
from bot.i18n.bidi import LRI, PDI
from bot.settings import PROJECT_ROOT


@pytest.fixture
def nearby(sessions: sessionmaker, centres: CentreDirectory) -> NearbyServices:
    entries = directory.load_services(PROJECT_ROOT / "data" / "services.yml", centres)
    with sessions.begin() as session:
        directory.import_services(session, entries)
    return NearbyServices(sessions, centres)


DAKAR = Who("p", "fr", "dakar-demo")
RABAT_AR = Who("p", "ar", "rabat-demo")
NOWHERE_ES = Who("p", "es", None)


async def test_a_town_in_the_message_lists_its_services(nearby: NearbyServices) -> None:
    (reply,) = await nearby.after_answer(DAKAR, "info_health", "ou se soigner a thies ?")

    assert reply.text.startswith(translate("fr", texts.HERE, {"region": "Thiès"}))
    assert "Dakar" not in reply.text.split("\n")[0]


async def test_without_a_town_the_person_picks_one(nearby: NearbyServices) -> None:
    (ask,) = await nearby.after_answer(DAKAR, "info_health", "j'ai besoin d'un docteur")

    assert ask.text == translate("fr", texts.WHERE)
    assert [title for title, _ in ask.buttons] == ["Dakar", "Thiès"]
    (listed,) = await nearby.button(DAKAR, dict(ask.buttons)["Thiès"])
    assert listed.text.startswith(translate("fr", texts.HERE, {"region": "Thiès"}))


async def test_topics_without_services_add_nothing(nearby: NearbyServices) -> None:
    assert await nearby.after_answer(DAKAR, "info_privacy", "mes données ?") == []


async def test_an_unknown_town_button_says_so(nearby: NearbyServices) -> None:
    (reply,) = await nearby.button(DAKAR, "s:info_health:nowhere")

    assert reply.text == translate("fr", texts.NONE_HERE)


LONG = "Grand Tunis (Tunis, Ariana, Ben Arous, Manouba) et les délégations de la banlieue sud"
ARABIC = "عمالة سلا - جهة الرباط سلا القنيطرة"


@pytest.fixture
def towns(sessions: sessionmaker, centres: CentreDirectory) -> NearbyServices:
    """Two services in towns whose names are long, one in Arabic."""
    entries = directory.load_services(PROJECT_ROOT / "data" / "services.yml", centres)
    first = next(e for e in entries if e.centre == "dakar-demo" and e.category == "info_health")
    moved = [
        dataclasses.replace(first, id="long-town", region=LONG),
        dataclasses.replace(first, id="arabic-town", region=ARABIC),
    ]
    with sessions.begin() as session:
        directory.import_services(session, moved)
    return NearbyServices(sessions, centres)


async def test_town_buttons_carry_a_short_id_whatever_the_name(towns: NearbyServices) -> None:
    (ask,) = await towns.after_answer(DAKAR, "info_health", "j'ai besoin d'un docteur")

    assert {title for title, _ in ask.buttons} == {LONG, ARABIC}
    for title, payload in ask.buttons:
        assert payload == f"s:info_health:{directory.region_id(title)}"
        assert len(payload.encode()) <= 64
        assert title not in payload
        (listed,) = await towns.button(DAKAR, payload)
        assert listed.text.startswith(translate("fr", texts.HERE, {"region": title}))


async def test_a_button_sent_before_regions_had_ids_still_works(nearby: NearbyServices) -> None:
    (listed,) = await nearby.button(DAKAR, "s:info_health:thies")

    assert listed.text.startswith(translate("fr", texts.HERE, {"region": "Thiès"}))


async def test_an_arabic_speaker_in_rabat_gets_arabic_names_and_notes(
    nearby: NearbyServices,
) -> None:
    (reply,) = await nearby.after_answer(RABAT_AR, "info_health", "وين نلقى طبيب فالرباط؟")

    assert reply.rtl
    assert reply.text.startswith(translate("ar", texts.HERE, {"region": "الرباط"}))
    assert "المركز الصحي النموذجي في أكدال (وهمي)" in reply.text
    assert "21 زنقة المثال، أكدال، الرباط" in reply.text
    assert "الشروط: مفتوح للجميع" in reply.text
    assert "Centre de santé" not in reply.text and "Ouvert à tous" not in reply.text


async def test_town_buttons_name_the_towns_in_the_reader_s_language(
    nearby: NearbyServices,
) -> None:
    (ask,) = await nearby.after_answer(Who("p", "ar", "dakar-demo"), "info_health", "طبيب")

    assert [title for title, _ in ask.buttons] == ["داكار", "تييس"]
    (listed,) = await nearby.button(Who("p", "ar", "dakar-demo"), dict(ask.buttons)["تييس"])
    assert listed.text.startswith(translate("ar", texts.HERE, {"region": "تييس"}))


@pytest.mark.parametrize(
    "typed", ["الرباط", "الربـــاط", "Rabat", "RBAT", "Ar-Ribat", "je suis à rabbat", "Rabta"]
)
async def test_a_town_is_found_in_any_script_spelling_and_with_one_typo(
    nearby: NearbyServices, typed: str
) -> None:
    (reply,) = await nearby.after_answer(Who("p", "fr", "rabat-demo"), "info_health", typed)

    assert reply.text.startswith(translate("fr", texts.HERE, {"region": "Rabat"}))


async def test_a_short_name_needs_its_spelling(nearby: NearbyServices) -> None:
    (ask,) = await nearby.after_answer(Who("p", "fr", "tunis-demo"), "info_health", "sfx")

    assert ask.text == translate("fr", texts.WHERE)


async def test_without_a_centre_the_person_chooses_the_country_first(
    nearby: NearbyServices,
) -> None:
    (ask,) = await nearby.after_answer(NOWHERE_ES, "info_health", "necesito un médico")

    assert ask.text == translate("es", texts.WHICH_COUNTRY)
    assert dict(ask.buttons) == {
        "Senegal": "s:info_health:SN",
        "Marruecos": "s:info_health:MA",
        "Túnez": "s:info_health:TN",
    }
    (towns,) = await nearby.button(NOWHERE_ES, "s:info_health:MA")
    assert towns.text == translate("es", texts.WHERE)
    assert [title for title, _ in towns.buttons] == ["Rabat"]
    (none,) = await nearby.button(NOWHERE_ES, "s:info_health:FR")
    assert none.text == translate("es", texts.NONE_HERE)


async def test_a_town_named_without_a_centre_needs_no_country(nearby: NearbyServices) -> None:
    (reply,) = await nearby.after_answer(NOWHERE_ES, "info_legal_documents", "vivo en tunez")

    assert reply.text.startswith(translate("es", texts.HERE, {"region": "Túnez"}))
    assert "Asesoría jurídica Ejemplo Lafayette (ficticia)" in reply.text
    assert "Ventanilla Ejemplo" not in reply.text  # Dakar's


async def test_the_country_chosen_gives_its_only_centre(
    offline_conversation: Conversation, people
) -> None:
    await offline_conversation.button(Turn("c-9", "es"), "s:info_health:TN")

    assert (await people.profile("c-9", "es")).centre == "tunis-demo"


async def test_a_french_name_in_an_arabic_reply_keeps_its_order(
    sessions: sessionmaker, centres: CentreDirectory
) -> None:
    """A service without an Arabic name: its French name is isolated in the Arabic text."""
    entries = directory.load_services(PROJECT_ROOT / "data" / "services.yml", centres)
    rabat = next(e for e in entries if e.id == "rabat-sante-exemple")
    with sessions.begin() as session:
        directory.import_services(session, [dataclasses.replace(rabat, name_translations={})])
    nearby = NearbyServices(sessions, centres)

    replies = await nearby.after_answer(RABAT_AR, "info_health", "الرباط")

    (message,) = merged(replies)
    assert f"{LRI}Centre de santé Exemple Agdal (fictif){PDI}" in message.text
    assert "الشروط: مفتوح للجميع" in message.text
