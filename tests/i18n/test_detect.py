"""Which language a message is clearly written in (bot.i18n.detect): the switch it may offer."""

from __future__ import annotations

import pytest

from bot.i18n.detect import clear_language


@pytest.mark.parametrize(
    "text", ["بغيت نخدم", "مساعدة", "عايز أشتغل 3 أيام", "wach kayn l5dma بزاف"]
)
def test_arabic_script_names_arabic_even_in_a_word_or_two(text: str) -> None:
    # Arabizi mixed in stays under the share that a script needs; the last one is half Latin.
    expected = None if text.startswith("wach") else "ar"
    assert clear_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "bonjour",  # Latin script is shared: a word or two names no language
        "merci beaucoup",
        "ok",
        "123 456",
        "😂😂",
        "",
    ],
)
def test_short_latin_mixed_or_letterless_messages_name_no_language(text: str) -> None:
    assert clear_language(text) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("je voudrais savoir comment faire pour mes papiers", "fr"),
        ("I would like to know how to get my papers back", "en"),
        ("quisiera saber cómo hacer para mis papeles", "es"),
        # An Arabic greeting inside a French message leaves it French.
        ("je suis rentré du Maroc, السلام عليكم à tous, j'ai besoin d'aide", "fr"),
    ],
)
def test_a_long_latin_message_is_named_by_the_detector(text: str, language: str) -> None:
    assert clear_language(text) == language


def test_arabizi_is_not_taken_for_spanish_or_english() -> None:
    assert clear_language("ana bghit nkhdem f chi blasa mzyana 3afak") is None
