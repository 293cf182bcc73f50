"""The questionnaire definition, loaded and validated once at start-up.

A bad definition (unknown dimension, missing translation, score outside 0-1, skip pointing
nowhere...) raises ``ConfigError`` naming the file and the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.constants import INFO_INTENTS, LANGUAGES
from bot.crisis.kinds import BY_ID as CRISIS_KINDS
from bot.i18n import N_, translations
from bot.settings import PROJECT_ROOT, ConfigError

DEFINITION_FILE = PROJECT_ROOT / "flows" / "questionnaire.yml"
QUESTION_TYPES = ("single", "yes_no", "number", "text")
YES, NO = "yes", "no"
# What an option means whatever its words, so that typed "ما نعرفش" or "poco" can choose it.
DONT_KNOW, A_LITTLE = "dont_know", "a_little"
MEANINGS = (DONT_KNOW, A_LITTLE)
YES_NO_TEXTS = {YES: N_("Oui"), NO: N_("Non")}


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    score: float | None = None
    red_flag: str | None = None
    # DONT_KNOW or A_LITTLE: the option typed "don't know" or "a little" chooses, in any words.
    means: str | None = None
    # Topics this answer calls for, offered first after the assessment ("no work" -> info_jobs).
    suggests: tuple[str, ...] = ()


@dataclass(frozen=True)
class SkipRule:
    question: str
    answers: frozenset[str]


@dataclass(frozen=True)
class Question:
    id: str
    dimension: str
    type: str
    text: str
    options: tuple[Option, ...] = ()
    skip_if: SkipRule | None = None
    minimum: int = 0
    maximum: int = 1000
    max_length: int = 200
    # Its share in its dimension's score, against the other questions' (see the file's notes).
    weight: float = 1.0

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Dimension:
    id: str
    weight: float
    title: str
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Band:
    below: float
    label: str


@dataclass(frozen=True)
class RedFlag:
    id: str
    text: str
    # The crisis it reveals: its help lines follow the text, in that kind's order.
    crisis: str | None = None
    # Stop the questionnaire there and offer a caseworker now, or to continue now or later.
    pause: bool = False


@dataclass(frozen=True)
class Definition:
    version: int
    minutes: int
    dimensions: dict[str, Dimension]
    bands: tuple[Band, ...]
    red_flags: dict[str, RedFlag]
    questions: tuple[Question, ...]
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({q.id: i for i, q in enumerate(self.questions)})

    def question(self, question_id: str) -> Question:
        return self.questions[self._index[question_id]]

    def position(self, question_id: str) -> int:
        return self._index[question_id]

    def has(self, question_id: str) -> bool:
        return question_id in self._index

    def band(self, score: float) -> Band:
        return next(b for b in self.bands if score < b.below)

    def messages(self) -> Iterable[str]:
        """Every text the definition shows, for the translation check."""
        for dimension in self.dimensions.values():
            yield dimension.title
        for band in self.bands:
            yield band.label
        for flag in self.red_flags.values():
            yield flag.text
        for question in self.questions:
            yield question.text
            yield from (option.text for option in question.options)


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {where}: {problem}")

    def score(self, where: str, raw: Any) -> float | None:
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not 0 <= raw <= 1:
            raise self.fail(f"{where}.score", f"{raw!r} is not a number from 0 to 1")
        return float(raw)

    def option(self, where: str, raw: Any, kind: str, flags: dict[str, Any]) -> Option:
        if not isinstance(raw, dict) or not raw.get("id"):
            raise self.fail(where, "an option needs an id")
        option_id = str(raw["id"])
        text = raw.get("text") or (YES_NO_TEXTS.get(option_id) if kind == "yes_no" else None)
        if not text:
            raise self.fail(f"{where}.text", "is missing")
        flag = raw.get("red_flag")
        if flag is not None and flag not in flags:
            raise self.fail(f"{where}.red_flag", f"unknown red flag {flag!r}")
        means = raw.get("means")
        if means is not None and means not in MEANINGS:
            raise self.fail(f"{where}.means", f"must be one of {', '.join(MEANINGS)}")
        suggests = tuple(raw.get("suggests") or ())
        unknown = [topic for topic in suggests if topic not in INFO_INTENTS]
        if unknown:
            raise self.fail(f"{where}.suggests", f"unknown topics {unknown}")
        score = self.score(where, raw.get("score"))
        return Option(option_id, str(text), score, flag, means, suggests)

    def question(self, index: int, raw: Any, dimensions: dict, flags: dict) -> Question:
        where = f"questions[{index}]"
        if not isinstance(raw, dict):
            raise self.fail(where, "must be a mapping")
        for key in ("id", "dimension", "type", "text"):
            if not raw.get(key):
                raise self.fail(f"{where}.{key}", "is missing")
        where = f"questions[{index}] ({raw['id']})"
        if raw["dimension"] not in dimensions:
            raise self.fail(f"{where}.dimension", f"unknown dimension {raw['dimension']!r}")
        kind = raw["type"]
        if kind not in QUESTION_TYPES:
            raise self.fail(f"{where}.type", f"must be one of {', '.join(QUESTION_TYPES)}")
        raw_options = raw.get("options")
        if kind == "yes_no" and raw_options is None:
            raw_options = [{"id": YES}, {"id": NO}]
        options = tuple(
            self.option(f"{where}.options[{i}]", o, kind, flags)
            for i, o in enumerate(raw_options or [])
        )
        option_ids = [o.id for o in options]
        if len(set(option_ids)) != len(option_ids):
            raise self.fail(f"{where}.options", "two options share an id")
        meanings = [o.means for o in options if o.means]
        if len(set(meanings)) != len(meanings):
            raise self.fail(f"{where}.options", "two options share a meaning")
        if kind in ("single", "yes_no") and len(options) < 2:
            raise self.fail(f"{where}.options", "a choice needs at least two options")
        if kind == "yes_no" and {o.id for o in options} != {YES, NO}:
            raise self.fail(f"{where}.options", "yes_no options must be 'yes' and 'no'")
        skip = raw.get("skip_if")
        if skip is not None and (
            not isinstance(skip, dict) or not skip.get("question") or not skip.get("answers")
        ):
            raise self.fail(f"{where}.skip_if", "needs a question and a list of answers")
        return Question(
            id=str(raw["id"]),
            dimension=str(raw["dimension"]),
            type=kind,
            text=str(raw["text"]),
            options=options,
            skip_if=SkipRule(str(skip["question"]), frozenset(map(str, skip["answers"])))
            if skip
            else None,
            minimum=int(raw.get("min", 0)),
            maximum=int(raw.get("max", 1000)),
            max_length=int(raw.get("max_length", 200)),
            weight=self.weight(where, raw.get("weight", 1)),
        )

    def weight(self, where: str, raw: Any) -> float:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw <= 0:
            raise self.fail(f"{where}.weight", f"{raw!r} is not a positive number")
        return float(raw)


def _check_skips(reader: _Reader, questions: tuple[Question, ...]) -> None:
    seen: dict[str, Question] = {}
    for question in questions:
        rule = question.skip_if
        if rule is not None:
            target = seen.get(rule.question)
            where = f"questions ({question.id}).skip_if"
            if target is None:
                raise reader.fail(where, f"points to {rule.question!r}, not an earlier question")
            unknown = rule.answers - {o.id for o in target.options}
            if unknown:
                raise reader.fail(where, f"unknown answers {sorted(unknown)} of {target.id}")
        if question.id in seen:
            raise reader.fail(f"questions ({question.id})", "duplicate id")
        seen[question.id] = question


def _check_translations(reader: _Reader, definition: Definition) -> None:
    for language in LANGUAGES:
        catalogue = translations(language)
        for message in definition.messages():
            if language != "fr" and catalogue.gettext(message) == message:
                raise reader.fail(f"locales/{language}", f"no translation for {message[:60]!r}")


def load_definition(path: Path = DEFINITION_FILE, check_translations: bool = True) -> Definition:
    reader = _Reader(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    if not isinstance(raw, dict):
        raise reader.fail("(top)", "must be a mapping")
    dimensions = {}
    for name, spec in (raw.get("dimensions") or {}).items():
        if not isinstance(spec, dict) or not spec.get("title"):
            raise reader.fail(f"dimensions.{name}.title", "is missing")
        suggestions = tuple(spec.get("suggestions") or ())
        unknown = [s for s in suggestions if s not in INFO_INTENTS]
        if unknown:
            raise reader.fail(f"dimensions.{name}.suggestions", f"unknown topics {unknown}")
        dimensions[name] = Dimension(name, float(spec.get("weight", 1)), spec["title"], suggestions)
    if not dimensions:
        raise reader.fail("dimensions", "none defined")
    flags = {}
    for name, spec in (raw.get("red_flags") or {}).items():
        if not isinstance(spec, dict) or not spec.get("text"):
            raise reader.fail(f"red_flags.{name}.text", "is missing")
        crisis = spec.get("crisis")
        if crisis is not None and crisis not in CRISIS_KINDS:
            raise reader.fail(
                f"red_flags.{name}.crisis", f"unknown crisis kind; use {', '.join(CRISIS_KINDS)}"
            )
        flags[name] = RedFlag(
            name,
            spec["text"],
            crisis,
            bool(spec.get("pause", False)),
        )
    bands = tuple(Band(float(b["below"]), b["label"]) for b in raw.get("bands") or [])
    if not bands or bands[-1].below <= 1:
        raise reader.fail("bands", "the last band must reach above 1")
    questions = tuple(
        reader.question(i, q, dimensions, flags) for i, q in enumerate(raw.get("questions") or [])
    )
    if not questions:
        raise reader.fail("questions", "none defined")
    _check_skips(reader, questions)
    if not isinstance(raw.get("version"), int):
        raise reader.fail("version", "must be an integer")
    definition = Definition(
        version=raw["version"],
        minutes=int(raw.get("minutes", 5)),
        dimensions=dimensions,
        bands=bands,
        red_flags=flags,
        questions=questions,
    )
    if check_translations:
        _check_translations(reader, definition)
    return definition
