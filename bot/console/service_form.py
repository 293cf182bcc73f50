"""The service directory's edit form: a stored service as form values, and form values as the
data ``bot.directory.upsert_service`` validates.

Every form value is a plain string, so that a form sent back with an error shows exactly what
was typed. Opening hours are a YAML (or JSON) list typed in a textarea.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from bot.constants import DEFAULT_LANGUAGE, LANGUAGES
from bot.directory import LOCALISED, REQUIRED_FIELDS, service_data
from bot.storage.models import Service

# Languages a name, an address and an eligibility note may be translated into (French is the
# field itself): form fields "name_ar", "address_en", "eligibility_es"...
TRANSLATED = tuple(language for language in LANGUAGES if language != DEFAULT_LANGUAGE)
FIELDS = REQUIRED_FIELDS + tuple(
    f"{key}_{language}" for key in LOCALISED for language in TRANSLATED
)
HOURS_EXAMPLE = (
    '- days: [mon, tue, wed, thu, fri]\n  open: "09:00"\n  close: "17:00"\n'
    '- days: [sat]\n  open: "09:00"\n  close: "12:00"'
)
# "console: service (dakar-sante).phone: ..." -> phone; "...).name.en: ..." -> name_en.
_ERROR_FIELD = re.compile(r"^console: service(?: \(.*?\))?\.([a-z_]+)(?:\.([a-z]{2})\b)?")


def blank_form(centre: str = "") -> dict[str, str]:
    form = dict.fromkeys(FIELDS, "")
    form["centre"] = centre
    return form


def hours_text(hours: list[dict[str, Any]]) -> str:
    """Opening hours as the YAML an admin would type, times quoted."""
    lines = []
    for slot in hours:
        lines.append(f"- days: [{', '.join(slot['days'])}]")
        lines.append(f'  open: "{slot["open"]}"')
        lines.append(f'  close: "{slot["close"]}"')
    return "\n".join(lines)


def form_from_service(service: Service) -> dict[str, str]:
    data = service_data(service)
    form = {
        key: str(data[key])
        for key in REQUIRED_FIELDS
        if key not in ("opening_hours", "languages", *LOCALISED)
    }
    form["opening_hours"] = hours_text(data["opening_hours"])
    form["languages"] = ", ".join(data["languages"])
    for key in LOCALISED:
        value = data[key]
        texts = value if isinstance(value, dict) else {DEFAULT_LANGUAGE: value}
        form[key] = texts[DEFAULT_LANGUAGE]
        form.update({f"{key}_{lang}": texts.get(lang, "") for lang in TRANSLATED})
    return form


def form_from_post(posted: dict[str, str]) -> dict[str, str]:
    """The form's fields as typed, without surrounding blanks and with plain newlines."""
    return {key: posted.get(key, "").replace("\r\n", "\n").strip() for key in FIELDS}


def _hours(text: str) -> Any:
    """The hours as a list when the text parses, else the text for ``upsert_service`` to report.

    YAML 1.1 reads an unquoted ``18:00`` as the number 1080 (base 60): every scalar is read as
    a string here, so ``open: 18:00`` works as well as ``open: "18:00"``.
    """
    try:
        return yaml.load(text, Loader=yaml.BaseLoader)  # plain strings, lists and mappings only
    except yaml.YAMLError:
        return text


def data_from_form(form: dict[str, str]) -> dict[str, Any]:
    """What ``upsert_service`` takes: texts per language, empty translations left out."""
    data: dict[str, Any] = {key: form[key] for key in REQUIRED_FIELDS}
    data["opening_hours"] = _hours(form["opening_hours"]) if form["opening_hours"] else None
    for key in LOCALISED:
        translations = {lang: form[f"{key}_{lang}"] for lang in TRANSLATED if form[f"{key}_{lang}"]}
        if translations:
            data[key] = {DEFAULT_LANGUAGE: form[key], **translations}
    return data


def error_fields(message: str) -> set[str]:
    """The form fields a validation message is about, to mark them invalid."""
    match = _ERROR_FIELD.match(message)
    if match is None:
        return set()
    field, language = match.groups()
    if field in LOCALISED and language:
        field = f"{field}_{language}" if language in TRANSLATED else field
    return {field} if field in FIELDS else set()


def shown_error(message: str) -> str:
    """A validation message without the "console: " prefix the import errors share."""
    return message.removeprefix("console: ")
