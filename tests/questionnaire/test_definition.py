"""The shipped questionnaire definition, and bad definitions stopping start-up."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.constants import INFO_INTENTS
from bot.questionnaire.definition import (
    DEFINITION_FILE,
    NO,
    YES,
    Definition,
    load_definition,
)
from bot.settings import ConfigError

SCORED = {"economic", "social", "psychosocial"}
RED_FLAGS = {
    "immediate_danger",
    "self_harm",
    "medical",
    "trafficking",
    "child_alone",
    "gbv",
    "no_shelter_food",
    "documents_blocking",
    "psychological_support",
}


@pytest.fixture(scope="module")
def definition() -> Definition:
    return load_definition(check_translations=False)


@pytest.fixture(scope="module")
def shipped() -> dict[str, Any]:
    return yaml.safe_load(DEFINITION_FILE.read_text(encoding="utf-8"))


# The shipped definition ------------------------------------------------------------------


def test_shipped_definition_loads(definition: Definition) -> None:
    assert isinstance(definition.version, int)
    assert definition.minutes > 0


def test_shipped_definition_is_fully_translated() -> None:
    load_definition()


def test_has_20_to_30_questions(definition: Definition) -> None:
    assert 20 <= len(definition.questions) <= 30


def test_three_scored_dimensions_plus_profile(definition: Definition) -> None:
    assert set(definition.dimensions) == SCORED | {"profile"}
    for name in SCORED:
        assert definition.dimensions[name].weight > 0
    assert definition.dimensions["profile"].weight == 0


def test_every_dimension_has_questions(definition: Definition) -> None:
    used = {q.dimension for q in definition.questions}
    assert used == set(definition.dimensions)


def test_scored_dimensions_have_scored_options(definition: Definition) -> None:
    for name in SCORED:
        scores = [
            o.score
            for q in definition.questions
            if q.dimension == name
            for o in q.options
            if o.score is not None
        ]
        assert min(scores) == 0 and max(scores) == 1, name


def test_all_nine_red_flags_defined_and_used(definition: Definition) -> None:
    assert set(definition.red_flags) == RED_FLAGS
    used = {o.red_flag for q in definition.questions for o in q.options if o.red_flag}
    assert used == RED_FLAGS


def test_question_ids_unique_and_indexed(definition: Definition) -> None:
    ids = [q.id for q in definition.questions]
    assert len(ids) == len(set(ids))
    for i, question_id in enumerate(ids):
        assert definition.has(question_id)
        assert definition.position(question_id) == i
        assert definition.question(question_id).id == question_id
    assert not definition.has("nope")


def test_question_shapes(definition: Definition) -> None:
    for question in definition.questions:
        assert question.text
        if question.type == "yes_no":
            assert [o.id for o in question.options] in ([YES, NO], [NO, YES])
            assert all(o.text for o in question.options)
        elif question.type == "single":
            assert len(question.options) >= 2
            assert len({o.id for o in question.options}) == len(question.options)
        else:
            assert question.options == ()
        for option in question.options:
            assert option.score is None or 0 <= option.score <= 1


def test_skip_rule_of_school(definition: Definition) -> None:
    rule = definition.question("soc_school").skip_if
    assert rule is not None
    assert rule.question == "prof_children"
    assert rule.answers == frozenset({NO})
    assert definition.position("prof_children") < definition.position("soc_school")


def test_number_and_text_limits(definition: Definition) -> None:
    household = definition.question("prof_household")
    assert (household.type, household.minimum, household.maximum) == ("number", 1, 30)
    town = definition.question("prof_town")
    assert (town.type, town.max_length) == ("text", 80)


def test_bands_cover_zero_to_one(definition: Definition) -> None:
    belows = [b.below for b in definition.bands]
    assert belows == sorted(belows)
    assert belows[-1] > 1
    for value in (0.0, 0.39, 0.4, 0.69, 0.7, 1.0):
        assert definition.band(value) in definition.bands
    assert definition.band(0.0) is definition.bands[0]
    assert definition.band(1.0) is definition.bands[-1]


def test_suggestions_are_known_topics(definition: Definition) -> None:
    for dimension in definition.dimensions.values():
        assert set(dimension.suggestions) <= set(INFO_INTENTS)


# Bad definitions ---------------------------------------------------------------------------


def _index(raw: dict[str, Any], question_id: str) -> int:
    return next(i for i, q in enumerate(raw["questions"]) if q["id"] == question_id)


def _question(raw: dict[str, Any], question_id: str) -> dict[str, Any]:
    return raw["questions"][_index(raw, question_id)]


def _unknown_dimension(raw: dict[str, Any]) -> None:
    _question(raw, "econ_income")["dimension"] = "spiritual"


def _score_above_one(raw: dict[str, Any]) -> None:
    _question(raw, "econ_income")["options"][0]["score"] = 1.5


def _negative_score(raw: dict[str, Any]) -> None:
    _question(raw, "econ_income")["options"][3]["score"] = -0.1


def _skip_unknown_question(raw: dict[str, Any]) -> None:
    _question(raw, "soc_school")["skip_if"]["question"] = "prof_pets"


def _skip_later_question(raw: dict[str, Any]) -> None:
    _question(raw, "soc_school")["skip_if"] = {"question": "psy_stay", "answers": ["stay"]}


def _skip_self(raw: dict[str, Any]) -> None:
    _question(raw, "soc_school")["skip_if"] = {"question": "soc_school", "answers": ["all"]}


def _skip_unknown_answer(raw: dict[str, Any]) -> None:
    _question(raw, "soc_school")["skip_if"]["answers"] = ["maybe"]


def _unknown_red_flag(raw: dict[str, Any]) -> None:
    _question(raw, "soc_health")["options"][3]["red_flag"] = "alien_abduction"


def _yes_no_wrong_ids(raw: dict[str, Any]) -> None:
    _question(raw, "econ_borrow")["options"] = [
        {"id": "oui", "score": 1},
        {"id": "non", "score": 0},
    ]


def _yes_no_missing_option(raw: dict[str, Any]) -> None:
    _question(raw, "econ_borrow")["options"] = [
        {"id": "yes", "score": 1},
        {"id": "maybe", "text": "Peut-être", "score": 0.5},
    ]


def _duplicate_id(raw: dict[str, Any]) -> None:
    _question(raw, "psy_stay")["id"] = "econ_income"


def _missing_option_text(raw: dict[str, Any]) -> None:
    del _question(raw, "econ_work")["options"][1]["text"]


def _unknown_suggestion(raw: dict[str, Any]) -> None:
    raw["dimensions"]["economic"]["suggestions"].append("info_astrology")


def _unknown_option_suggestion(raw: dict[str, Any]) -> None:
    _question(raw, "econ_work")["options"][2]["suggests"] = ["info_astrology"]


def _bands_not_above_one(raw: dict[str, Any]) -> None:
    raw["bands"][-1]["below"] = 1


def _no_bands(raw: dict[str, Any]) -> None:
    raw["bands"] = []


def _unknown_type(raw: dict[str, Any]) -> None:
    _question(raw, "econ_income")["type"] = "slider"


def _single_with_one_option(raw: dict[str, Any]) -> None:
    _question(raw, "econ_work")["options"] = [{"id": "regular", "text": "Oui", "score": 1}]


def _boolean_score(raw: dict[str, Any]) -> None:
    _question(raw, "econ_income")["options"][0]["score"] = True


def _unknown_meaning(raw: dict[str, Any]) -> None:
    _question(raw, "psy_stay")["options"][1]["means"] = "maybe"


def _two_options_one_meaning(raw: dict[str, Any]) -> None:
    _question(raw, "psy_stay")["options"][0]["means"] = "dont_know"


BAD = [
    # (mutation, the words the message must contain)
    (_unknown_dimension, ["econ_income", "dimension", "spiritual"]),
    (_score_above_one, ["econ_income", "options[0].score", "1.5"]),
    (_negative_score, ["econ_income", "options[3].score", "-0.1"]),
    (_skip_unknown_question, ["soc_school", "skip_if", "prof_pets"]),
    (_skip_later_question, ["soc_school", "skip_if", "psy_stay"]),
    (_skip_self, ["soc_school", "skip_if"]),
    (_skip_unknown_answer, ["soc_school", "skip_if", "maybe", "prof_children"]),
    (_unknown_red_flag, ["soc_health", "options[3].red_flag", "alien_abduction"]),
    (_yes_no_wrong_ids, ["econ_borrow", "options"]),
    (_yes_no_missing_option, ["econ_borrow", "options"]),
    (_duplicate_id, ["econ_income", "duplicate"]),
    (_missing_option_text, ["econ_work", "options[1].text", "missing"]),
    (_unknown_suggestion, ["dimensions.economic.suggestions", "info_astrology"]),
    (_unknown_option_suggestion, ["econ_work", "options[2].suggests", "info_astrology"]),
    (_bands_not_above_one, ["bands"]),
    (_no_bands, ["bands"]),
    (_unknown_type, ["econ_income", "type"]),
    (_single_with_one_option, ["econ_work", "options"]),
    (_boolean_score, ["econ_income", "options[0].score"]),
    (_unknown_meaning, ["psy_stay", "options[1].means", "dont_know, a_little"]),
    (_two_options_one_meaning, ["psy_stay", "options", "meaning"]),
]


def _write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "questionnaire.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_unchanged_copy_loads(tmp_path: Path, shipped: dict[str, Any]) -> None:
    """The round trip through safe_dump keeps a valid definition valid."""
    path = _write(tmp_path, copy.deepcopy(shipped))
    assert load_definition(path, check_translations=False) == load_definition(
        check_translations=False
    )


@pytest.mark.parametrize("mutate, words", BAD, ids=[m.__name__.strip("_") for m, _ in BAD])
def test_bad_definition_stops_start_up(
    tmp_path: Path,
    shipped: dict[str, Any],
    mutate: Callable[[dict[str, Any]], None],
    words: list[str],
) -> None:
    raw = copy.deepcopy(shipped)
    mutate(raw)
    path = _write(tmp_path, raw)
    with pytest.raises(ConfigError) as caught:
        load_definition(path, check_translations=False)
    message = str(caught.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_missing_question_text_names_the_field(tmp_path: Path, shipped: dict[str, Any]) -> None:
    raw = copy.deepcopy(shipped)
    index = _index(raw, "econ_debt")
    del raw["questions"][index]["text"]
    path = _write(tmp_path, raw)
    with pytest.raises(ConfigError) as caught:
        load_definition(path, check_translations=False)
    message = str(caught.value)
    assert str(path) in message
    assert f"questions[{index}].text" in message
    assert "missing" in message


@pytest.mark.parametrize("key", ["id", "dimension", "type"])
def test_missing_question_key(tmp_path: Path, shipped: dict[str, Any], key: str) -> None:
    raw = copy.deepcopy(shipped)
    index = _index(raw, "econ_debt")
    del raw["questions"][index][key]
    path = _write(tmp_path, raw)
    with pytest.raises(ConfigError, match=rf"questions\[{index}\]\.{key}: is missing"):
        load_definition(path, check_translations=False)


def test_missing_version(tmp_path: Path, shipped: dict[str, Any]) -> None:
    raw = copy.deepcopy(shipped)
    raw["version"] = "one"
    path = _write(tmp_path, raw)
    with pytest.raises(ConfigError, match="version"):
        load_definition(path, check_translations=False)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.yml"
    with pytest.raises(ConfigError, match="cannot read"):
        load_definition(path, check_translations=False)


def test_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("questions: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=str(path)):
        load_definition(path, check_translations=False)


def test_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_definition(path, check_translations=False)


def test_yes_no_without_options_gets_default_texts(tmp_path: Path, shipped: dict[str, Any]) -> None:
    raw = copy.deepcopy(shipped)
    question = _question(raw, "prof_children")
    assert "options" not in question
    definition = load_definition(_write(tmp_path, raw), check_translations=False)
    options = definition.question("prof_children").options
    assert [(o.id, o.text) for o in options] == [(YES, "Oui"), (NO, "Non")]


def test_untranslated_message_is_reported(tmp_path: Path, shipped: dict[str, Any]) -> None:
    raw = copy.deepcopy(shipped)
    _question(raw, "econ_income")["text"] = "Une question que personne n'a traduite ?"
    path = _write(tmp_path, raw)
    with pytest.raises(ConfigError) as caught:
        load_definition(path)
    message = str(caught.value)
    assert str(path) in message
    assert "locales/" in message
    assert "personne n'a traduite" in message


# Gaps in validation (beyond the list above) --------------------------------------------------


def _duplicate_option_id(raw: dict[str, Any]) -> None:
    _question(raw, "econ_income")["options"][1]["id"] = "very"


def _dimension_without_title(raw: dict[str, Any]) -> None:
    del raw["dimensions"]["economic"]["title"]


def _red_flag_without_text(raw: dict[str, Any]) -> None:
    del raw["red_flags"]["medical"]["text"]


def _skip_if_without_answers(raw: dict[str, Any]) -> None:
    del _question(raw, "soc_school")["skip_if"]["answers"]


INCOMPLETE = [
    (_duplicate_option_id, "a duplicate option id is accepted; the second option is unreachable"),
    (_dimension_without_title, "a dimension without title raises KeyError, not ConfigError"),
    (_red_flag_without_text, "a red flag without text raises KeyError, not ConfigError"),
    (_skip_if_without_answers, "skip_if without answers raises KeyError, not ConfigError"),
]


@pytest.mark.parametrize(
    "mutate",
    [m for m, _ in INCOMPLETE],
    ids=[m.__name__.strip("_") for m, _ in INCOMPLETE],
)
def test_incomplete_definitions_are_refused(
    tmp_path: Path, shipped: dict[str, Any], mutate: Callable[[dict[str, Any]], None]
) -> None:
    raw = copy.deepcopy(shipped)
    mutate(raw)
    path = _write(tmp_path, raw)
    with pytest.raises(ConfigError) as caught:
        load_definition(path, check_translations=False)
    assert str(path) in str(caught.value)
