"""Catalogue completeness: every message translated in every language, same placeholders, and
French fallback for anything missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.constants import LANGUAGES
from bot.i18n import LOCALES_DIR, placeholders, resolve_language, translate, translations

POT = LOCALES_DIR / "messages.pot"


def catalogue(language: str):
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def template_ids() -> set[str]:
    with POT.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def _complete(string: str | tuple[str, ...]) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    translated = {m.id for m in catalogue(language) if m.id and _complete(m.string) and not m.fuzzy}

    missing = sorted(template_ids() - translated)
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:3]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_match_the_message_id(language: str) -> None:
    differing = [
        m.id
        for m in catalogue(language)
        if m.id and not isinstance(m.id, tuple) and placeholders(m.id) != placeholders(m.string)
    ]
    assert not differing, f"{language}: placeholders differ in {differing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_keep_the_placeholders_but_may_spell_the_number(language: str) -> None:
    """A form may write its number as a word ("دقيقة واحدة", "يومين"), never add or lose
    another placeholder."""
    for message in catalogue(language):
        if not isinstance(message.id, tuple):
            continue
        expected = placeholders(message.id[1])
        for form in message.string:
            found = placeholders(form)
            assert found <= expected and len(expected - found) <= 1, (language, message.id, form)


def test_template_is_up_to_date_with_code_and_domain(tmp_path: Path) -> None:
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    from bot.settings import PROJECT_ROOT

    with (PROJECT_ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {
        message
        for _, _, message, _, _ in extract_from_dir(
            PROJECT_ROOT,
            method_map,
            options_map,
            keywords={"N_": None, "_": None, "ngettext": (1, 2)},
        )
    }
    assert found == template_ids(), "run `make i18n-update` and translate the new messages"


def test_missing_translation_falls_back_to_french(tmp_path: Path) -> None:
    for language, entries in {"fr": {"Bonjour": "Bonjour à vous"}, "es": {}}.items():
        catalog = Catalog(locale=language)
        for msgid, msgstr in entries.items():
            catalog.add(msgid, msgstr)
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / "messages.mo").open("wb") as handle:
            write_mo(handle, catalog)

    assert translations("es", tmp_path).gettext("Bonjour") == "Bonjour à vous"
    assert translations("xx") is translations("fr")


def test_unsupported_telegram_languages_fall_back_to_french() -> None:
    assert resolve_language("es-MX") == "es"
    assert resolve_language("pt-BR") == "fr"
    assert resolve_language(None) == "fr"


def test_placeholders_are_filled_and_unknown_ones_stay_visible() -> None:
    text = translate("en", "☎ {label} : {number}", {"label": "Police", "number": "17"})
    assert "Police" in text and "17" in text
    assert translate("fr", "{inconnu}", {}) == "{inconnu}"
