"""Reading a registry file (``data/languages.yml``, ``data/topics.yml``): a YAML list of entries
under one key, each parsed by its registry's module, none listed twice.

Imports nothing of the bot: ``bot.constants`` reads the registries.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

Entry = TypeVar("Entry")


class RegistryError(ValueError):
    """The registry file is wrong; the message names the file, the entry and the field."""


def read_entries(
    path: Path, key: str, parse: Callable[[Any, str], Entry], identity: Callable[[Entry], str]
) -> tuple[Entry, ...]:
    """The entries listed under ``key``, in the file's order; ``parse`` reads one (and names
    ``where`` in its errors), ``identity`` is what may not be listed twice."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RegistryError(f"{path}: cannot read the {key}: {error}") from error
    specs = (document or {}).get(key)
    if not isinstance(specs, list) or not specs:
        raise RegistryError(f"{path}: {key}: a list of {key} is required")
    entries = tuple(parse(spec, f"{path}: {key}[{i}]") for i, spec in enumerate(specs))
    names = [identity(entry) for entry in entries]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise RegistryError(f"{path}: {key} listed twice: {twice}")
    return entries
