"""The phrase-list syntax, and the validation that stops start-up on a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.constants import LANGUAGES
from bot.crisis.phrases import GAPS, Alternative, expand, load_file, load_phrases, parse
from bot.settings import ConfigError


def test_plain_words_prefixes_alternatives_and_gaps() -> None:
    phrase = parse("je veux .. suicid*|mourir", "fr", "self_harm")

    assert [slot.gap for slot in phrase.slots] == [0, 0, GAPS[".."]]
    assert phrase.slots[2].alternatives == (Alternative("suicid", True), Alternative("mourir"))


def test_a_word_with_an_elision_becomes_two_slots() -> None:
    phrase = parse("m'a frappé", "fr", "violence")

    assert [slot.alternatives[0].word for slot in phrase.slots] == ["m", "a", "frape"]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (".. mourir", "must stand between two words"),
        ("mourir ..", "must stand between two words"),
        ("mourir ...", "must stand between two words"),
        ("je .. .. mourir", "must stand between two words"),
        ("veux|j'ai mourir", "must be one word"),
        ("su* mourir", "three letters or more"),
        ("!!!", "has no letters"),
    ],
)
def test_bad_phrases_are_refused(source: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse(source, "fr", "self_harm")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fr.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("language: en\nphrases: {self_harm: [mourir]}\n", "language: must be 'fr'"),
        ("language: fr\nphrases: {despair: [mourir]}\n", r"phrases.despair: unknown kind"),
        ("language: fr\nphrases: {self_harm: []}\n", r"phrases.self_harm: must be a non-empty"),
        ("language: fr\nphrases: {self_harm: ['.. x']}\n", r"phrases.self_harm\[0\] \(.. x\)"),
        ("language: fr\nphrases: {self_harm: [a b, a  b]}\n", r"\[1\] \(a  b\): is listed twice"),
        ("language: fr\nphrases: {self_harm: [x]}\nmaybe: [y]\n", "maybe: unknown key"),
    ],
)
def test_a_bad_file_names_file_and_field(tmp_path: Path, content: str, where: str) -> None:
    path = _write(tmp_path, content)

    with pytest.raises(ConfigError, match=where) as raised:
        load_file(path, "fr")
    assert str(path) in str(raised.value)


def test_every_language_needs_its_file(tmp_path: Path) -> None:
    _write(tmp_path, "language: fr\nphrases: {self_harm: [je veux mourir]}\n")

    with pytest.raises(ConfigError, match="en.yml: file not found"):
        load_phrases(tmp_path)


def test_the_shipped_lists_load_and_cover_every_kind_in_every_language() -> None:
    phrases = load_phrases()

    for language in LANGUAGES:
        roles = {p.role for p in phrases if p.language == language}
        assert {"self_harm", "medical", "violence", "danger"} <= roles, language
        assert {"trafficking", "child_alone", "no_shelter"} <= roles, language


def test_a_group_of_single_words_is_one_slot() -> None:
    (phrase,) = expand("je (veux|voudrais) mourir", "fr", "self_harm")

    assert [a.word for a in phrase.slots[1].alternatives] == ["veux", "voudrais"]


def test_groups_stand_for_every_combination_and_can_make_words_optional() -> None:
    line = "(can't|cannot) find (my|) mum"
    phrases = expand(line, "en", "child_alone")

    assert [" ".join(s.alternatives[0].word for s in p.slots) for p in phrases] == [
        "can t find my mum",
        "can t find mum",
        "canot find my mum",
        "canot find mum",
    ]
    assert {p.source for p in phrases} == {line}, "the line as the reviewer wrote it"


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("a (b|c", "no matching"),
        ("a (b (c|d)|e)", "nested"),
        ("a () c", "empty"),
        ("(a b|c d|e f|g h) " * 5, "more than"),
    ],
)
def test_bad_groups_are_refused(source: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        expand(source, "fr", "self_harm")
