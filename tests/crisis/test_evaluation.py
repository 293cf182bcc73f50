"""The phrase lists alone, on the held-out sets: every language must find a crisis in at least
95% of the crisis messages and raise one on at most 10% of the near misses."""

from __future__ import annotations

import pytest

from bot.constants import LANGUAGES
from bot.crisis.detector import CrisisDetector
from bot.crisis.evaluation import MAX_FALSE_ALARMS, MIN_RECALL, evaluate, load_set


def _kinds(detector: CrisisDetector, text: str) -> tuple[str, ...]:
    detection = detector.detect(text)
    return detection.kinds if detection else ()


@pytest.mark.parametrize("language", LANGUAGES)
def test_held_out_set_is_large_enough(language: str) -> None:
    evaluation = load_set(language)
    kinds = {kind for _, kind in evaluation.crisis}

    assert len(evaluation.crisis) >= 40 and len(evaluation.near_misses) >= 30
    assert len(kinds) == 7, "every kind of crisis is represented"


@pytest.mark.parametrize("language", LANGUAGES)
def test_crisis_recall_and_false_alarms(crisis_detector: CrisisDetector, language: str) -> None:
    scores = evaluate(load_set(language), lambda text: _kinds(crisis_detector, text))

    missed = "\n".join(scores.missed)
    alarms = "\n".join(scores.alarms)
    assert scores.recall >= MIN_RECALL, f"recall {scores.recall:.3f}; missed:\n{missed}"
    assert scores.false_alarm_rate <= MAX_FALSE_ALARMS, (
        f"false alarms {scores.false_alarm_rate:.3f}:\n{alarms}"
    )
