"""Telegram's limits are kept before a message is queued: long texts are split where a
paragraph or a line ends, and button data that could not fit is refused, naming the rule."""

from __future__ import annotations

import pytest

from bot.telegram_limits import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_MESSAGE_LENGTH,
    UnsendableMessage,
    check_message,
    length,
    split_text,
)


def test_a_text_that_fits_is_left_as_it_is() -> None:
    assert split_text("  Bonjour\n\n") == ["  Bonjour\n\n"]
    assert split_text("x" * MAX_MESSAGE_LENGTH) == ["x" * MAX_MESSAGE_LENGTH]


def test_a_long_text_is_cut_between_paragraphs_first() -> None:
    cards = [f"Service {n}\nAdresse : rue {n}\n" + "Conditions : " + "y" * 1200 for n in range(5)]
    text = "\n\n".join(cards)

    parts = split_text(text)

    assert parts == ["\n\n".join(cards[:3]), "\n\n".join(cards[3:])]
    assert all(length(part) <= MAX_MESSAGE_LENGTH for part in parts)


def test_then_between_lines_then_between_words_then_anywhere() -> None:
    lines = "\n".join(f"ligne {n} " + "z" * 90 for n in range(60))
    assert [p.count("\n") for p in split_text(lines, 1000)][:2] == [9, 9]
    assert all(len(p) <= 1000 for p in split_text(lines, 1000))

    words = " ".join(["mot"] * 3000)
    parts = split_text(words, 1000)
    assert all(p.startswith("mot") and p.endswith("mot") for p in parts)
    assert " ".join(parts) == words

    assert split_text("a" * 2500, 1000) == ["a" * 1000, "a" * 1000, "a" * 500]


def test_nothing_is_lost_or_reordered_in_any_script() -> None:
    paragraph = " ".join(["عمالة سلا - جهة الرباط سلا القنيطرة"] * 30)
    arabic = "\n\n".join([paragraph] * 8)
    parts = split_text(arabic)

    assert len(parts) == 3
    assert "\n\n".join(parts) == arabic


def test_lengths_count_as_telegram_does() -> None:
    assert length("👋" * 2048) == MAX_MESSAGE_LENGTH
    (part, rest) = split_text("👋" * 2049)
    assert (part, rest) == ("👋" * 2048, "👋")


def test_a_mark_stays_with_its_letter() -> None:
    text = "a" * 999 + "e\u0301" + "b" * 10  # é typed as e + combining acute accent
    first, second = split_text(text, 1000)
    assert first == "a" * 999
    assert second.startswith("e\u0301")


def test_messages_telegram_would_refuse_are_named() -> None:
    check_message("Où ?", [("Dakar", "s:info_health:0123456789")])
    check_message("x" * MAX_MESSAGE_LENGTH, [("ok", "d" * MAX_CALLBACK_DATA_BYTES)])

    with pytest.raises(UnsendableMessage, match="button data of 77 bytes.*1-64"):
        check_message("Où ?", [("Salé", "s:info_health:عمالة سلا - جهة الرباط سلا القنيطرة")])
    with pytest.raises(UnsendableMessage, match="button data of 0 bytes"):
        check_message("Où ?", [("Vide", "")])
    with pytest.raises(UnsendableMessage, match="has no title"):
        check_message("Où ?", [(" ", "x")])
    with pytest.raises(UnsendableMessage, match="text of 4097 characters"):
        check_message("x" * 4097)
    with pytest.raises(UnsendableMessage, match="text of 0 characters"):
        check_message(" \n")
