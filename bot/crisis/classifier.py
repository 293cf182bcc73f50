"""A second reader for crisis messages: a statistical classifier for what the phrase lists miss.

The phrase lists recognise the ways of saying a crisis that someone wrote down; a person in
danger often says it another way ("on est montés sur le toit, l'eau monte", "dem no gree make
we comot"). This classifier learns from labelled example messages, in
``data/crisis_examples/<lang>.tsv`` (``kind<TAB>message``, ``none`` for messages that are not a
crisis), and from the ordinary questions of the Rasa training data (``nlu/<lang>/``, topics
that cannot be a crisis) as more examples of ``none``. It reads letters as well as words
(character n-grams), so spelling, dialect and Arabizi variants of a known situation still look
alike. It decides only when it is sure (``MIN_PROBABILITY``); the phrase lists' figures of
speech and past events still cancel it (``bot.crisis.detector``).

It is trained when the detector is built (``CrisisDetector.from_files``, once per process), in a
few seconds, from the files in the repository: no model file to ship or to keep in step. The
example files are not the held-out sets (``tests/crisis/``), which it never sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from bot.constants import LANGUAGES
from bot.crisis.kinds import BY_ID
from bot.crisis.normalise import words
from bot.settings import PROJECT_ROOT, ConfigError, read_yaml

EXAMPLES_DIR = PROJECT_ROOT / "data" / "crisis_examples"
NLU_DIR = PROJECT_ROOT / "nlu"
NONE = "none"
# Chosen on the development messages so that false alarms stay rare: below it, the phrase
# lists alone decide (bench/crisis_eval.py prints the trade-off).
MIN_PROBABILITY = 0.7
# Topics whose examples may describe a crisis ("je dors dehors" under housing): not used as
# examples of ordinary messages.
CRISIS_NEIGHBOURS = frozenset(
    {
        "emergency",
        "info_housing_food",
        "info_health",
        "info_psychosocial",
        "info_security",
        "out_of_scope",
        "request_caseworker",
    }
)


# Laughter: a joke ("mi compa me va a matar si le gano jajaja"). The classifier stays silent
# then; the phrase lists, which name a crisis outright, still speak.
# Words are folded first: "loool" is "lol", "هههه" is "ه".
_LAUGHTER_WORDS = re.compile(r"(?:lol|mdr|ptdr|lmao|xd|ه|(?:ha|he|ja|je|ji|hi){2,}[hj]?)$")
_LAUGHTER_MARKS = frozenset("😂🤣😅😆😹😄😁")


def laughs(text: str, folded: list[str]) -> bool:
    """Whether a message laughs: "lol", "mdr", "jajaja", "هههه", "xD", or a laughing emoji."""
    return any(_LAUGHTER_WORDS.match(w) for w in folded) or bool(_LAUGHTER_MARKS & set(text))


@dataclass(frozen=True)
class Example:
    text: str
    kind: str  # a crisis kind, or NONE


def load_examples(path: Path) -> list[Example]:
    """``kind<TAB>message`` lines; a bad line stops start-up naming the file and the line."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, tab, text = line.partition("\t")
        if not tab or not text.strip() or (kind != NONE and kind not in BY_ID):
            raise ConfigError(
                f"{path}:{number}: expected 'kind<TAB>message' with kind {NONE} or one of "
                f"{', '.join(BY_ID)}"
            )
        examples.append(Example(text.strip(), kind))
    return examples


def ordinary_questions(nlu_dir: Path = NLU_DIR) -> list[Example]:
    """The Rasa training examples of topics that are never a crisis, as NONE examples."""
    examples = []
    for path in sorted(nlu_dir.glob("*/*.yml")):
        for block in (read_yaml(path) or {}).get("nlu", []):
            if "intent" not in block or block["intent"] in CRISIS_NEIGHBOURS:
                continue
            for line in str(block.get("examples", "")).splitlines():
                text = line.strip().removeprefix("- ").strip()
                if text:
                    examples.append(Example(text, NONE))
    return examples


def all_examples(directory: Path = EXAMPLES_DIR) -> list[Example]:
    examples = []
    for language in LANGUAGES:
        path = directory / f"{language}.tsv"
        if not path.exists():
            raise ConfigError(f"{path}: file not found: every language needs crisis examples")
        examples += load_examples(path)
    return examples + ordinary_questions()


def _folded(text: str) -> str:
    """The detector's normalisation (accents, Arabic letter variants, Arabizi digits...)."""
    return " ".join(words(text))


class CrisisClassifier:
    """Which crisis kind a message most likely describes, when it is sure enough."""

    def __init__(self, examples: list[Example]) -> None:
        self._model = make_pipeline(
            FeatureUnion(
                [
                    ("letters", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                                min_df=2, sublinear_tf=True)),
                    ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2),
                                              token_pattern=r"\S+", sublinear_tf=True)),
                ]
            ),
            LogisticRegression(
                C=8.0, class_weight="balanced", solver="liblinear", random_state=0
            ),
        )  # fmt: skip
        self._model.fit([_folded(e.text) for e in examples], [e.kind for e in examples])
        self._classes = list(self._model.classes_)

    def kind(self, folded: str) -> tuple[str | None, float]:
        """(crisis kind or None, the probability that the message is a crisis at all), for a
        message already through :func:`bot.crisis.normalise.words`, joined by spaces."""
        probabilities = self._model.predict_proba([folded])[0]
        crisis = 1.0 - probabilities[self._classes.index(NONE)]
        if crisis < MIN_PROBABILITY:
            return None, crisis
        best = max(
            (k for k in self._classes if k != NONE),
            key=lambda k: probabilities[self._classes.index(k)],
        )
        return best, crisis


def sources(directory: Path = EXAMPLES_DIR) -> list[Path]:
    """The files the classifier learns from."""
    return sorted([*directory.glob("*.tsv"), *NLU_DIR.glob("*/*.yml")])


def load_classifier(directory: Path = EXAMPLES_DIR) -> CrisisClassifier:
    return CrisisClassifier(all_examples(directory))
