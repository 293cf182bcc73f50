"""Texts per language in data files: French required, the others optional, errors by field."""

from __future__ import annotations

import pytest

from bot.i18n.localised import in_language, parse_localised
from bot.settings import ConfigError


def test_one_text_is_french() -> None:
    assert parse_localised("f.yml", "x.name", "  Centre   Exemple ", 50) == {"fr": "Centre Exemple"}


def test_a_mapping_gives_french_first_and_keeps_a_note_s_lines() -> None:
    raw = {"ar": "سطر\nثان", "fr": "Ligne\nsuivante"}

    assert list(parse_localised("f.yml", "x.note", raw, 50, one_line=False).items()) == [
        ("fr", "Ligne\nsuivante"),
        ("ar", "سطر\nثان"),
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"en": "Centre"}, r"^f\.yml: x\.name\.fr: is missing$"),
        ({"fr": "Centre", "de": "Zentrum"}, r"^f\.yml: x\.name\.de: unknown language; use fr, "),
        ({"fr": "Centre", "es": "  "}, r"^f\.yml: x\.name\.es: is empty$"),
        ({"fr": "Centre", "ar": "م" * 11}, r"x\.name\.ar: is too long: 11 characters, at most 10"),
        ("C" * 11, r"^f\.yml: x\.name: is too long: 11 characters, at most 10$"),
    ],
)
def test_errors_name_the_field_and_the_language(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_localised("f.yml", "x.name", raw, 10)


def test_a_language_without_its_own_text_reads_french() -> None:
    names = {"fr": "Rabat", "ar": "الرباط"}

    assert in_language(names, "ar") == "الرباط"
    assert in_language(names, "ar-MA") == "الرباط"
    assert in_language(names, "es") == "Rabat"
    assert in_language(names, None) == "Rabat"
