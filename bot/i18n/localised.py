"""Texts that data files give per language (a centre's name, a service's address), with French
as the fallback.

In a data file such a field is either one French text or a mapping from language to text in
which French is required::

    name: "Dispensaire Exemple (fictif)"
    name: {fr: "Dispensaire Exemple (fictif)", ar: "مستوصف المثال (وهمي)", en: "..."}

A language outside ``bot.constants.LANGUAGES``, a missing French text or an empty one stops
start-up with an error naming the file and the field (``name.ar``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.constants import DEFAULT_LANGUAGE, LANGUAGES
from bot.i18n import resolve_language
from bot.settings import field_error


def parse_localised(
    source: Path | str, where: str, raw: Any, limit: int, *, one_line: bool = True
) -> dict[str, str]:
    """``raw`` as ``{language: text}`` with French first; raise ``ConfigError`` naming the field.

    ``one_line`` joins a text's lines and runs of spaces (names, addresses); a note keeps them.
    """
    per_language = isinstance(raw, Mapping)
    values = raw if per_language else {DEFAULT_LANGUAGE: raw}
    parsed: dict[str, str] = {}
    for language in values:
        if language not in LANGUAGES:
            raise field_error(
                source, f"{where}.{language}", f"unknown language; use {', '.join(LANGUAGES)}"
            )
    for language in (DEFAULT_LANGUAGE, *(code for code in LANGUAGES if code in values)):
        if language in parsed:
            continue
        field = f"{where}.{language}" if per_language else where
        value = values.get(language)
        text = str(value if value is not None else "")
        text = " ".join(text.split()) if one_line else text.strip()
        if not text:
            problem = "is missing" if language == DEFAULT_LANGUAGE else "is empty"
            raise field_error(source, field, problem)
        if len(text) > limit:
            raise field_error(
                source, field, f"is too long: {len(text)} characters, at most {limit}"
            )
        parsed[language] = text
    return parsed


def in_language(values: Mapping[str, str], language: str | None) -> str:
    """The text in ``language``, else in French."""
    return values.get(resolve_language(language)) or values[DEFAULT_LANGUAGE]
