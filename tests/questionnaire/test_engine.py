"""The pure questionnaire engine: walking, skipping, going back, scoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.questionnaire import engine
from bot.questionnaire.definition import (
    Definition,
    Dimension,
    Option,
    Question,
    RedFlag,
    load_definition,
)
from bot.questionnaire.engine import SKIPPED, Progress, Result

SCORED = ("economic", "social", "psychosocial")


@pytest.fixture(scope="module")
def definition() -> Definition:
    return load_definition(check_translations=False)


def _value(question: Question, best: bool) -> str:
    """The best (or worst) scored option, or a neutral answer for unscored questions."""
    scored = [o for o in question.options if o.score is not None]
    if scored:
        chosen = max(scored, key=lambda o: o.score) if best else min(scored, key=lambda o: o.score)
        return chosen.id
    if question.type == "number":
        return str(question.minimum)
    if question.type == "text":
        return "Rabat"
    flagless = [o for o in question.options if o.red_flag is None]
    return flagless[-1].id


def _run(definition: Definition, choose, progress: Progress | None = None) -> Progress:
    """Answer every question asked with ``choose(question)`` until the end."""
    progress = progress or engine.start(definition)
    for _ in range(len(definition.questions) + 1):
        if progress.finished:
            return progress
        question = definition.question(progress.current)
        progress = engine.answer(definition, progress, question.id, choose(question))
    raise AssertionError("the questionnaire did not end")


def _until(definition: Definition, question_id: str, choose) -> Progress:
    progress = engine.start(definition)
    while progress.current != question_id:
        question = definition.question(progress.current)
        progress = engine.answer(definition, progress, question.id, choose(question))
    return progress


def best(question: Question) -> str:
    return _value(question, best=True)


def worst(question: Question) -> str:
    return _value(question, best=False)


# Walking -------------------------------------------------------------------------------------


def test_start_points_at_first_question(definition: Definition) -> None:
    progress = engine.start(definition)
    assert progress.current == definition.questions[0].id
    assert progress.answers == {}
    assert progress.history == ()
    assert not progress.finished


def test_answer_records_and_moves_on(definition: Definition) -> None:
    first, second = definition.questions[0], definition.questions[1]
    progress = engine.answer(definition, engine.start(definition), first.id, "no")
    assert progress.answers == {first.id: "no"}
    assert progress.history == (first.id,)
    assert progress.current == second.id


def test_answer_does_not_mutate_previous_progress(definition: Definition) -> None:
    start = engine.start(definition)
    engine.answer(definition, start, start.current, "no")
    assert start == engine.start(definition)


@pytest.mark.parametrize("stale", ["prof_children", "psy_stay", "nope"])
def test_stale_answer_leaves_progress_unchanged(definition: Definition, stale: str) -> None:
    progress = _until(definition, "prof_town", best)
    assert engine.answer(definition, progress, stale, "yes") is progress
    assert engine.skip(definition, progress, stale) is progress
    assert engine.back(progress, stale) is progress


def test_stale_answer_after_the_end(definition: Definition) -> None:
    progress = _run(definition, best)
    assert progress.finished
    assert engine.answer(definition, progress, "psy_stay", "leave") is progress
    assert engine.back(progress, "psy_stay") is progress


def test_skip_records_skipped(definition: Definition) -> None:
    progress = _until(definition, "prof_household", best)
    skipped = engine.skip(definition, progress, "prof_household")
    assert skipped.answers["prof_household"] == SKIPPED
    assert skipped.history[-1] == "prof_household"
    assert skipped.current == "prof_children"


def test_back_returns_to_previous_answered_and_keeps_answers(definition: Definition) -> None:
    progress = _until(definition, "prof_town", best)
    assert progress.history == ("prof_minor_alone", "prof_household", "prof_children")
    back = engine.back(progress, "prof_town")
    assert back.current == "prof_children"
    assert back.history == ("prof_minor_alone", "prof_household")
    assert back.answers == progress.answers
    again = engine.back(back, "prof_children")
    assert again.current == "prof_household"
    assert again.answers["prof_household"] == progress.answers["prof_household"]


def test_back_at_first_question_does_nothing(definition: Definition) -> None:
    progress = engine.start(definition)
    assert engine.back(progress, progress.current) is progress


def test_back_skips_over_not_asked_questions(definition: Definition) -> None:
    progress = _until(
        definition, "soc_housing", lambda q: "no" if q.id == "prof_children" else best(q)
    )
    progress = engine.answer(definition, progress, "soc_housing", "good")
    assert progress.current == "soc_health"
    assert engine.back(progress, "soc_health").current == "soc_housing"


def test_back_then_answer_replaces_answer(definition: Definition) -> None:
    progress = _until(definition, "prof_children", best)
    progress = engine.answer(definition, progress, "prof_children", "yes")
    progress = engine.back(progress, "prof_town")
    progress = engine.answer(definition, progress, "prof_children", "no")
    assert progress.answers["prof_children"] == "no"
    assert progress.history.count("prof_children") == 1
    assert progress.current == "prof_town"


# Skip rules ----------------------------------------------------------------------------------


def _children(answer: str):
    return lambda q: answer if q.id == "prof_children" else best(q)


def test_children_no_skips_school(definition: Definition) -> None:
    progress = _until(definition, "soc_housing", _children("no"))
    progress = engine.answer(definition, progress, "soc_housing", "good")
    assert progress.current == "soc_health"
    final = _run(definition, _children("no"))
    assert "soc_school" not in final.answers
    assert "soc_school" not in final.history


def test_children_yes_asks_school(definition: Definition) -> None:
    progress = _until(definition, "soc_housing", _children("yes"))
    progress = engine.answer(definition, progress, "soc_housing", "good")
    assert progress.current == "soc_school"
    final = _run(definition, _children("yes"))
    assert final.answers["soc_school"] == "all"


def test_children_skipped_still_asks_school(definition: Definition) -> None:
    progress = _until(definition, "prof_children", best)
    progress = engine.skip(definition, progress, "prof_children")
    final = _run(definition, best, progress)
    assert "soc_school" in final.answers


def test_changing_children_to_no_drops_school(definition: Definition) -> None:
    progress = _until(definition, "soc_health", _children("yes"))
    progress = engine.answer(definition, progress, "soc_health", "easy")
    assert progress.answers["soc_school"] == "all"
    # Back all the way to prof_children.
    while progress.current != "prof_children":
        progress = engine.back(progress, progress.current)
    assert progress.answers["soc_school"] == "all"  # kept until replaced
    progress = engine.answer(definition, progress, "prof_children", "no")
    assert "soc_school" in progress.answers
    assert "soc_school" not in engine.effective_answers(definition, progress.answers)
    final = _run(definition, _children("no"), progress)
    assert "soc_school" not in engine.effective_answers(definition, final.answers)
    assert "soc_school" not in final.history


def test_applies(definition: Definition) -> None:
    school = definition.question("soc_school")
    assert engine.applies(school, {})
    assert engine.applies(school, {"prof_children": "yes"})
    assert engine.applies(school, {"prof_children": SKIPPED})
    assert not engine.applies(school, {"prof_children": "no"})
    assert engine.applies(definition.question("econ_income"), {"prof_children": "no"})


def test_next_question(definition: Definition) -> None:
    assert engine.next_question(definition, {}, None) == definition.questions[0].id
    assert engine.next_question(definition, {"prof_children": "no"}, "soc_housing") == "soc_health"
    assert engine.next_question(definition, {}, "soc_housing") == "soc_school"
    assert engine.next_question(definition, {}, definition.questions[-1].id) is None


# Scoring ------------------------------------------------------------------------------------


def test_all_best_answers_score_one(definition: Definition) -> None:
    for children in ("yes", "no"):
        result = engine.score(definition, _run(definition, _children(children)).answers)
        assert result.scores == {d: 1.0 for d in SCORED}
        assert result.composite == 1.0
        assert result.flags == ()
        assert not result.urgent
        assert result.version == definition.version


def test_all_worst_answers_score_zero(definition: Definition) -> None:
    result = engine.score(definition, _run(definition, worst).answers)
    assert result.scores == {d: 0.0 for d in SCORED}
    assert result.composite == 0.0


def test_dimension_with_everything_skipped_is_absent(definition: Definition) -> None:
    def choose(question: Question) -> str:
        return SKIPPED if question.dimension == "social" else best(question)

    result = engine.score(definition, _run(definition, choose).answers)
    assert "social" not in result.scores
    assert result.scores == {"economic": 1.0, "psychosocial": 1.0}
    assert result.composite == 1.0


def test_nothing_answered(definition: Definition) -> None:
    result = engine.score(definition, {})
    assert result.scores == {}
    assert result.composite is None
    assert not result.urgent


def _small(weights: tuple[float, float, float] = (1, 1, 1)) -> Definition:
    """Three scored questions in one dimension, the last with an unscored option and a flag."""
    scale = (Option("good", "G", 1.0), Option("mid", "M", 0.5), Option("bad", "B", 0.0))
    return Definition(
        version=3,
        minutes=1,
        dimensions={"economic": Dimension("economic", 1.0, "Éco")},
        bands=(),
        red_flags={"danger": RedFlag("danger", "D", "danger", pause=True)},
        questions=(
            Question("q1", "economic", "single", "Q1", scale, weight=weights[0]),
            Question("q2", "economic", "single", "Q2", scale, weight=weights[1]),
            Question(
                "q3",
                "economic",
                "single",
                "Q3",
                (*scale, Option("rather_not", "R"), Option("now", "N", 0.0, "danger")),
                weight=weights[2],
            ),  # fmt: skip
        ),
    )


def test_a_dimension_needs_half_of_its_questions_answered() -> None:
    one = engine.score(_small(), {"q1": "good", "q2": SKIPPED, "q3": SKIPPED})
    two = engine.score(_small(), {"q1": "good", "q2": "bad", "q3": SKIPPED})

    assert one.scores == {} and one.too_few == ("economic",)
    assert one.composite is None
    assert two.scores == {"economic": 0.5} and two.too_few == ()


def test_unscored_options_do_not_count() -> None:
    result = engine.score(_small(), {"q1": "good", "q2": "mid", "q3": "rather_not"})
    assert result.scores == {"economic": 0.75}


def test_scores_are_weighted_means() -> None:
    result = engine.score(_small((2, 1, 1)), {"q1": "good", "q2": "bad", "q3": "mid"})
    assert result.scores == {"economic": round((2 * 1 + 0 + 0.5) / 4, 3)}
    assert result.composite == result.scores["economic"]


def test_a_flag_marks_its_dimension() -> None:
    result = engine.score(_small(), {"q1": "good", "q2": "good", "q3": "now"})
    assert result.flags == ("danger",)
    assert result.flagged == ("economic",)


def test_result_json_round_trip_keeps_flagged_and_too_few() -> None:
    result = engine.score(_small(), {"q1": "good", "q3": "now"})
    assert Result.from_json(json.loads(json.dumps(result.as_json()))) == result


def test_results_stored_before_flagged_and_too_few_still_load() -> None:
    old = {"version": 1, "scores": {"economic": 1.0}, "composite": 1.0, "flags": []}
    assert Result.from_json(old) == Result(1, {"economic": 1.0}, 1.0, ())


def test_profile_not_in_scores(definition: Definition) -> None:
    result = engine.score(definition, _run(definition, best).answers)
    assert "profile" not in result.scores


def test_weight_zero_dimension_excluded_even_when_scored() -> None:
    """The profile weight, not the lack of scores, keeps it out of the result."""
    definition = Definition(
        version=7,
        minutes=1,
        dimensions={
            "profile": Dimension("profile", 0.0, "Profil"),
            "economic": Dimension("economic", 2.0, "Éco"),
            "social": Dimension("social", 1.0, "Social"),
        },
        bands=(),
        red_flags={},
        questions=(
            Question("p", "profile", "single", "P", (Option("a", "A", 0.0), Option("b", "B", 1))),
            Question("e", "economic", "single", "E", (Option("a", "A", 1.0), Option("b", "B", 0))),
            Question("s", "social", "single", "S", (Option("a", "A", 0.5), Option("b", "B", 0))),
        ),
    )
    result = engine.score(definition, {"p": "a", "e": "a", "s": "a"})
    assert result.scores == {"economic": 1.0, "social": 0.5}
    assert result.composite == round((2 * 1.0 + 0.5) / 3, 3)
    assert result.version == 7


def test_flags_in_order_and_unique(definition: Definition) -> None:
    chosen = {
        "prof_minor_alone": "yes",
        "econ_food": "nothing_today",
        "soc_housing": "none_tonight",
        "soc_health": "urgent",
        "soc_documents": "blocking",
        "psy_safety": "danger_now",
        "psy_situations": "violence",
        "psy_distress": "self_harm",
        "psy_wish_support": "yes",
    }
    final = _run(definition, lambda q: chosen.get(q.id, best(q)))
    result = engine.score(definition, final.answers)
    assert result.flags == (
        "child_alone",
        "no_shelter_food",
        "medical",
        "documents_blocking",
        "immediate_danger",
        "gbv",
        "self_harm",
        "psychological_support",
    )
    assert result.urgent


def test_flag_of(definition: Definition) -> None:
    assert engine.flag_of(definition.question("psy_situations"), "exploitation") == "trafficking"
    assert engine.flag_of(definition.question("psy_situations"), "none") is None
    assert engine.flag_of(definition.question("psy_situations"), SKIPPED) is None
    assert engine.flag_of(definition.question("psy_situations"), "~back") is None
    assert engine.flag_of(definition.question("prof_town"), "Rabat") is None
    assert engine.flag_of(definition.question("psy_situations"), None) is None


def test_flag_of_dropped_answer_is_not_collected(definition: Definition) -> None:
    answers = {"prof_children": "no", "soc_school": "none", "soc_health": "no"}
    result = engine.score(definition, answers)
    assert result.flags == ("medical",)
    assert result.flagged == ("social",)


def test_score_ignores_unknown_values(definition: Definition) -> None:
    result = engine.score(definition, {"econ_income": "bogus", "nope": "x", "econ_work": "no"})
    assert result.scores == {}
    assert "economic" in result.too_few


def test_result_urgent() -> None:
    assert Result(1, {}, None, ("medical",)).urgent
    assert not Result(1, {"economic": 0.0}, 0.0, ()).urgent


# JSON -----------------------------------------------------------------------------------------


def test_progress_json_round_trip(definition: Definition) -> None:
    progress = _until(definition, "econ_debt", best)
    progress = engine.skip(definition, progress, "econ_debt")
    progress = engine.back(progress, progress.current)
    data = json.loads(json.dumps(progress.as_json()))
    assert Progress.from_json(data) == progress
    finished = _run(definition, best)
    assert Progress.from_json(json.loads(json.dumps(finished.as_json()))) == finished
    assert Progress.from_json(engine.start(definition).as_json()) == engine.start(definition)


def test_result_json_round_trip(definition: Definition) -> None:
    final = _run(definition, lambda q: "urgent" if q.id == "soc_health" else worst(q))
    result = engine.score(definition, final.answers)
    assert Result.from_json(json.loads(json.dumps(result.as_json()))) == result
    empty = engine.score(definition, {})
    assert Result.from_json(json.loads(json.dumps(empty.as_json()))) == empty


# Chained skip rules (not in the shipped definition) -------------------------------------------

CHAINED = {
    "version": 1,
    "dimensions": {"social": {"weight": 1, "title": "Situation sociale"}},
    "bands": [{"below": 1.01, "label": "plutôt stable"}],
    "questions": [
        {"id": "q1", "dimension": "social", "type": "yes_no", "text": "Un ?"},
        {
            "id": "q2",
            "dimension": "social",
            "type": "yes_no",
            "text": "Deux ?",
            "skip_if": {"question": "q1", "answers": ["no"]},
        },
        {
            "id": "q3",
            "dimension": "social",
            "type": "yes_no",
            "text": "Trois ?",
            "skip_if": {"question": "q2", "answers": ["no"]},
        },
    ],
}


@pytest.fixture
def chained(tmp_path: Path) -> Definition:
    path = tmp_path / "chained.yml"
    path.write_text(yaml.safe_dump(CHAINED, allow_unicode=True), encoding="utf-8")
    return load_definition(path, check_translations=False)


def test_chained_skip_rule_first_pass(chained: Definition) -> None:
    progress = engine.start(chained)
    progress = engine.answer(chained, progress, "q1", "yes")
    progress = engine.answer(chained, progress, "q2", "no")
    assert progress.finished  # q3 skipped because q2 is "no"


def test_chained_skip_rule_after_changed_answer(chained: Definition) -> None:
    progress = engine.start(chained)
    progress = engine.answer(chained, progress, "q1", "yes")
    progress = engine.answer(chained, progress, "q2", "no")  # finished; q3 skipped
    progress = engine.back(progress, None)
    progress = engine.back(progress, "q2")
    assert progress.current == "q1"
    progress = engine.answer(chained, progress, "q1", "no")
    # q2 no longer applies, so its old "no" must not skip q3.
    assert engine.effective_answers(chained, progress.answers) == {"q1": "no"}
    assert engine.applies(
        chained.question("q3"), engine.effective_answers(chained, progress.answers)
    )
    assert progress.current == "q3"
