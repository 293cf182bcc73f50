"""Walking the questionnaire: answers, skips, Back, and the indicative profile.

State is a plain :class:`Progress` value that the gateway stores (encrypted) after every step.
Every step names the question it answers, so a button from an older question is ignored
instead of corrupting the state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.questionnaire.definition import Definition, Question

SKIPPED = "__skipped__"


@dataclass(frozen=True)
class Progress:
    answers: dict[str, str] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    current: str | None = None

    @property
    def finished(self) -> bool:
        return self.current is None

    def as_json(self) -> dict[str, Any]:
        return {"answers": self.answers, "history": list(self.history), "current": self.current}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Progress:
        return cls(dict(data["answers"]), tuple(data["history"]), data["current"])


@dataclass(frozen=True)
class Result:
    version: int
    # Dimensions with enough answers for a score (half their questions or more).
    scores: dict[str, float]
    composite: float | None
    flags: tuple[str, ...]
    # Dimensions where an answer raised a red flag: never "stable", whatever the score.
    flagged: tuple[str, ...] = ()
    # Dimensions with too few answers to say anything.
    too_few: tuple[str, ...] = ()

    @property
    def urgent(self) -> bool:
        return bool(self.flags)

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "scores": self.scores,
            "composite": self.composite,
            "flags": list(self.flags),
            "flagged": list(self.flagged),
            "too_few": list(self.too_few),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        return cls(
            data["version"],
            data["scores"],
            data["composite"],
            tuple(data["flags"]),
            tuple(data.get("flagged", ())),
            tuple(data.get("too_few", ())),
        )


def applies(question: Question, answers: dict[str, str]) -> bool:
    rule = question.skip_if
    return rule is None or answers.get(rule.question) not in rule.answers


def next_question(definition: Definition, answers: dict[str, str], after: str | None) -> str | None:
    # An answer to a question that no longer applies must not skip later ones.
    answers = effective_answers(definition, answers)
    start = 0 if after is None else definition.position(after) + 1
    for question in definition.questions[start:]:
        if applies(question, answers):
            return question.id
    return None


def start(definition: Definition) -> Progress:
    return Progress(current=next_question(definition, {}, None))


def answer(definition: Definition, progress: Progress, question_id: str, value: str) -> Progress:
    """Record ``value`` (an option id, a number or text, or SKIPPED) for the current question."""
    if progress.current != question_id:
        return progress
    answers = {**progress.answers, question_id: value}
    return Progress(
        answers,
        (*progress.history, question_id),
        next_question(definition, answers, question_id),
    )


def skip(definition: Definition, progress: Progress, question_id: str) -> Progress:
    return answer(definition, progress, question_id, SKIPPED)


def back(progress: Progress, question_id: str | None) -> Progress:
    """Return to the previously answered question; its earlier answer is kept until replaced."""
    if progress.current != question_id or not progress.history:
        return progress
    return Progress(progress.answers, progress.history[:-1], progress.history[-1])


def flag_of(question: Question, value: str | None) -> str | None:
    option = question.option(value) if value else None
    return option.red_flag if option else None


def effective_answers(definition: Definition, answers: dict[str, str]) -> dict[str, str]:
    """Answers to questions that still apply (a changed answer can make later ones skipped)."""
    kept: dict[str, str] = {}
    for question in definition.questions:
        if question.id in answers and applies(question, kept):
            kept[question.id] = answers[question.id]
    return kept


def score(definition: Definition, answers: dict[str, str]) -> Result:
    """The indicative profile: a dimension's score is the weighted mean of its answered
    questions, given only when half of the questions that applied were answered."""
    answers = effective_answers(definition, answers)
    totals: dict[str, list[tuple[float, float]]] = {}
    asked: dict[str, int] = {}
    flags: list[str] = []
    flagged: list[str] = []
    for question in definition.questions:
        if not applies(question, answers):
            continue
        if any(o.score is not None for o in question.options):
            asked[question.dimension] = asked.get(question.dimension, 0) + 1
        value = answers.get(question.id)
        option = question.option(value) if value and value != SKIPPED else None
        if option is None:
            continue
        if option.score is not None:
            totals.setdefault(question.dimension, []).append((option.score, question.weight))
        if option.red_flag and option.red_flag not in flags:
            flags.append(option.red_flag)
            if question.dimension not in flagged:
                flagged.append(question.dimension)
    scored = [d for d, dimension in definition.dimensions.items() if dimension.weight > 0]
    scores = {
        dimension: round(sum(s * w for s, w in values) / sum(w for _, w in values), 3)
        for dimension, values in totals.items()
        if dimension in scored and 2 * len(values) >= asked[dimension]
    }
    too_few = tuple(d for d in scored if d in asked and d not in scores)
    weights = {d: definition.dimensions[d].weight for d in scores}
    total_weight = sum(weights.values())
    composite = (
        round(sum(scores[d] * w for d, w in weights.items()) / total_weight, 3)
        if total_weight
        else None
    )
    return Result(definition.version, scores, composite, tuple(flags), tuple(flagged), too_few)
