"""Services near the person, from the directory: by the town named, or one tap on a town."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.orm import sessionmaker

from bot import directory
from bot.centres import CentreDirectory
from bot.gateway import nearby as texts
from bot.gateway.assessment import Who
from bot.gateway.nearby import NearbyServices
from bot.i18n import translate
from bot.settings import PROJECT_ROOT


@pytest.fixture
def nearby(sessions: sessionmaker, centres: CentreDirectory) -> NearbyServices:
    entries = directory.load_services(PROJECT_ROOT / "data" / "services.yml", centres)
    with sessions.begin() as session:
        directory.import_services(session, entries)
    return NearbyServices(sessions)


DAKAR = Who("p", "fr", "dakar-demo")


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
    return NearbyServices(sessions)


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
