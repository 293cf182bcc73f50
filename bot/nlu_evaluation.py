"""Measuring the NLU model on the held-out messages in ``tests/nlu/<lang>.yml``.

The held-out sets are written apart from the training data in ``nlu/`` and never used for
training (the suite checks that none of their messages is a training example). ``bench/
nlu_eval.py`` prints the figures; ``tests/nlu/test_held_out.py`` fails when a language's
macro-F1 falls more than ``MAX_DROP`` below the committed baseline (``tests/nlu/baseline.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml
from sklearn.metrics import f1_score

from bot.constants import FALLBACK_INTENT
from bot.settings import PROJECT_ROOT

HELD_OUT_DIR = PROJECT_ROOT / "tests" / "nlu"
TRAINING_DIR = PROJECT_ROOT / "nlu"
BASELINE = HELD_OUT_DIR / "baseline.json"
# A single message is worth about 0.005 of a language's macro-F1 (192 messages): a drop beyond
# two messages' worth is a regression, not noise.
MAX_DROP = 0.01


def examples_in(path: Path) -> list[tuple[str, str]]:
    """(text, intent) of every example of a Rasa NLU file."""
    document = yaml.safe_load(path.read_text("utf-8"))
    pairs = []
    for block in document.get("nlu", []):
        for line in block.get("examples", "").splitlines():
            if line.strip().startswith("- "):
                pairs.append((line.strip()[2:].strip(), block["intent"]))
    return pairs


def held_out(language: str, directory: Path = HELD_OUT_DIR) -> list[tuple[str, str]]:
    return examples_in(directory / f"{language}.yml")


def training_examples(directory: Path = TRAINING_DIR) -> list[tuple[str, str]]:
    """Every language's training examples (``nlu/<lang>/*.yml``)."""
    return [pair for path in sorted(directory.glob("*/*.yml")) for pair in examples_in(path)]


def normalise(text: str) -> str:
    """Case and spacing do not make a different message."""
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class Prediction:
    truth: str
    # Intents with their confidence, best first, without the fallback.
    ranking: tuple[tuple[str, float], ...]
    # What the person gets: the intent, or FALLBACK_INTENT when the model is unsure.
    shown: str

    @property
    def top(self) -> str:
        return self.ranking[0][0] if self.ranking else FALLBACK_INTENT


@dataclass(frozen=True)
class Scores:
    language: str
    predictions: tuple[Prediction, ...]

    @property
    def macro_f1(self) -> float:
        truth = [p.truth for p in self.predictions]
        top = [p.top for p in self.predictions]
        return float(f1_score(truth, top, average="macro", labels=sorted(set(truth))))

    @property
    def accuracy(self) -> float:
        return sum(p.top == p.truth for p in self.predictions) / len(self.predictions)

    @property
    def fallback_rate(self) -> float:
        return sum(p.shown == FALLBACK_INTENT for p in self.predictions) / len(self.predictions)

    @property
    def wrong_and_sure_rate(self) -> float:
        """The error that matters most: an answer to a question the person did not ask."""
        wrong = sum(p.shown not in (p.truth, FALLBACK_INTENT) for p in self.predictions)
        return wrong / len(self.predictions)


class Parser(Protocol):
    """What is needed of a Rasa ``Agent``."""

    async def parse_message(self, message_data: str) -> dict[str, Any]: ...


async def evaluate(agent: Parser, language: str, directory: Path = HELD_OUT_DIR) -> Scores:
    predictions = []
    for text, intent in held_out(language, directory):
        parsed = await agent.parse_message(text)
        ranking = tuple(
            (r["name"], r["confidence"])
            for r in parsed["intent_ranking"]
            if r["name"] != FALLBACK_INTENT
        )
        predictions.append(Prediction(intent, ranking, parsed["intent"]["name"]))
    return Scores(language, tuple(predictions))


def load_baseline(path: Path = BASELINE) -> dict[str, float]:
    """Each language's held-out macro-F1 when the baseline was last written."""
    return json.loads(path.read_text("utf-8"))


def write_baseline(scores: list[Scores], path: Path = BASELINE) -> None:
    figures = {s.language: round(s.macro_f1, 3) for s in scores}
    path.write_text(json.dumps(figures, indent=2) + "\n", "utf-8")
