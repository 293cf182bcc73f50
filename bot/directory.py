"""Service directory: where to get each kind of help, per centre, region and category.

Services come from a YAML file (``data/services.yml`` by default) imported into the ``services``
table with validation; admins can then edit them in the caseworker console through
``upsert_service`` and ``delete_service``. An error names the file (or the console), the entry
and the field. A service's category is one of the assistance types, i.e. a topic's ``category``
in ``data/topics.yml`` (``bot.topics``). Services are public information, stored in clear.

Repository functions take a session and leave committing to the caller, like
``bot.storage.repository``; ``import_services`` replaces the whole table inside the caller's
transaction, so a failed import leaves the previous directory in place.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any

import yaml
from babel import Locale
from babel.lists import format_list
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.centres import DAYS, CentreDirectory, OpeningHours, format_hours, parse_hours
from bot.constants import DEFAULT_LANGUAGE, LANGUAGES
from bot.i18n import N_, babel_locale, resolve_language, translate
from bot.questionnaire.parsing import fold
from bot.settings import PROJECT_ROOT, field_error, read_yaml
from bot.storage.models import Service
from bot.topics import service_categories

DEFAULT_SERVICES_FILE = PROJECT_ROOT / "data" / "services.yml"
CATEGORIES: tuple[str, ...] = service_categories()
SERVICE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PHONE = re.compile(r"^\+?[0-9][0-9 ]{3,22}[0-9]$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
CONSOLE = "console"

# Reuses the centres' contact block, so the catalogues already translate it.
CONTACT_MESSAGE = N_("{name}\nAdresse : {address}\nTéléphone : {phone}\nHoraires :\n{hours}")
LANGUAGES_MESSAGE = N_("Langues : {languages}")
ELIGIBILITY_MESSAGE = N_("Conditions : {eligibility}")

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
    eligibility_translations: dict[str, str] = field(default_factory=dict)


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


def _parse_entry(
    source: Path | str, where: str, raw: Any, centres: CentreDirectory
) -> ServiceEntry:
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
    text = {key: " ".join(str(raw[key]).split()) for key in REQUIRED_FIELDS if key in MAX_LENGTH}
    text.update({key: str(raw[key]).strip() for key in ("centre", "category", "eligibility")})
    for key, limit in MAX_LENGTH.items():
        _check_length(source, f"{where}.{key}", text[key], limit)
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
    return ServiceEntry(
        id=text["id"],
        centre=text["centre"],
        region=text["region"],
        category=text["category"],
        name=text["name"],
        address=text["address"],
        phone=text["phone"],
        opening_hours=hours,
        languages=_parse_languages(source, f"{where}.languages", raw["languages"]),
        eligibility=text["eligibility"],
        eligibility_translations=_parse_translations(
            source, f"{where}.eligibility_translations", raw.get("eligibility_translations")
        ),
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


def _parse_translations(source: Path | str, where: str, raw: Any) -> dict[str, str]:
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
        _parse_entry(path, f"services[{i}]", raw, centres)
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


def _hours_json(hours: Iterable[OpeningHours]) -> str:
    return json.dumps(
        [
            {
                "days": list(slot.days),
                "open": slot.opens.strftime("%H:%M"),
                "close": slot.closes.strftime("%H:%M"),
            }
            for slot in hours
        ]
    )


def _fill(service: Service, entry: ServiceEntry) -> Service:
    service.id = entry.id
    service.centre_code = entry.centre
    service.region = entry.region
    service.region_key = fold_region(entry.region)
    service.category = entry.category
    service.name = entry.name
    service.address = entry.address
    service.phone = entry.phone
    service.opening_hours = _hours_json(entry.opening_hours)
    service.languages = ",".join(entry.languages)
    service.eligibility = entry.eligibility
    service.eligibility_translations = json.dumps(
        entry.eligibility_translations, ensure_ascii=False, sort_keys=True
    )
    service.updated_at = datetime.utcnow()
    return service


def import_services(session: Session, entries: Iterable[ServiceEntry]) -> int:
    """Replace the whole directory with ``entries`` (already validated); return their number.

    Everything happens in the caller's transaction: commit it to publish the new directory.
    """
    entries = list(entries)
    session.flush()
    session.execute(delete(Service).execution_options(synchronize_session=False))
    for stale in [obj for obj in session.identity_map.values() if isinstance(obj, Service)]:
        session.expunge(stale)
    session.add_all(_fill(Service(), entry) for entry in entries)
    session.flush()
    return len(entries)


def find_services(
    session: Session, category: str, centre: str | None = None, region: str | None = None
) -> list[Service]:
    """Services of ``category``, in ``centre`` (any centre if None) and ``region`` (any if None).

    The region is matched without case, accents or punctuation: "thies" finds "Thiès".
    """
    query = select(Service).where(Service.category == category)
    if centre is not None:
        query = query.where(Service.centre_code == centre)
    if region is not None:
        query = query.where(Service.region_key == fold_region(region))
    query = query.order_by(Service.region_key, Service.name, Service.id)
    return list(session.execute(query).scalars())


def regions(session: Session, category: str, centre: str | None = None) -> list[str]:
    """Distinct regions having a service of ``category`` (in ``centre`` if given), sorted."""
    query = select(Service.region_key, Service.region).where(Service.category == category)
    if centre is not None:
        query = query.where(Service.centre_code == centre)
    query = query.order_by(Service.region_key, Service.region)
    names: dict[str, str] = {}
    for key, name in session.execute(query):
        names.setdefault(key, name)
    return list(names.values())


def list_services(session: Session, centre: str | None = None) -> list[Service]:
    """Every service (of ``centre`` if given), for the console, by centre, region and name."""
    query = select(Service)
    if centre is not None:
        query = query.where(Service.centre_code == centre)
    query = query.order_by(Service.centre_code, Service.region_key, Service.category, Service.name)
    return list(session.execute(query).scalars())


def get_service(session: Session, service_id: str) -> Service | None:
    return session.get(Service, service_id)


def upsert_service(session: Session, data: Mapping[str, Any], centres: CentreDirectory) -> Service:
    """Create or update the service ``data["id"]``, validated like a file entry.

    ``data`` has the fields of a ``services.yml`` entry; from a form, ``languages`` may also be
    a comma-separated string and ``opening_hours`` a YAML/JSON text of the same list. Raises
    ``ConfigError`` whose message starts with "console: service (<id>).<field>: ".
    """
    data = dict(data)
    if isinstance(data.get("opening_hours"), str):
        try:
            data["opening_hours"] = yaml.safe_load(data["opening_hours"])
        except yaml.YAMLError as error:
            raise field_error(
                CONSOLE, f"service ({data.get('id')}).opening_hours", f"invalid YAML: {error}"
            ) from error
    if not data.get("eligibility_translations"):
        data.pop("eligibility_translations", None)
    entry = _parse_entry(CONSOLE, "service", data, centres)
    service = session.get(Service, entry.id)
    if service is None:
        service = Service()
        session.add(_fill(service, entry))
    else:
        _fill(service, entry)
    session.flush()
    return service


def delete_service(session: Session, service_id: str) -> bool:
    """Delete one service; False when there was none with that id."""
    service = session.get(Service, service_id)
    if service is None:
        return False
    session.delete(service)
    session.flush()
    return True


def service_hours(service: Service | ServiceEntry) -> tuple[OpeningHours, ...]:
    if isinstance(service, ServiceEntry):
        return service.opening_hours
    return tuple(
        OpeningHours(
            tuple(day for day in slot["days"] if day in DAYS),
            time.fromisoformat(slot["open"]),
            time.fromisoformat(slot["close"]),
        )
        for slot in json.loads(service.opening_hours or "[]")
    )


def service_languages(service: Service | ServiceEntry) -> tuple[str, ...]:
    if isinstance(service, ServiceEntry):
        return service.languages
    return tuple(code for code in (service.languages or "").split(",") if code)


def service_eligibility(service: Service | ServiceEntry, language: str) -> str:
    """The eligibility note in ``language``, or in French when it has no translation."""
    if isinstance(service, ServiceEntry):
        translations = service.eligibility_translations
    else:
        translations = json.loads(service.eligibility_translations or "{}")
    return translations.get(resolve_language(language)) or service.eligibility


def service_data(service: Service) -> dict[str, Any]:
    """A stored service as a ``services.yml`` entry: the console's edit form, or an export."""
    return {
        "id": service.id,
        "centre": service.centre_code,
        "region": service.region,
        "category": service.category,
        "name": service.name,
        "address": service.address,
        "phone": service.phone,
        "opening_hours": json.loads(service.opening_hours),
        "languages": list(service_languages(service)),
        "eligibility": service.eligibility,
        "eligibility_translations": json.loads(service.eligibility_translations or "{}"),
    }


def entry_data(entry: ServiceEntry) -> dict[str, Any]:
    """A file entry as ``service_data`` gives a stored service, so that the two compare."""
    return service_data(_fill(Service(), entry))


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
            "name": service.name,
            "address": service.address,
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
    eligibility = service_eligibility(service, language)
    if eligibility:
        lines.append(translate(language, ELIGIBILITY_MESSAGE, {"eligibility": eligibility}))
    return "\n".join(lines)
