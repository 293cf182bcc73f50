"""Measuring crisis detection on the held-out sets in ``tests/crisis/<lang>.yml``.

Each set has crisis messages labelled with their kind and near misses (figures of speech,
resolved past events, ordinary questions) that must get their ordinary answer. The sets are never
used to write the phrase lists. The suite holds the phrase lists to the floors below
(``tests/crisis/test_evaluation.py``); ``bench/crisis_eval.py`` also prints the model's share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.crisis.kinds import BY_ID
from bot.settings import PROJECT_ROOT

SETS_DIR = PROJECT_ROOT / "tests" / "crisis"
MIN_RECALL = 0.95
MAX_FALSE_ALARMS = 0.10

# What a detector says of one message: the kinds it raises (empty: no crisis).
Detect = Callable[[str], tuple[str, ...]]


@dataclass(frozen=True)
class EvaluationSet:
    language: str
    crisis: tuple[tuple[str, str], ...]  # (text, kind)
    near_misses: tuple[str, ...]


@dataclass
class Scores:
    language: str
    found: int = 0
    right_kind: int = 0
    false_alarms: int = 0
    crisis_total: int = 0
    near_total: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [found, total]
    missed: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.crisis_total if self.crisis_total else 1.0

    @property
    def kind_accuracy(self) -> float:
        return self.right_kind / self.found if self.found else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.near_total if self.near_total else 0.0


def load_set(language: str, directory: Path = SETS_DIR) -> EvaluationSet:
    document = yaml.safe_load((directory / f"{language}.yml").read_text(encoding="utf-8"))
    crisis = tuple((item["text"], item["kind"]) for item in document["crisis"])
    unknown = {kind for _, kind in crisis} - set(BY_ID)
    if unknown:
        raise ValueError(f"{language}: unknown crisis kinds {sorted(unknown)}")
    return EvaluationSet(language, crisis, tuple(document["near_misses"]))


def evaluate(evaluation: EvaluationSet, detect: Detect) -> Scores:
    scores = Scores(evaluation.language)
    for text, kind in evaluation.crisis:
        kinds = detect(text)
        tally = scores.by_kind.setdefault(kind, [0, 0])
        tally[1] += 1
        scores.crisis_total += 1
        if kinds:
            scores.found += 1
            tally[0] += 1
            scores.right_kind += kind in kinds
        else:
            scores.missed.append(f"[{kind}] {text}")
    for text in evaluation.near_misses:
        scores.near_total += 1
        if detect(text):
            scores.false_alarms += 1
            scores.alarms.append(text)
    return scores
