"""The curated phrase lists (``flows/crisis/<lang>.yml``): their syntax, loading and validation.

A phrase is a few words, matched as whole words after :func:`bot.crisis.normalise.words`:

- ``je veux mourir``: these words, next to each other;
- ``suicid*``: any word that starts with ``suicid``;
- ``tuer|buter|massacrer``: any one of these words;
- ``(can't|cannot|do not) find``: any one of these groups of words; ``(vraiment|)`` makes words
  optional;
- ``veux .. mourir``: up to four other words between (``je veux vraiment plus mourir``);
  ``enceinte ... saigne``: up to eight (two things that together mean a crisis, far apart in a
  long message).

Words of five letters or more in crisis phrases also match with one letter wrong, missing,
extra or swapped ("suicdie", "mourrir"); a word ending in ``*`` does not.

Each file has, per crisis kind, the phrases that raise it; ``not_crisis`` phrases (figures of
speech such as "ce dossier me tue") cancel the crisis phrases of their language that they
overlap, and those of other languages that lie within them; ``past``
phrases (an event long over: "il y a trois ans", "ça va mieux") cancel the message's crisis
phrases unless a ``now`` phrase ("en ce moment", "ce soir", "encore") says it goes on.
A language's phrases are in ``<lang>.yml``, plus ``<lang>-<region>.yml`` files for its dialects.
A bad file stops start-up naming the file and the field.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from pathlib import Path
from typing import NamedTuple

from bot.constants import LANGUAGES
from bot.crisis.kinds import BY_ID
from bot.crisis.normalise import words
from bot.settings import PROJECT_ROOT, ConfigError, field_error, read_yaml

PHRASES_DIR = PROJECT_ROOT / "flows" / "crisis"
GAPS = {"..": 4, "...": 8}
# The lists a file may have besides the crisis kinds.
NOT_CRISIS, PAST, NOW = "not_crisis", "past", "now"
GUARDS = (NOT_CRISIS, PAST, NOW)
_GROUP = re.compile(r"\(([^()]*)\)")
# A line with groups stands for every combination of their choices; this many at most.
MAX_COMBINATIONS = 256


# Named tuples rather than dataclasses: the lists expand to tens of thousands of phrases whose
# slots are compared and hashed while loading, and a tuple hashes in C.
class Alternative(NamedTuple):
    word: str
    prefix: bool = False


class Slot(NamedTuple):
    alternatives: tuple[Alternative, ...]
    # How many other words may come before this one after the previous slot.
    gap: int = 0


class Phrase(NamedTuple):
    language: str
    # A crisis kind's id, or one of GUARDS.
    role: str
    source: str
    slots: tuple[Slot, ...]


def expand(source: str, language: str, role: str) -> list[Phrase]:
    """A line of a list: one phrase, or one per combination of its ``( | )`` groups."""
    pieces = _GROUP.split(source)
    if "(" in pieces[-1] or ")" in pieces[-1] or any("(" in p or ")" in p for p in pieces[::2]):
        raise ValueError("a ( has no matching ) or groups are nested")
    choices = [[c.strip() for c in group.split("|")] for group in pieces[1::2]]
    if any(c == [""] for c in choices):
        raise ValueError("a group is empty")
    # A group of single words is one slot with alternatives: only groups with several words
    # or an empty choice need a phrase per choice.
    choices = [["|".join(c)] if all(len(_fold(x)) == 1 for x in c) else c for c in choices]
    if math.prod(len(c) for c in choices) > MAX_COMBINATIONS:
        raise ValueError(f"stands for more than {MAX_COMBINATIONS} phrases: split it")
    phrases = []
    for picked in itertools.product(*choices):
        text = pieces[0]
        for choice, following in zip(picked, pieces[2::2], strict=True):
            text += f" {choice} {following}"
        # The line as written: it is what a reviewer finds and edits.
        phrases.append(parse(" ".join(text.split()), language, role)._replace(source=source))
    return phrases


def parse(source: str, language: str, role: str) -> Phrase:
    """One phrase in the list syntax, groups aside; ``ValueError`` says what is wrong."""
    slots: list[Slot] = []
    gap = 0
    for token in source.split():
        if token in GAPS:
            if not slots or gap:
                raise ValueError(f"{token!r} must stand between two words")
            gap = GAPS[token]
            continue
        if "|" in token or token.endswith("*"):
            slots.append(_slot(_alternatives(token), gap))
        else:
            folded = _fold(token)
            if not folded:
                raise ValueError(f"{token!r} has no letters")
            slots += [_slot((Alternative(w),), gap if i == 0 else 0) for i, w in enumerate(folded)]
        gap = 0
    if not slots:
        raise ValueError("is empty")
    if gap:
        raise ValueError("a gap must stand between two words")
    return Phrase(language, role, source, tuple(slots))


@functools.cache
def _slot(alternatives: tuple[Alternative, ...], gap: int) -> Slot:
    """One object for each distinct slot, however many expanded phrases share it."""
    return Slot(alternatives, gap)


@functools.cache
def _fold(text: str) -> tuple[str, ...]:
    """A token of the lists, folded; the same tokens recur in thousands of expanded phrases."""
    return tuple(words(text))


@functools.cache
def _alternatives(token: str) -> tuple[Alternative, ...]:
    found = []
    for raw in token.split("|"):
        prefix = raw.endswith("*")
        folded = _fold(raw.removesuffix("*"))
        if len(folded) != 1:
            raise ValueError(f"{raw!r} in {token!r} must be one word")
        if prefix and len(folded[0]) < 3:
            raise ValueError(f"{raw!r}: a word ending in * needs three letters or more")
        found.append(Alternative(folded[0], prefix))
    return tuple(found)


def load_file(path: Path, language: str) -> list[Phrase]:
    document = read_yaml(path)
    if not isinstance(document, dict):
        raise field_error(path, "(top)", "must be a mapping with language and phrases")
    if document.get("language") != language:
        raise field_error(path, "language", f"must be {language!r}, as the file name says")
    phrases: list[Phrase] = []
    by_kind = document.get("phrases")
    if not isinstance(by_kind, dict) or not by_kind:
        raise field_error(path, "phrases", "must map crisis kinds to lists of phrases")
    for kind, items in by_kind.items():
        if kind not in BY_ID:
            raise field_error(path, f"phrases.{kind}", f"unknown kind; use {', '.join(BY_ID)}")
        phrases += _read_list(path, f"phrases.{kind}", items, language, kind)
    for guard in GUARDS:
        if guard in document:
            phrases += _read_list(path, guard, document[guard], language, guard)
    unknown = set(document) - {"language", "phrases", *GUARDS}
    if unknown:
        raise field_error(path, sorted(unknown)[0], "unknown key")
    return phrases


def _read_list(path: Path, where: str, items: object, language: str, role: str) -> list[Phrase]:
    if not isinstance(items, list) or not items:
        raise field_error(path, where, "must be a non-empty list of phrases")
    seen: set[str] = set()
    phrases = []
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise field_error(path, f"{where}[{i}]", "must be a phrase in quotes")
        try:
            expanded = expand(item, language, role)
        except ValueError as error:
            raise field_error(path, f"{where}[{i}] ({item})", str(error)) from error
        # Choices that fold to the same words ("fatigue", "fatiguée") make one phrase.
        keys = {phrase.slots: phrase for phrase in expanded}
        if keys.keys() & seen:
            raise field_error(path, f"{where}[{i}] ({item})", "is listed twice")
        seen.update(keys)
        phrases += keys.values()
    return phrases


def load_phrases(directory: Path = PHRASES_DIR) -> list[Phrase]:
    """Every language's phrases: ``<lang>.yml``, and ``<lang>-<region>.yml`` files where a
    language's dialects are many (``ar-maghreb.yml``). Each supported language needs its file."""
    phrases: list[Phrase] = []
    for language in LANGUAGES:
        path = directory / f"{language}.yml"
        if not path.exists():
            raise ConfigError(f"{path}: file not found: every language needs its crisis phrases")
        for each in (path, *sorted(directory.glob(f"{language}-*.yml"))):
            phrases += load_file(each, language)
    return phrases
