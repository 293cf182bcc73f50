"""The service directory's edit form: a stored service as form values, and form values as the
data ``bot.directory.upsert_service`` validates.

Every form value is a plain string, so that a form sent back with an error shows exactly what
was typed. Opening hours are up to ``MAX_SLOTS`` time slots, each a row of day checkboxes
(``hours_0_mon`` = "1") and two time inputs (``hours_0_open``, ``hours_0_close``, "HH:MM").
"""

from __future__ import annotations

import re
from typing import Any

from bot.centres import DAYS
from bot.constants import DEFAULT_LANGUAGE, LANGUAGES
from bot.directory import LOCALISED, REQUIRED_FIELDS, service_data
from bot.storage.models import Service

# Languages a name, an address and an eligibility note may be translated into (French is the
# field itself): form fields "name_ar", "address_en", "eligibility_es"...
TRANSLATED = tuple(language for language in LANGUAGES if language != DEFAULT_LANGUAGE)
# Slots offered on the form; a service needs one for each set of days with the same hours.
MAX_SLOTS = 4
HOUR_FIELDS = tuple(
    f"hours_{slot}_{part}" for slot in range(MAX_SLOTS) for part in (*DAYS, "open", "close")
)
FIELDS = (
    tuple(field for field in REQUIRED_FIELDS if field != "opening_hours")
    + tuple(f"{key}_{language}" for key in LOCALISED for language in TRANSLATED)
    + HOUR_FIELDS
)
# "console: service (dakar-sante).phone: ..." -> phone; "...).name.en: ..." -> name_en.
_ERROR_FIELD = re.compile(r"^console: service(?: \(.*?\))?\.([a-z_]+)(?:\.([a-z]{2})\b)?")


def blank_form(centre: str = "") -> dict[str, str]:
    form = dict.fromkeys(FIELDS, "")
    form["centre"] = centre
    return form


def hours_fields(hours: list[dict[str, Any]]) -> dict[str, str]:
    """Opening hours as the form's checkboxes and times (the slots past ``MAX_SLOTS`` are
    dropped: no service has needed more than two)."""
    form = dict.fromkeys(HOUR_FIELDS, "")
    for index, slot in enumerate(hours[:MAX_SLOTS]):
        form.update({f"hours_{index}_{day}": "1" for day in slot["days"]})
        form[f"hours_{index}_open"], form[f"hours_{index}_close"] = slot["open"], slot["close"]
    return form


def hours_from_form(form: dict[str, str]) -> list[dict[str, Any]] | None:
    """The slots where a day is ticked or a time given, for ``upsert_service`` to validate (a
    slot with days and no time is reported there); None when the form has none."""
    hours = []
    for index in range(MAX_SLOTS):
        days = [day for day in DAYS if form[f"hours_{index}_{day}"]]
        opens, closes = form[f"hours_{index}_open"], form[f"hours_{index}_close"]
        if days or opens or closes:
            hours.append({"days": days, "open": opens, "close": closes})
    return hours or None


def form_from_service(service: Service) -> dict[str, str]:
    data = service_data(service)
    form = {
        key: str(data[key])
        for key in REQUIRED_FIELDS
        if key not in ("opening_hours", "languages", *LOCALISED)
    }
    form.update(hours_fields(data["opening_hours"]))
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


def data_from_form(form: dict[str, str]) -> dict[str, Any]:
    """What ``upsert_service`` takes: texts per language, empty translations left out."""
    data: dict[str, Any] = {key: form[key] for key in REQUIRED_FIELDS if key != "opening_hours"}
    data["opening_hours"] = hours_from_form(form)
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
    if field == "opening_hours":
        return {"opening_hours"}  # the template marks the slots' time inputs
    return {field} if field in FIELDS else set()


def shown_error(message: str) -> str:
    """A validation message without the "console: " prefix the import errors share."""
    return message.removeprefix("console: ")
