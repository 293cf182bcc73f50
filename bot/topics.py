"""The information topics' registry (``data/topics.yml``): one entry per topic, read here.

Everything else that names topics reads this module (``bot.constants.INFO_INTENTS``, the topic
titles of suggestions and reports, the answers that need no disclaimer) or is checked against it
by ``bot.topic_checks`` (``domain.yml``, the rules, the menu, the questionnaire, the services,
``docs/intents.md``, the NLU examples). Imports nothing of the bot: ``bot.constants`` reads it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.registry import RegistryError, read_entries

TOPICS_FILE = Path(__file__).resolve().parents[1] / "data" / "topics.yml"
MENU_PAGES = ("main", "more")
DIMENSIONS = ("economic", "social", "psychosocial")
NONE = "none"
FIELDS = frozenset(
    {"intent", "answer", "menu", "title", "dimension", "category", "disclaimer", "overlaps"}
)


@dataclass(frozen=True)
class Topic:
    intent: str
    answer: str
    menu: str
    title: str
    dimension: str | None
    category: str | None
    disclaimer: bool = True
    # Other intent -> where the line between the two runs, for whoever writes examples.
    overlaps: dict[str, str] = field(default_factory=dict)


def _optional(value: Any) -> str | None:
    return None if value in (None, NONE) else str(value)


def _topic(spec: Any, where: str) -> Topic:
    if not isinstance(spec, dict):
        raise RegistryError(f"{where}: expected a mapping")
    unknown = sorted(set(spec) - FIELDS)
    if unknown:
        raise RegistryError(f"{where}: unknown fields {unknown}")
    for name in ("intent", "menu", "title", "dimension", "category"):
        if name not in spec:
            raise RegistryError(f"{where}: {name} is missing")
    intent = str(spec["intent"])
    where = f"{where} ({intent})"
    if not (intent.startswith("info_") and intent.isidentifier()):
        raise RegistryError(f"{where}: intent: must be info_<lower-case name>")
    if spec["menu"] not in MENU_PAGES:
        raise RegistryError(f"{where}: menu: one of {', '.join(MENU_PAGES)}")
    dimension = _optional(spec["dimension"])
    if dimension is not None and dimension not in DIMENSIONS:
        raise RegistryError(f"{where}: dimension: one of {', '.join(DIMENSIONS)} or {NONE}")
    overlaps = spec.get("overlaps") or {}
    if not isinstance(overlaps, dict) or not all(isinstance(v, str) for v in overlaps.values()):
        raise RegistryError(f"{where}: overlaps: intent -> one line saying where the line is")
    return Topic(
        intent=intent,
        answer=str(spec.get("answer", f"utter_{intent}")),
        menu=str(spec["menu"]),
        title=str(spec["title"]),
        dimension=dimension,
        category=_optional(spec["category"]),
        disclaimer=bool(spec.get("disclaimer", True)),
        overlaps={str(k): v for k, v in overlaps.items()},
    )


def load_topics(path: Path = TOPICS_FILE) -> tuple[Topic, ...]:
    """Every topic, in the file's order (the menu pages' order); a bad entry is an error."""
    return read_entries(path, "topics", _topic, lambda topic: topic.intent)


@functools.cache
def topics() -> tuple[Topic, ...]:
    """The registered topics, read once."""
    return load_topics()


def intents() -> tuple[str, ...]:
    """The topics' intents, in registry order."""
    return tuple(t.intent for t in topics())


def titles() -> dict[str, str]:
    """Intent -> short title (an untranslated msgid)."""
    return {t.intent: t.title for t in topics()}


def on_page(page: str, registered: tuple[Topic, ...] | None = None) -> tuple[Topic, ...]:
    """The topics a menu page offers, in order."""
    return tuple(t for t in (registered or topics()) if t.menu == page)


def service_categories() -> tuple[str, ...]:
    """The service categories, each once, in registry order."""
    return tuple(dict.fromkeys(t.category for t in topics() if t.category))
