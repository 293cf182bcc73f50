"""The language registry (``data/languages.yml``): one entry per supported language, read here.

``bot.constants`` (``LANGUAGES``, ``RTL_LANGUAGES``, ``LANGUAGE_NATIVE_NAMES``), the detector,
the typed-answer parser, the language-switch action and settings read it;
``bot.language_checks`` checks the files a language needs against it. Imports nothing of the
bot: ``bot.constants`` reads it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.registry import RegistryError, read_entries

LANGUAGES_FILE = Path(__file__).resolve().parents[1] / "data" / "languages.yml"
DIRECTIONS = ("ltr", "rtl")
WORD_KINDS = ("yes", "no", "dont_know", "a_little")
FIELDS = frozenset(
    {"code", "native_name", "direction", "detector", "detector_words", "names", "called", "words"}
)
CODE = re.compile(r"[a-z]{2}")


@dataclass(frozen=True)
class Language:
    code: str
    native_name: str
    direction: str
    # lingua.Language member name, e.g. "FRENCH".
    detector: str
    detector_words: frozenset[str]
    # Language code -> how that language names this one.
    names: dict[str, str]
    # Stems of the words people use to ask for it, in any language.
    called: tuple[str, ...]
    # "yes", "no", "dont_know", "a_little" -> folded words and phrases.
    words: dict[str, tuple[str, ...]]

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


def _language(spec: Any, where: str) -> Language:
    if not isinstance(spec, dict):
        raise RegistryError(f"{where}: expected a mapping")
    unknown = sorted(set(spec) - FIELDS)
    if unknown:
        raise RegistryError(f"{where}: unknown fields {unknown}")
    missing = sorted(FIELDS - set(spec))
    if missing:
        raise RegistryError(f"{where}: missing fields {missing}")
    code = str(spec["code"])
    where = f"{where} ({code})"
    if not CODE.fullmatch(code):
        raise RegistryError(f"{where}: code: two lower-case letters (ISO 639-1)")
    if spec["direction"] not in DIRECTIONS:
        raise RegistryError(f"{where}: direction: one of {', '.join(DIRECTIONS)}")
    words = spec["words"] or {}
    empty = [kind for kind in WORD_KINDS if not words.get(kind)]
    if empty or set(words) - set(WORD_KINDS):
        raise RegistryError(f"{where}: words: {', '.join(WORD_KINDS)}, each a non-empty list")
    if not spec["called"]:
        raise RegistryError(f"{where}: called: the stems people use to ask for the language")
    if not isinstance(spec["names"], dict):
        raise RegistryError(f"{where}: names: language code -> name")
    return Language(
        code=code,
        native_name=str(spec["native_name"]),
        direction=str(spec["direction"]),
        detector=str(spec["detector"]),
        detector_words=frozenset(str(w) for w in spec["detector_words"] or ()),
        names={str(k): str(v) for k, v in spec["names"].items()},
        called=tuple(str(stem) for stem in spec["called"]),
        words={kind: tuple(str(w) for w in words[kind]) for kind in WORD_KINDS},
    )


def load_languages(path: Path = LANGUAGES_FILE) -> tuple[Language, ...]:
    """Every language, in the file's order (the first is the source language)."""
    return read_entries(path, "languages", _language, lambda language: language.code)


@functools.cache
def languages() -> tuple[Language, ...]:
    """The registered languages, read once."""
    return load_languages()


def codes() -> tuple[str, ...]:
    return tuple(language.code for language in languages())


def words(kind: str) -> tuple[str, ...]:
    """One kind of answer word (``WORD_KINDS``) in every registered language."""
    return tuple(word for language in languages() for word in language.words[kind])
