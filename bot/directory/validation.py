"""Service directory entries: the fields of ``data/services.yml`` and their validation.

An error names the file (or the console), the entry and the field. A service's category is one
of the assistance types, i.e. a topic's ``category`` in ``data/topics.yml`` (``bot.topics``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale

from bot.centres import CentreDirectory, OpeningHours, parse_hours
from bot.constants import DEFAULT_LANGUAGE, LANGUAGES
from bot.i18n.localised import parse_localised
from bot.questionnaire.parsing import fold
from bot.settings import PROJECT_ROOT, field_error, read_yaml
from bot.topics import service_categories

DEFAULT_SERVICES_FILE = PROJECT_ROOT / "data" / "services.yml"
CATEGORIES: tuple[str, ...] = service_categories()
SERVICE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PHONE = re.compile(r"^\+?[0-9][0-9 ]{3,22}[0-9]$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")

# Every entry's fields, in the file's order; the console's form shows the same ones.
REQUIRED_FIELDS = (
    "id",
    "centre",
    "region",
    "category",
    "name",
    "address",
    "phone",
    "opening_hours",
    "languages",
    "eligibility",
)
_OPTIONAL = ("eligibility_translations",)
# Fields written per language (``bot.i18n.localised``): one French text, or {fr: ..., ar: ...}.
LOCALISED = ("name", "address", "eligibility")
# Characters per field: the columns of bot.storage.models.Service, and for the eligibility note
# (each translation too) a few sentences. Up to four service cards go in one reply; a note as
# long as a letter would bury the contacts beside it.
MAX_LENGTH = {
    "id": 64,
    "region": 100,
    "name": 200,
    "address": 300,
    "phone": 32,
    "eligibility": 500,
}
# The languages column holds "fr,wo,...": 100 characters, so at most 33 codes; 20 is plenty.
MAX_LANGUAGES = 20
_ISO_639_1 = frozenset(code for code in Locale("en").languages if LANGUAGE_CODE.match(code))


@dataclass(frozen=True)
class ServiceEntry:
    id: str
    centre: str
    region: str
    category: str
    name: str
    address: str
    phone: str
    opening_hours: tuple[OpeningHours, ...]
    languages: tuple[str, ...]
    eligibility: str
    # The texts in the other languages ("en", "ar", "es"); French is the field itself.
    eligibility_translations: dict[str, str] = field(default_factory=dict)
    name_translations: dict[str, str] = field(default_factory=dict)
    address_translations: dict[str, str] = field(default_factory=dict)


def fold_region(text: str) -> str:
    """The form regions are matched on: no case, accents or punctuation ("Thiès" -> "thies")."""
    return fold(text)


# Hex digits of a region's id: 40 bits, so two regions of one centre and topic never share one.
REGION_ID_LENGTH = 10


def region_id(region: str) -> str:
    """A short id for a region, for button data: a hash of its folded name, the same for
    "Thiès" and "thies", whatever the name's length or script (Telegram takes 64 bytes of
    button data, and an Arabic letter is 2 of them)."""
    return hashlib.sha256(fold_region(region).encode()).hexdigest()[:REGION_ID_LENGTH]


def parse_entry(source: Path | str, where: str, raw: Any, centres: CentreDirectory) -> ServiceEntry:
    if not isinstance(raw, Mapping):
        raise field_error(source, where, "must be a mapping")
    for key in REQUIRED_FIELDS:
        value = raw.get(key)
        if value in (None, [], {}) or not str(value).strip():
            raise field_error(source, f"{where}.{key}", "is missing")
    where = f"{where} ({raw['id']})"
    unknown = sorted(str(k) for k in raw if k not in REQUIRED_FIELDS + _OPTIONAL)
    if unknown:
        raise field_error(
            source,
            f"{where}.{unknown[0]}",
            f"unknown field; use {', '.join(REQUIRED_FIELDS + _OPTIONAL)}",
        )
    text = {key: " ".join(str(raw[key]).split()) for key in ("id", "region", "phone")}
    text.update({key: str(raw[key]).strip() for key in ("centre", "category")})
    for key in ("id", "region", "phone"):
        _check_length(source, f"{where}.{key}", text[key], MAX_LENGTH[key])
    localised = {
        key: parse_localised(
            source, f"{where}.{key}", raw[key], MAX_LENGTH[key], one_line=key != "eligibility"
        )
        for key in LOCALISED
    }
    localised["eligibility"].update(
        _parse_translations(
            source,
            f"{where}.eligibility_translations",
            raw.get("eligibility_translations"),
            set(localised["eligibility"]),
        )
    )
    if not SERVICE_ID.match(text["id"]):
        raise field_error(
            source, f"{where}.id", "must be a slug: lower-case letters, digits and single hyphens"
        )
    if text["category"] not in CATEGORIES:
        raise field_error(
            source,
            f"{where}.category",
            f"unknown category {text['category']!r}; use one of {', '.join(CATEGORIES)}",
        )
    if centres.get(text["centre"]) is None:
        known = ", ".join(c.code for c in centres)
        raise field_error(
            source, f"{where}.centre", f"unknown centre code {text['centre']!r}; use one of {known}"
        )
    if not fold_region(text["region"]):
        raise field_error(source, f"{where}.region", "must contain letters or digits")
    if not PHONE.match(text["phone"]):
        raise field_error(
            source,
            f"{where}.phone",
            f"{text['phone']!r} is not a phone number (digits and spaces, optionally a leading +)",
        )
    hours = parse_hours(source, f"{where}.opening_hours", raw["opening_hours"])
    name, address, eligibility = (localised[key] for key in LOCALISED)
    return ServiceEntry(
        id=text["id"],
        centre=text["centre"],
        region=text["region"],
        category=text["category"],
        name=name.pop(DEFAULT_LANGUAGE),
        address=address.pop(DEFAULT_LANGUAGE),
        phone=text["phone"],
        opening_hours=hours,
        languages=_parse_languages(source, f"{where}.languages", raw["languages"]),
        eligibility=eligibility.pop(DEFAULT_LANGUAGE),
        eligibility_translations=eligibility,
        name_translations=name,
        address_translations=address,
    )


def _check_length(source: Path | str, where: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise field_error(source, where, f"is too long: {len(text)} characters, at most {limit}")


def _parse_languages(source: Path | str, where: str, raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [part for part in re.split(r"[,\s]+", raw) if part]
    if not isinstance(raw, list) or not raw:
        raise field_error(source, where, "must list ISO 639-1 codes such as [fr, wo]")
    if len(raw) > MAX_LANGUAGES:
        raise field_error(source, where, f"lists {len(raw)} languages, at most {MAX_LANGUAGES}")
    codes: list[str] = []
    for i, code in enumerate(raw):
        code = str(code).strip()
        if not LANGUAGE_CODE.match(code):
            raise field_error(
                source, f"{where}[{i}]", f"{code!r} is not an ISO 639-1 code (2 lower-case letters)"
            )
        if code not in _ISO_639_1:
            raise field_error(
                source, f"{where}[{i}]", f"{code!r} is not a known ISO 639-1 language"
            )
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def _parse_translations(
    source: Path | str, where: str, raw: Any, given: set[str]
) -> dict[str, str]:
    """The older spelling of a note's translations, beside a French ``eligibility`` text."""
    if raw is None or raw == {}:
        return {}
    if not isinstance(raw, Mapping):
        raise field_error(source, where, "must map a language to a text, e.g. {en: ..., ar: ...}")
    others = [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]
    translations: dict[str, str] = {}
    for language, value in raw.items():
        if language not in others:
            raise field_error(
                source,
                f"{where}.{language}",
                f"unknown language; use {', '.join(others)} (French goes in eligibility)",
            )
        if language in given:
            raise field_error(source, f"{where}.{language}", "is also given in eligibility")
        value = str(value or "").strip()
        if not value:
            raise field_error(source, f"{where}.{language}", "is empty")
        _check_length(source, f"{where}.{language}", value, MAX_LENGTH["eligibility"])
        translations[str(language)] = value
    return translations


def load_services(path: Path, centres: CentreDirectory) -> list[ServiceEntry]:
    """Read and validate the services file; raise ``ConfigError`` naming file, entry and field."""
    document = read_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("services"), list):
        raise field_error(path, "services", "must be a list of services")
    entries = [
        parse_entry(path, f"services[{i}]", raw, centres)
        for i, raw in enumerate(document["services"])
    ]
    first: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if entry.id in first:
            raise field_error(
                path,
                f"services[{i}] ({entry.id}).id",
                f"duplicate id, already used by services[{first[entry.id]}]",
            )
        first[entry.id] = i
    return entries
