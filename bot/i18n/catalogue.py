"""Catalogue maintenance: ``python -m bot.i18n.catalogue fill-french``.

French is the source language: its catalogue starts as a copy of the message ids, so that
French copy-editing can happen there without changing ids (and invalidating other languages).
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po

from bot.constants import DEFAULT_LANGUAGE
from bot.i18n import DOMAIN, LOCALES_DIR


def fill_french() -> int:
    """Copy each untranslated French message id into its msgstr; returns how many."""
    path = LOCALES_DIR / DEFAULT_LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=DEFAULT_LANGUAGE)
    filled = 0
    for message in catalog:
        if message.id and not _translated(message.string):
            message.string = _source(message.id, catalog.num_plurals)
            filled += 1
        if message.fuzzy and message.id:
            message.string = _source(message.id, catalog.num_plurals)
            message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    return filled


def _translated(string: str | tuple[str, ...]) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def _source(message_id: str | tuple[str, str], forms: int) -> str | tuple[str, ...]:
    """The French text as its own translation; a plural's forms after the first are plural."""
    if isinstance(message_id, str):
        return message_id
    singular, plural = message_id
    return (singular, *[plural] * (forms - 1))


if __name__ == "__main__":
    if sys.argv[1:] != ["fill-french"]:
        sys.exit("usage: python -m bot.i18n.catalogue fill-french")
    print(f"filled {fill_french()} French messages")
