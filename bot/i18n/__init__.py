"""Every user-visible string, in every language, comes through here.

Message ids are the French source texts, so a message without a translation falls back to French
by itself. The French catalogue still carries a copy of each text: copy-editing French wording
there does not invalidate the other catalogues.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bot.constants import DEFAULT_LANGUAGE, LANGUAGES, RTL_LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


@dataclass(frozen=True)
class Plural:
    """A message whose words change with a number: "1 minute", "5 minutes", "5 دقائق"."""

    singular: str
    plural: str
    # The placeholder that receives the number, formatted for the language.
    count: str = "n"


def ngettext(singular: str, plural: str, count: str = "n") -> Plural:
    """Mark a message with plural forms for extraction (Babel's own ``ngettext`` keyword takes
    the first two arguments); ``translate_count`` picks the form for a number, by the
    language's CLDR rules (Arabic has six)."""
    return Plural(singular, plural, count)


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of a message, as the catalogue check compares them."""
    return set(_PLACEHOLDER.findall(text))


def resolve_language(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Map a Telegram ``language_code`` such as ``"es-MX"`` to a supported language."""
    if not code:
        return default
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else default


def translations(language: str, locales_dir: Path = LOCALES_DIR) -> NullTranslations:
    """Compiled catalogue of ``language``, falling back to French for missing messages."""
    return _translations(resolve_language(language), locales_dir)


@functools.cache
def _translations(language: str, locales_dir: Path) -> NullTranslations:
    loaded = Translations.load(str(locales_dir), [language], domain=DOMAIN)
    if not isinstance(loaded, Translations):
        raise FileNotFoundError(
            f"{locales_dir}/{language}/LC_MESSAGES/{DOMAIN}.mo is missing: run `make i18n-compile`"
        )
    if language != DEFAULT_LANGUAGE:
        loaded.add_fallback(_translations(DEFAULT_LANGUAGE, locales_dir))
    return loaded


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def translate(language: str, message: str, values: Mapping[str, Any] | None = None) -> str:
    """Translate ``message`` and fill its ``{placeholders}`` from ``values``.

    An unknown placeholder stays visible rather than raising: a half-filled sentence is better
    for a person in need than no answer at all, and the catalogue check catches it in CI.
    """
    text = translations(language).gettext(message)
    if values is None:
        return text
    return string.Formatter().vformat(text, (), _KeepUnknown(values))


def translate_count(
    language: str, message: Plural, number: int, values: Mapping[str, Any] | None = None
) -> str:
    """The form of ``message`` that fits ``number``, with the number written the language's
    way ("1 234" in French) in its placeholder, and the other ``values`` filled in."""
    text = translations(language).ngettext(message.singular, message.plural, number)
    filled = {**(values or {}), message.count: format_number(number, language)}
    return string.Formatter().vformat(text, (), _KeepUnknown(filled))


def format_number(number: float, language: str, pattern: str | None = None) -> str:
    """A number written the language's way: "5,0" in French and Spanish, "5.0" in English."""
    return format_decimal(number, pattern, locale=babel_locale(language))


def is_rtl(language: str) -> bool:
    return resolve_language(language) in RTL_LANGUAGES


def babel_locale(language: str) -> Locale:
    return Locale.parse(resolve_language(language))
