"""Towns a centre serves, named in every language and script, and found in what people type.

Each centre of ``data/centres.yml`` lists its towns: a name per language (French required) and
the other spellings people use ("الرباط", "Rabat", "rbat", "Ar-Ribat")::

    towns:
      - name: {fr: Rabat, ar: الرباط}
        aliases: [rbat, Ar-Ribat]

Buttons show a town in the reader's language. A typed town is matched on every name and alias
after the crisis detector's folding (``bot.crisis.normalise.words``: no case, accents, tatweel or
Arabic letter variants, stretched letters squeezed), and a name of five letters or more still
matches with one typo ("Casablanac"): a person looking for help should not have to spell
perfectly. A service's ``region`` names one of its centre's towns by any of these spellings.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.constants import DEFAULT_LANGUAGE
from bot.crisis.normalise import words
from bot.i18n.localised import in_language, parse_localised
from bot.questionnaire.parsing import fold
from bot.settings import field_error

MAX_NAME = 100  # as a service's region
# Names this long or longer are still found with one letter wrong, missing, extra or swapped.
TYPO_MIN_LETTERS = 5
# A town's name spans at most this many words ("Ben Arous", "Dar es Salam").
MAX_WORDS = 3
ID_LENGTH = 10  # hex digits of a town's id: 40 bits, no two towns share one


@dataclass(frozen=True)
class Town:
    centre: str
    names: dict[str, str]  # per language, French always there
    aliases: tuple[str, ...] = ()

    def name_in(self, language: str | None) -> str:
        return in_language(self.names, language)

    @property
    def spellings(self) -> tuple[str, ...]:
        return (*self.names.values(), *self.aliases)

    @functools.cached_property
    def keys(self) -> frozenset[str]:
        """Every spelling as typed words are compared to it."""
        return frozenset(key for key in (town_key(s) for s in self.spellings) if key)

    @functools.cached_property
    def region_keys(self) -> frozenset[str]:
        """Every spelling folded as a service's region is stored (``Service.region_key``)."""
        return frozenset(fold(s) for s in self.spellings)


def town_id(town: Town) -> str:
    """A short id for a town, for button data: its centre and French name hashed (Telegram
    takes 64 bytes of button data)."""
    name = f"{town.centre}:{fold(town.names[DEFAULT_LANGUAGE])}"
    return hashlib.sha256(name.encode()).hexdigest()[:ID_LENGTH]


def town_key(text: str) -> str:
    return " ".join(words(text))


def parse_towns(path: Path, where: str, raw: Any, centre: str) -> tuple[Town, ...]:
    """A centre's ``towns`` list; raise ``ConfigError`` naming file and field."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise field_error(path, where, "must be a list of {name, aliases}")
    towns: list[Town] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(raw):
        here = f"{where}[{i}]"
        if not isinstance(item, dict) or not item.get("name"):
            raise field_error(path, f"{here}.name", "is missing")
        unknown = sorted(str(key) for key in item if key not in ("name", "aliases"))
        if unknown:
            raise field_error(path, f"{here}.{unknown[0]}", "unknown field; use name, aliases")
        names = parse_localised(path, f"{here}.name", item["name"], MAX_NAME)
        aliases = item.get("aliases") or []
        if not isinstance(aliases, list):
            raise field_error(path, f"{here}.aliases", "must be a list of spellings")
        aliases = [" ".join(str(alias).split()) for alias in aliases]
        for j, alias in enumerate(aliases):
            if not town_key(alias) or len(alias) > MAX_NAME:
                raise field_error(
                    path, f"{here}.aliases[{j}]", f"must be 1-{MAX_NAME} characters with letters"
                )
        town = Town(centre, names, tuple(aliases))
        for key in town.keys:
            if key in seen and seen[key] != here:
                raise field_error(path, here, f"{key!r} also names {seen[key]}")
            seen[key] = here
        towns.append(town)
    return tuple(towns)


def find_town(text: str, towns: Sequence[Town]) -> Town | None:
    """The town ``text`` names (the whole answer or words inside a message), else None.

    An exact spelling wins over a near one; a near one counts only when it points to one town.
    """
    tokens = words(text)
    grams = {
        " ".join(tokens[start : start + size])
        for size in range(1, MAX_WORDS + 1)
        for start in range(len(tokens) - size + 1)
    }
    for town in towns:
        if town.keys & grams:
            return town
    near = [
        town for town in towns if any(_one_typo(gram, key) for gram in grams for key in town.keys)
    ]
    return near[0] if len(near) == 1 else None


def town_of_region(region: str, towns: Iterable[Town]) -> Town | None:
    """The town a service's region names, by an exact spelling."""
    key = town_key(region)
    return next((town for town in towns if key in town.keys), None)


def _one_typo(typed: str, key: str) -> bool:
    """One letter wrong, missing, extra, or two neighbours swapped, in a long enough name."""
    if min(len(typed), len(key)) < TYPO_MIN_LETTERS or typed == key:
        return False
    if abs(len(typed) - len(key)) > 1:
        return False
    if len(typed) == len(key):
        diffs = [i for i, (a, b) in enumerate(zip(typed, key, strict=True)) if a != b]
        if len(diffs) == 1:
            return True
        first, second = diffs[0], diffs[-1]
        return (
            len(diffs) == 2
            and second == first + 1
            and (typed[first], typed[second]) == (key[second], key[first])
        )
    shorter, longer = sorted((typed, key), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))
