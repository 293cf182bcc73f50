"""The placeholders of a canned reply: the centre's contacts, filled in the case's language
when a caseworker inserts the reply. A text naming a placeholder that does not exist is refused
when it is saved, so that no "{centre_fax}" ever reaches a person."""

from __future__ import annotations

import re

from bot.centres import Centre, format_hours
from bot.constants import LANGUAGES
from bot.i18n import is_rtl
from bot.i18n.bidi import LRI, PDI
from bot.storage.canned import MAX_BODY, MAX_TITLE

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PLACEHOLDERS = ("centre_name", "centre_phone", "centre_address", "centre_hours")


def unknown_placeholders(text: str) -> list[str]:
    """The ``{names}`` of ``text`` that are not placeholders, in order, once each."""
    found = [name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]
    return list(dict.fromkeys(found))


def filled(text: str, centre: Centre | None, language: str) -> str:
    """``text`` with the centre's contacts in ``language``; a centre unknown leaves the text."""
    if centre is None:
        return text
    # A phone number reads left to right even inside an Arabic reply (bot.centres).
    phone = f"{LRI}{centre.phone}{PDI}" if is_rtl(language) else centre.phone
    values = {
        "centre_name": centre.name_in(language),
        "centre_phone": phone,
        "centre_address": centre.address_in(language),
        "centre_hours": format_hours(centre.opening_hours, language),
    }
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def problem(language: str, title: str, body: str) -> str | None:
    """Why a canned reply cannot be saved (a key of ``texts.CANNED_ERRORS``), None if it can."""
    if language not in LANGUAGES:
        return "language"
    if not title or len(title) > MAX_TITLE or "\n" in title:
        return "title"
    if not body or len(body) > MAX_BODY:
        return "body"
    if unknown_placeholders(body):
        return "placeholder"
    return None
