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
from pathlib import Path
from typing import Any

from babel import Locale
from babel.support import NullTranslations, Translations

from bot.constants import DEFAULT_LANGUAGE, LANGUAGES, RTL_LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


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


def is_rtl(language: str) -> bool:
    return resolve_language(language) in RTL_LANGUAGES


def babel_locale(language: str) -> Locale:
    return Locale.parse(resolve_language(language))
