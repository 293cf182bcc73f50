"""Service directory storage: the ``services`` table, imported from the file and edited by admins.

Services come from ``data/services.yml`` (``bot.directory.validation``) imported into the
``services`` table; admins can then edit them in the caseworker console through
``upsert_service`` and ``delete_service``, validated like the file. Services are public
information, stored in clear.

Repository functions take a session and leave committing to the caller, like
``bot.storage.repository``; ``import_services`` replaces the whole table inside the caller's
transaction, so a failed import leaves the previous directory in place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, time
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.centres import DAYS, CentreDirectory, OpeningHours
from bot.constants import DEFAULT_LANGUAGE
from bot.directory.validation import LOCALISED, ServiceEntry, fold_region, parse_entry
from bot.i18n import resolve_language
from bot.settings import field_error
from bot.storage.models import Service
from bot.towns import Town

CONSOLE = "console"
_JSON: dict[str, Any] = {"ensure_ascii": False, "sort_keys": True}


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
    for key in LOCALISED:
        translations = getattr(entry, f"{key}_translations")
        setattr(service, f"{key}_translations", json.dumps(translations, **_JSON))
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
    session: Session,
    category: str,
    centre: str | None = None,
    region: str | None = None,
    town: Town | None = None,
) -> list[Service]:
    """Services of ``category``, in ``centre`` (any centre if None) and ``region`` (any if None),
    or in ``town`` under any of its spellings ("Rabat", "الرباط").

    The region is matched without case, accents or punctuation: "thies" finds "Thiès".
    """
    query = select(Service).where(Service.category == category)
    if centre is not None:
        query = query.where(Service.centre_code == centre)
    if region is not None:
        query = query.where(Service.region_key == fold_region(region))
    if town is not None:
        query = query.where(Service.region_key.in_(sorted(town.region_keys)))
    query = query.order_by(Service.region_key, Service.name, Service.id)
    return list(session.execute(query).scalars())


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
    entry = parse_entry(CONSOLE, "service", data, centres)
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


def service_translations(service: Service | ServiceEntry, key: str) -> dict[str, str]:
    """The ``name``, ``address`` or ``eligibility`` of a service in languages other than French."""
    translations = getattr(service, f"{key}_translations")
    return translations if isinstance(service, ServiceEntry) else json.loads(translations or "{}")


def service_text(service: Service | ServiceEntry, key: str, language: str) -> str:
    """The service's ``name``, ``address`` or ``eligibility`` in ``language``, else in French."""
    return service_translations(service, key).get(resolve_language(language)) or getattr(
        service, key
    )


def service_data(service: Service) -> dict[str, Any]:
    """A stored service as a ``services.yml`` entry: the console's edit form, or an export.

    A text with translations is a mapping ``{fr: ..., en: ...}``; one without is French alone.
    """
    localised = {key: _localised_value(service, key) for key in LOCALISED}
    return {
        "id": service.id,
        "centre": service.centre_code,
        "region": service.region,
        "category": service.category,
        "name": localised["name"],
        "address": localised["address"],
        "phone": service.phone,
        "opening_hours": json.loads(service.opening_hours),
        "languages": list(service_languages(service)),
        "eligibility": localised["eligibility"],
    }


def _localised_value(service: Service, key: str) -> str | dict[str, str]:
    translations = service_translations(service, key)
    return (
        {DEFAULT_LANGUAGE: getattr(service, key), **translations}
        if translations
        else getattr(service, key)
    )


def entry_data(entry: ServiceEntry) -> dict[str, Any]:
    """A file entry as ``service_data`` gives a stored service, so that the two compare."""
    return service_data(_fill(Service(), entry))
