"""Catalogue maintenance: ``python -m bot.i18n.catalogue fill-french | init <code>``.

French is the source language: its catalogue starts as a copy of the message ids, so that
French copy-editing can happen there without changing ids (and invalidating other languages).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from bot.constants import DEFAULT_LANGUAGE
from bot.i18n import DOMAIN, LOCALES_DIR
from bot.languages import CODE


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


def init_catalogue(language: str, locales: Path = LOCALES_DIR) -> Path:
    """A new language's catalogue from the template, every message untranslated, with the
    language's plural rule from CLDR (what ``pybabel init`` does). An existing one is kept."""
    if not CODE.fullmatch(language):
        raise ValueError(f"{language!r}: a language code is two lower-case letters (LANG=pt)")
    path = locales / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if path.exists():
        raise FileExistsError(f"{path} exists already: `make i18n-update` brings it up to date")
    with (locales / f"{DOMAIN}.pot").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    catalog.fuzzy = False
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return path


def _translated(string: str | tuple[str, ...]) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def _source(message_id: str | tuple[str, str], forms: int) -> str | tuple[str, ...]:
    """The French text as its own translation; a plural's forms after the first are plural."""
    if isinstance(message_id, str):
        return message_id
    singular, plural = message_id
    return (singular, *[plural] * (forms - 1))


def main(argv: list[str]) -> str:
    """Run one command; returns what to print."""
    if argv == ["fill-french"]:
        return f"filled {fill_french()} French messages"
    if len(argv) == 2 and argv[0] == "init":
        try:
            created = init_catalogue(argv[1])
        except (ValueError, FileExistsError) as error:
            raise SystemExit(str(error)) from error
        return f"created {created}: translate it, then `make i18n-compile`"
    raise SystemExit("usage: python -m bot.i18n.catalogue fill-french | init <language code>")


if __name__ == "__main__":
    print(main(sys.argv[1:]))
