"""Typed answers in French, English, Arabic and Spanish."""

from __future__ import annotations

import pytest

from bot.constants import LANGUAGES
from bot.i18n import translate
from bot.questionnaire.definition import NO, YES, Definition, Question, load_definition
from bot.questionnaire.parsing import fold, parse_answer

DEFINITION: Definition = load_definition(check_translations=False)
YES_NO = [q for q in DEFINITION.questions if q.type == "yes_no"]
SINGLE = [q for q in DEFINITION.questions if q.type == "single"]
CHOICES = [q for q in DEFINITION.questions if q.type in ("single", "yes_no")]
HOUSEHOLD = DEFINITION.question("prof_household")
TOWN = DEFINITION.question("prof_town")

YES_TYPED = ["oui", "ouais", "yes", "yeah", "نعم", "ايه", "sí", "si", "Oui", "OUI !", "Yes."]
NO_TYPED = ["non", "no", "لا", "nope", "Non", "NO!", "non."]
GARBAGE = ["", "   ", "?!", "blablabla", "peut-être bien que je ne sais pas", "🙂", "0"]


def _ids(questions: list[Question]) -> list[str]:
    return [q.id for q in questions]


# Yes / no ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("text", YES_TYPED)
@pytest.mark.parametrize("question", YES_NO, ids=_ids(YES_NO))
def test_yes_words(question: Question, text: str, language: str) -> None:
    assert parse_answer(question, text, language) == YES


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("text", NO_TYPED)
@pytest.mark.parametrize("question", YES_NO, ids=_ids(YES_NO))
def test_no_words(question: Question, text: str, language: str) -> None:
    assert parse_answer(question, text, language) == NO


@pytest.mark.parametrize("language", LANGUAGES)
def test_yes_no_by_number(language: str) -> None:
    for question in YES_NO:
        assert parse_answer(question, "1", language) == question.options[0].id
        assert parse_answer(question, " 2 ", language) == question.options[1].id
        assert parse_answer(question, "٢", language) == question.options[1].id
        assert parse_answer(question, "3", language) is None


def test_yes_no_short_sentences() -> None:
    question = DEFINITION.question("prof_children")
    assert parse_answer(question, "oui bien sûr", "fr") == YES
    assert parse_answer(question, "non merci", "fr") == NO
    # Too long to be a plain yes or no.
    assert parse_answer(question, "oui mais pas tous les jours", "fr") is None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("question", YES_NO, ids=_ids(YES_NO))
def test_yes_no_translated_option_text(question: Question, language: str) -> None:
    for option in question.options:
        assert parse_answer(question, translate(language, option.text), language) == option.id


# Single choice -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("question", SINGLE, ids=_ids(SINGLE))
def test_single_by_number(question: Question, language: str) -> None:
    options = question.options
    assert parse_answer(question, "2", language) == options[1].id
    assert parse_answer(question, " 3 ", language) == options[2].id
    assert parse_answer(question, "٣", language) == options[2].id
    assert parse_answer(question, "۱", language) == options[0].id
    assert parse_answer(question, "1", language) == options[0].id
    assert parse_answer(question, str(len(options)), language) == options[-1].id
    assert parse_answer(question, str(len(options) + 1), language) is None
    assert parse_answer(question, "0", language) is None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("question", SINGLE, ids=_ids(SINGLE))
def test_single_by_french_text(question: Question, language: str) -> None:
    for option in question.options:
        assert parse_answer(question, option.text, language) == option.id
        assert parse_answer(question, f"  {option.text.upper()} ", language) == option.id


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "fr"])
@pytest.mark.parametrize("question", CHOICES, ids=_ids(CHOICES))
def test_choice_by_translated_text(question: Question, language: str) -> None:
    translated = [(o, translate(language, o.text)) for o in question.options]
    if all(text == o.text for o, text in translated):
        pytest.skip(f"{question.id} not translated into {language} yet")
    for option, text in translated:
        if text == option.text:
            continue
        assert parse_answer(question, text, language) == option.id, (option.id, text)


def test_accents_and_punctuation_ignored() -> None:
    question = DEFINITION.question("econ_income")
    assert parse_answer(question, "tres satisfait", "fr") == "very"
    assert parse_answer(question, "Très satisfait !", "fr") == "very"
    question = DEFINITION.question("econ_food")
    assert parse_answer(question, "je n'ai rien a manger aujourd'hui", "fr") == "nothing_today"


@pytest.mark.parametrize("text", GARBAGE)
@pytest.mark.parametrize("question", CHOICES, ids=_ids(CHOICES))
def test_choice_garbage(question: Question, text: str) -> None:
    for language in LANGUAGES:
        assert parse_answer(question, text, language) is None


def test_single_does_not_take_yes_no_words() -> None:
    question = DEFINITION.question("econ_income")
    assert parse_answer(question, "oui", "fr") is None
    assert parse_answer(question, "yes", "en") is None


# Numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_number_in_range(language: str) -> None:
    assert parse_answer(HOUSEHOLD, "2", language) == "2"
    assert parse_answer(HOUSEHOLD, " 3 ", language) == "3"
    assert parse_answer(HOUSEHOLD, "٣", language) == "3"
    assert parse_answer(HOUSEHOLD, "١٢", language) == "12"
    assert parse_answer(HOUSEHOLD, "۷", language) == "7"
    assert parse_answer(HOUSEHOLD, "1", language) == "1"
    assert parse_answer(HOUSEHOLD, "30", language) == "30"
    assert parse_answer(HOUSEHOLD, "05", language) == "5"


@pytest.mark.parametrize("text", ["0", "31", "100", "٣١", "99999"])
def test_number_out_of_range(text: str) -> None:
    for language in LANGUAGES:
        assert parse_answer(HOUSEHOLD, text, language) is None


@pytest.mark.parametrize("text", ["trois", "three", "2.5", "2 3", "abc", "", "  ", "oui"])
def test_number_garbage(text: str) -> None:
    for language in LANGUAGES:
        assert parse_answer(HOUSEHOLD, text, language) is None


def test_negative_number_rejected() -> None:
    assert parse_answer(HOUSEHOLD, "-2", "fr") is None


def test_negative_option_number_rejected() -> None:
    assert parse_answer(DEFINITION.question("econ_income"), "-1", "fr") is None


# Free text ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_text_accepted(language: str) -> None:
    assert parse_answer(TOWN, "Dakar", language) == "Dakar"
    assert parse_answer(TOWN, "  Saint-Louis   du  Sénégal ", language) == "Saint-Louis du Sénégal"
    assert parse_answer(TOWN, "الدار البيضاء", language) == "الدار البيضاء"
    assert parse_answer(TOWN, "2", language) == "2"


def test_text_up_to_max_length() -> None:
    assert TOWN.max_length == 80
    longest = "a" * TOWN.max_length
    assert parse_answer(TOWN, longest, "fr") == longest
    assert parse_answer(TOWN, longest + "a", "fr") is None
    assert parse_answer(TOWN, "ab " * 26 + "ab", "fr") == "ab " * 26 + "ab"  # 80 characters
    assert parse_answer(TOWN, "ab " * 27, "fr") == ("ab " * 27).strip()  # 80 after trimming
    assert parse_answer(TOWN, "ab " * 27 + "a", "fr") is None  # 82


@pytest.mark.parametrize("text", ["", "   ", "?!", "...", "🙂"])
def test_text_garbage(text: str) -> None:
    assert parse_answer(TOWN, text, "fr") is None


# fold ---------------------------------------------------------------------------------------


def test_fold() -> None:
    assert fold("  Très  SATISFAIT ! ") == "tres satisfait"
    assert fold("٣") == "3"
    assert fold("Sí") == "si"
    assert fold("?!") == ""
