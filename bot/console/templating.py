"""The console's Jinja environment and the ways it writes numbers, times and durations.

One environment serves every user: the interface language is read from each render's context
(``ui_language``), so gettext, plurals and numbers follow the reader.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import jinja2
from babel.dates import format_datetime, format_timedelta
from markupsafe import Markup

from bot.i18n import babel_locale, format_number, translations

TEMPLATES = Path(__file__).resolve().parent / "templates"


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return translations(context["ui_language"]).gettext(message)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    return translations(context["ui_language"]).ngettext(singular, plural, n)


@jinja2.pass_context
def _number(context: jinja2.runtime.Context, value: float, pattern: str | None = None) -> str:
    """A number written the reader's way: "4,5" in French, "4.5" in English."""
    return format_number(value, context["ui_language"], pattern)


def bdi(text: str) -> Markup:
    """A name, time or number set apart from the text around it (``<bdi>``): in a
    right-to-left page "alice · 07/12/2026 16:00 UTC" keeps its order."""
    return Markup("<bdi>{}</bdi>").format(text)


def fill(message: str, **values: object) -> Markup:
    """A translated message's ``{placeholders}`` filled in, escaped, except for markup such as
    ``bdi``'s, which stays markup."""
    return Markup.escape(message).format(**values)


def environment() -> jinja2.Environment:
    """The templates of ``TEMPLATES``, autoescaped, with gettext, the ``number`` and ``fill``
    filters and ``bdi``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=False)
    env.filters["number"] = _number
    env.filters["fill"] = fill
    env.globals["bdi"] = bdi
    return env


def utc(moment: datetime) -> datetime:
    """A naive UTC time from the database, made aware."""
    return moment.replace(tzinfo=timezone.utc)


def when(moment: datetime | None, language: str) -> str:
    """A date and time in the reader's way, marked UTC; "–" for none."""
    if moment is None:
        return "–"
    # Caseworkers may sit in several time zones: say plainly that times are UTC.
    shown = format_datetime(
        utc(moment), "short", tzinfo=timezone.utc, locale=babel_locale(language)
    )
    return f"{shown} UTC"


def duration(delta: timedelta | None, language: str) -> str:
    """A short duration in the reader's language ("5 min"); "–" for none."""
    if delta is None:
        return "–"
    return format_timedelta(delta, format="short", locale=babel_locale(language))
