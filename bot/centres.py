"""Migrant resource centres: contact details, opening hours, emergency and help lines.

They come from a YAML file (``data/centres.yml`` by default), never from hard-coded text, so a
programme can add its centres without touching code. The file is validated at start-up; an error
names the file and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from babel.dates import format_time, get_day_names
from babel.lists import format_list

from bot.constants import CENTRE_CALLBACK_PREFIX, DEFAULT_LANGUAGE, LANGUAGES
from bot.crisis.kinds import LINE_LABELS
from bot.i18n import N_, babel_locale, is_rtl, translate
from bot.i18n.bidi import LRI, PDI
from bot.i18n.localised import in_language, parse_localised
from bot.settings import field_error, read_yaml
from bot.towns import Town, parse_towns

CENTRE_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Phone numbers read left to right inside right-to-left text: without the isolate marks an
# Arabic reply showed "+212 500 00 00 02" as "02 00 00 500 212+", and a person may dial that.
LTR_ISOLATE, POP_ISOLATE = LRI, PDI
_REQUIRED = ("code", "name", "country", "default_language", "address", "phone")
PRIORITIES = ("urgent", "high", "normal")
MAX_ALERT_MINUTES = 24 * 60
MAX_TITLE = 40
CHOOSE_COUNTRY = N_(
    "Choisissez votre pays ci-dessous : je vous donnerai les coordonnées de son centre."
)
# Characters of a name and an address, in each language: as the services' (bot.directory).
MAX_LENGTH = {"name": 200, "address": 300}


@dataclass(frozen=True)
class OpeningHours:
    days: tuple[str, ...]
    opens: time
    closes: time


@dataclass(frozen=True)
class Centre:
    code: str
    name: str
    country: str
    default_language: str
    address: str
    phone: str
    opening_hours: tuple[OpeningHours, ...]
    emergency: dict[str, str]
    # The name and address in languages other than French ("en", "ar", "es"): French is
    # ``name`` and ``address`` themselves.
    name_translations: dict[str, str] = field(default_factory=dict)
    address_translations: dict[str, str] = field(default_factory=dict)
    # Minutes a case of each priority ("urgent", "high", "normal") may wait unclaimed before
    # the caseworkers are alerted; a priority missing here takes the deployment's setting.
    alert_minutes: dict[str, int] = field(default_factory=dict)
    # What caseworkers are called in messages to people, per language ("référente"); a language
    # missing here takes the catalogue's word.
    caseworker_title: dict[str, str] = field(default_factory=dict)
    # The towns it serves, named in every language (bot.towns).
    towns: tuple[Town, ...] = ()

    def name_in(self, language: str | None) -> str:
        """The centre's name in ``language``, else in French."""
        return in_language({DEFAULT_LANGUAGE: self.name, **self.name_translations}, language)

    def address_in(self, language: str | None) -> str:
        return in_language({DEFAULT_LANGUAGE: self.address, **self.address_translations}, language)


class CentreDirectory:
    """The centres by code, with the formatting the answers need."""

    def __init__(self, centres: Iterable[Centre]) -> None:
        self._by_code = {centre.code: centre for centre in centres}

    def __iter__(self):
        return iter(self._by_code.values())

    def get(self, code: str | None) -> Centre | None:
        return self._by_code.get(code) if code else None

    def contacts(self, code: str | None, language: str) -> str:
        """Contact block of the person's centre. When it is unknown: with centres in several
        countries, an invitation to choose the country (``country_buttons``), else every
        centre's block."""
        centre = self.get(code)
        if centre is None and len(self.countries()) > 1:
            return translate(language, CHOOSE_COUNTRY)
        centres = [centre] if centre else list(self)
        return "\n\n".join(format_contacts(c, language) for c in centres)

    def country_buttons(self, code: str | None, language: str) -> list[tuple[str, str]]:
        """The countries to choose from, named in ``language``, that go with ``contacts``
        when the centre is unknown: none when it is known or all centres share a country."""
        countries = self.countries()
        if self.get(code) is not None or len(countries) < 2:
            return []
        return [
            (country_name(country, language), f"{CENTRE_CALLBACK_PREFIX}{country}")
            for country in countries
        ]

    def country_contacts(self, country: str, language: str) -> str:
        """Contact blocks of ``country``'s centres (empty for a country without one)."""
        return "\n\n".join(format_contacts(c, language) for c in self if c.country == country)

    def towns(self, code: str | None = None) -> list[Town]:
        """The towns of centre ``code``, or of every centre when it is None or unknown."""
        centre = self.get(code)
        return list(centre.towns) if centre else [town for c in self for town in c.towns]

    def only_centre(self, country: str) -> str | None:
        """The code of ``country``'s centre when it has just one."""
        codes = [centre.code for centre in self if centre.country == country]
        return codes[0] if len(codes) == 1 else None

    def countries(self) -> list[str]:
        """The centres' countries, in the file's order."""
        return list(self.by_country())

    def by_country(self) -> dict[str, Centre]:
        """The first centre of each country, in the file's order: national lines are alike."""
        first: dict[str, Centre] = {}
        for centre in self:
            first.setdefault(centre.country, centre)
        return first


def country_name(country: str, language: str) -> str:
    return babel_locale(language).territories.get(country, country)


def phone(number: str, language: str) -> str:
    """A phone number that reads left to right in any text."""
    return f"{LTR_ISOLATE}{number}{POP_ISOLATE}" if is_rtl(language) else number


def format_hours(hours: Iterable[OpeningHours], language: str) -> str:
    locale = babel_locale(language)
    day_names = get_day_names("abbreviated", locale=locale)
    lines = []
    for slot in hours:
        first, last = DAYS.index(slot.days[0]), DAYS.index(slot.days[-1])
        consecutive = list(DAYS[first : last + 1]) == list(slot.days)
        if len(slot.days) > 2 and consecutive:
            days = f"{day_names[first]}–{day_names[last]}"
        else:
            # "lun., mer. et ven.", "الاثنين والأربعاء": the language's own list, not a Latin comma.
            days = format_list([day_names[DAYS.index(d)] for d in slot.days], locale=locale)
        opens = format_time(slot.opens, "short", locale=locale)
        closes = format_time(slot.closes, "short", locale=locale)
        lines.append(f"{days} {opens}–{closes}")
    return "\n".join(lines)


def format_contacts(centre: Centre, language: str) -> str:
    return translate(
        language,
        N_("{name}\nAdresse : {address}\nTéléphone : {phone}\nHoraires :\n{hours}"),
        {
            "name": centre.name_in(language),
            "address": centre.address_in(language),
            "phone": phone(centre.phone, language),
            "hours": format_hours(centre.opening_hours, language),
        },
    )


def format_lines(centre: Centre, lines: Iterable[str], language: str) -> str:
    """The centre's help lines among ``lines``, in that order, one per row."""
    return "\n".join(
        translate(
            language,
            N_("☎ {label} : {number}"),
            {
                "label": translate(language, LINE_LABELS[line]),
                "number": phone(centre.emergency[line], language),
            },
        )
        for line in lines
        if line in centre.emergency
    )


def parse_hours(path: Path, where: str, raw: Any) -> tuple[OpeningHours, ...]:
    if not isinstance(raw, list) or not raw:
        raise field_error(path, where, "must be a non-empty list of {days, open, close}")
    slots = []
    for i, item in enumerate(raw):
        slot = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise field_error(path, slot, "must be a mapping with days, open and close")
        days = item.get("days")
        if not isinstance(days, list) or not days or any(d not in DAYS for d in days):
            raise field_error(path, f"{slot}.days", f"must list days among {', '.join(DAYS)}")
        times = []
        for key in ("open", "close"):
            value = str(item.get(key, ""))
            if not _TIME.match(value):
                raise field_error(path, f"{slot}.{key}", f"{value!r} is not a time like 09:00")
            times.append(time.fromisoformat(value))
        if times[0] >= times[1]:
            raise field_error(path, slot, "closes before it opens")
        slots.append(OpeningHours(tuple(days), times[0], times[1]))
    return tuple(slots)


def _parse_centre(path: Path, index: int, raw: Any) -> Centre:
    where = f"centres[{index}]"
    if not isinstance(raw, dict):
        raise field_error(path, where, "must be a mapping")
    for key in _REQUIRED:
        if not str(raw.get(key) or "").strip():
            raise field_error(path, f"{where}.{key}", "is missing")
    where = f"centres[{index}] ({raw['code']})"
    name, address = (
        parse_localised(path, f"{where}.{key}", raw[key], MAX_LENGTH[key])
        for key in ("name", "address")
    )
    if not CENTRE_CODE.match(str(raw["code"])):
        raise field_error(path, f"{where}.code", "must be 1-64 characters from A-Z a-z 0-9 _ -")
    if raw["default_language"] not in LANGUAGES:
        raise field_error(
            path, f"{where}.default_language", f"must be one of {', '.join(LANGUAGES)}"
        )
    country = str(raw["country"])
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise field_error(path, f"{where}.country", "must be an ISO 3166 code such as SN")
    emergency = raw.get("emergency")
    if not isinstance(emergency, dict) or not emergency:
        raise field_error(path, f"{where}.emergency", "must list at least one emergency number")
    for kind, number in emergency.items():
        if kind not in LINE_LABELS:
            raise field_error(
                path,
                f"{where}.emergency.{kind}",
                f"unknown; use {', '.join(LINE_LABELS)}",
            )
        if not re.fullmatch(r"\+?[0-9 ]{2,20}", str(number)):
            raise field_error(
                path, f"{where}.emergency.{kind}", f"{number!r} is not a phone number"
            )
    return Centre(
        code=str(raw["code"]),
        name=name.pop(DEFAULT_LANGUAGE),
        country=country,
        default_language=str(raw["default_language"]),
        address=address.pop(DEFAULT_LANGUAGE),
        phone=str(raw["phone"]),
        opening_hours=parse_hours(path, f"{where}.opening_hours", raw.get("opening_hours")),
        emergency={str(k): str(v) for k, v in emergency.items()},
        alert_minutes=_parse_alert_minutes(
            path, f"{where}.alert_minutes", raw.get("alert_minutes")
        ),
        caseworker_title=_parse_titles(
            path, f"{where}.caseworker_title", raw.get("caseworker_title")
        ),
        name_translations=name,
        address_translations=address,
        towns=parse_towns(path, f"{where}.towns", raw.get("towns"), str(raw["code"])),
    )


def _parse_titles(path: Path, where: str, raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise field_error(path, where, f"must map languages ({', '.join(LANGUAGES)}) to a title")
    titles = {}
    for language, title in raw.items():
        if language not in LANGUAGES:
            raise field_error(path, f"{where}.{language}", f"unknown; use {', '.join(LANGUAGES)}")
        if not isinstance(title, str) or not 1 <= len(title.strip()) <= MAX_TITLE:
            raise field_error(
                path, f"{where}.{language}", f"{title!r} is not a title of 1-{MAX_TITLE} characters"
            )
        titles[str(language)] = title.strip()
    return titles


def _parse_alert_minutes(path: Path, where: str, raw: Any) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise field_error(path, where, f"must map priorities ({', '.join(PRIORITIES)}) to minutes")
    minutes = {}
    for priority, value in raw.items():
        if priority not in PRIORITIES:
            raise field_error(path, f"{where}.{priority}", f"unknown; use {', '.join(PRIORITIES)}")
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not 1 <= value <= MAX_ALERT_MINUTES
        ):
            raise field_error(
                path,
                f"{where}.{priority}",
                f"{value!r} is not a number of minutes from 1 to {MAX_ALERT_MINUTES}",
            )
        minutes[str(priority)] = value
    return minutes


def load_centres(path: Path) -> CentreDirectory:
    """Read and validate the centres file; raise ``ConfigError`` naming file and field."""
    document = read_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("centres"), list):
        raise field_error(path, "centres", "must be a list of centres")
    centres = [_parse_centre(path, i, raw) for i, raw in enumerate(document["centres"])]
    if not centres:
        raise field_error(path, "centres", "must list at least one centre")
    codes = [c.code for c in centres]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise field_error(path, "centres", f"duplicate code {', '.join(duplicates)}")
    return CentreDirectory(centres)
