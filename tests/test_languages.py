"""The language registry's file: what reads it, and how a wrong entry is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot import languages
from bot.constants import DEFAULT_LANGUAGE, LANGUAGE_NATIVE_NAMES, LANGUAGES, RTL_LANGUAGES
from bot.i18n.detect import clear_language
from bot.languages import LANGUAGES_FILE, RegistryError, load_languages
from bot.questionnaire.parsing import yes_or_no

# One message per registered language, long and plain enough for the detector.
PLAIN = {
    "fr": "je voudrais de l aide pour mon retour",
    "en": "I need help with my papers please",
    "ar": "أحتاج مساعدة في أوراقي من فضلك",
    "es": "necesito ayuda con mis papeles por favor",
}


def test_the_constants_come_from_the_registry() -> None:
    registered = load_languages()
    assert tuple(lang.code for lang in registered) == LANGUAGES
    assert registered[0].code == DEFAULT_LANGUAGE
    assert {lang.code for lang in registered if lang.direction == "rtl"} == RTL_LANGUAGES
    assert {lang.code: lang.native_name for lang in registered} == LANGUAGE_NATIVE_NAMES


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_detector_knows_every_registered_language(language: str) -> None:
    assert clear_language(PLAIN[language]) == language


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_s_own_yes_and_no_are_understood(language: str) -> None:
    entry = next(lang for lang in languages.languages() if lang.code == language)
    assert yes_or_no(entry.words["yes"][0]) == "yes"
    assert yes_or_no(entry.words["no"][0]) == "no"


def entry(**changes: object) -> dict[str, object]:
    document = yaml.safe_load(LANGUAGES_FILE.read_text(encoding="utf-8"))
    return {**document["languages"][0], **changes}


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"code": "fra"}, "code"),
        ({"direction": "up"}, "direction"),
        ({"words": {"yes": ["oui"], "no": ["non"], "dont_know": ["?"]}}, "words"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_wrong_entry_names_its_language_and_field(
    tmp_path: Path, changes: dict[str, object], named: str
) -> None:
    path = tmp_path / "languages.yml"
    path.write_text(yaml.safe_dump({"languages": [entry(**changes)]}), encoding="utf-8")
    with pytest.raises(RegistryError, match=named):
        load_languages(path)


def test_a_bare_yes_key_read_as_true_is_refused(tmp_path: Path) -> None:
    words = {True: ["oui"], False: ["non"], "dont_know": ["?"], "a_little": ["peu"]}
    path = tmp_path / "languages.yml"
    path.write_text(yaml.safe_dump({"languages": [entry(words=words)]}), encoding="utf-8")
    with pytest.raises(RegistryError, match="words"):
        load_languages(path)
