"""Service directory formatting: a service's card in the reader's language (its name, address and
eligibility note too, French when a service gives none in that language)."""

from __future__ import annotations

from collections.abc import Iterable

from babel.lists import format_list

from bot.centres import format_hours
from bot.directory.storage import service_hours, service_languages, service_text
from bot.directory.validation import ServiceEntry
from bot.i18n import N_, babel_locale, translate
from bot.storage.models import Service

# Reuses the centres' contact block, so the catalogues already translate it.
CONTACT_MESSAGE = N_("{name}\nAdresse : {address}\nTéléphone : {phone}\nHoraires :\n{hours}")
LANGUAGES_MESSAGE = N_("Langues : {languages}")
ELIGIBILITY_MESSAGE = N_("Conditions : {eligibility}")


def language_names(codes: Iterable[str], language: str) -> str:
    """ "wolof et français", "الولوفية والفرنسية": languages named in the reader's language."""
    locale = babel_locale(language)
    names = [locale.languages.get(code, code) for code in codes]
    return format_list(names, locale=locale) if names else ""


def format_service(service: Service | ServiceEntry, language: str) -> str:
    """The service's card in ``language``: contacts, hours, languages spoken, eligibility."""
    contact = translate(
        language,
        CONTACT_MESSAGE,
        {
            "name": service_text(service, "name", language),
            "address": service_text(service, "address", language),
            "phone": service.phone,
            "hours": format_hours(service_hours(service), language),
        },
    )
    lines = [contact]
    spoken = service_languages(service)
    if spoken:
        lines.append(
            translate(language, LANGUAGES_MESSAGE, {"languages": language_names(spoken, language)})
        )
    eligibility = service_text(service, "eligibility", language)
    if eligibility:
        lines.append(translate(language, ELIGIBILITY_MESSAGE, {"eligibility": eligibility}))
    return "\n".join(lines)
