"""Towns: names per language, aliases in every script, typed towns found despite spelling."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.centres import CentreDirectory
from bot.directory import DEFAULT_SERVICES_FILE, load_services
from bot.settings import ConfigError
from bot.towns import Town, find_town, parse_towns, town_of_region

RABAT = Town("rabat-demo", {"fr": "Rabat", "ar": "الرباط"}, ("rbat", "Ar-Ribat"))
SALE = Town("rabat-demo", {"fr": "Salé", "ar": "سلا"}, ("Sla",))
CASABLANCA = Town("casa-demo", {"fr": "Casablanca", "ar": "الدار البيضاء"}, ("Casa", "Dar Beida"))
TOWNS = [RABAT, SALE, CASABLANCA]


@pytest.mark.parametrize(
    ("typed", "town"),
    [
        ("الرباط", RABAT),
        ("الربـاط", RABAT),  # tatweel
        ("Rabat", RABAT),
        ("RBAT", RABAT),
        ("ar ribat", RABAT),
        ("je vis à Salé maintenant", SALE),
        ("sale", SALE),
        ("سلا", SALE),
        ("الدار البيضاء", CASABLANCA),
        ("الدار البيضا", CASABLANCA),  # hamza left out
        ("Casablanac", CASABLANCA),  # two letters swapped
        ("casablnca", CASABLANCA),  # one missing
        ("الرباظ", RABAT),  # one wrong
        ("بالرباط", RABAT),  # "in Rabat", one letter more
    ],
)
def test_a_typed_town_is_found(typed: str, town: Town) -> None:
    assert find_town(typed, TOWNS) == town


@pytest.mark.parametrize("typed", ["Rbt", "Sle", "Paris", "les États-Unis", ""])
def test_short_names_need_their_spelling_and_others_are_not_guessed(typed: str) -> None:
    assert find_town(typed, TOWNS) is None


def test_a_near_spelling_of_two_towns_finds_neither() -> None:
    twins = [Town("a", {"fr": "Kabala"}), Town("b", {"fr": "Kabara"})]

    assert find_town("Kabaxa", twins) is None
    assert find_town("Kabala", twins) == twins[0]


def test_names_are_shown_in_the_reader_s_language_else_in_french() -> None:
    assert (RABAT.name_in("ar"), RABAT.name_in("es"), RABAT.name_in(None)) == (
        "الرباط",
        "Rabat",
        "Rabat",
    )


def test_a_region_names_a_town_by_any_exact_spelling() -> None:
    assert town_of_region("Ar-Ribat", TOWNS) == RABAT
    assert town_of_region("Rabta", TOWNS) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("Rabat", r"towns: must be a list"),
        ([{"aliases": ["rbat"]}], r"towns\[0\]\.name: is missing"),
        ([{"name": {"ar": "الرباط"}}], r"towns\[0\]\.name\.fr: is missing"),
        ([{"name": {"fr": "Rabat", "xx": "R"}}], r"towns\[0\]\.name\.xx: unknown language"),
        ([{"name": "Rabat", "alias": ["r"]}], r"towns\[0\]\.alias: unknown field"),
        ([{"name": "Rabat", "aliases": "rbat"}], r"towns\[0\]\.aliases: must be a list"),
        ([{"name": "Rabat", "aliases": ["--"]}], r"towns\[0\]\.aliases\[0\]: must be"),
        ([{"name": "Rabat"}, {"name": "Salé", "aliases": ["RABAT"]}], r"'rabat' also names"),
    ],
)
def test_errors_name_file_and_field(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        parse_towns(Path("centres.yml"), "centres[1] (rabat-demo).towns", raw, "rabat-demo")
    assert str(error.value).startswith("centres.yml: centres[1] (rabat-demo).towns")


def test_every_shipped_service_is_in_a_town_of_its_centre(centres: CentreDirectory) -> None:
    for entry in load_services(DEFAULT_SERVICES_FILE, centres):
        assert town_of_region(entry.region, centres.towns(entry.centre)), entry.id


@pytest.mark.parametrize("language", ["fr", "en", "ar", "es"])
def test_every_shipped_town_has_a_name_in_every_language(
    centres: CentreDirectory, language: str
) -> None:
    for town in centres.towns():
        assert town.names.get(language), (town.names, language)
    assert {town.name_in("ar") for town in centres.towns("rabat-demo")} == {"الرباط", "سلا"}
