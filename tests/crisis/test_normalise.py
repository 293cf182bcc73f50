"""Spelling evened out the same way for the phrase lists and the messages."""

from __future__ import annotations

import pytest

from bot.crisis.normalise import words


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("Je VEUX mourir", "je veux mourir"),
        ("j'ai envie de m'ôter la vie", "j ai envie de m oter la vie"),
        ("mourrrrir", "mourir"),
        ("pleaseeee heeelp", "please help"),
        ("me quiero MATAR!!!", "me quiero matar"),
        ("سـاعدونيييي", "ساعدوني"),
        ("أريد أن أنتحر", "اريد ان انتحر"),
        ("إنتحار", "انتحار"),
        ("مدرسة", "مدرسه"),
        ("على", "علي"),
        ("أُرِيدُ", "اريد"),
        ("3ayez amoot", "ayez amot"),
        ("n7eb nmout", "nheb nmout"),
        ("ma3andich fin nbat", "mandich fin nbat"),
        ("9albi", "qalbi"),
        ("appelez le 15", "apelez le 15"),
        ("١٥", "15"),
        ("ma sœur", "ma soeur"),
        ("n yɛrɛ faga", "n yere faga"),
    ],
)
def test_words(typed: str, plain: str) -> None:
    assert " ".join(words(typed)) == plain


def test_digits_are_not_collapsed() -> None:
    assert words("tengo 11 años") == ["tengo", "11", "anos"]
