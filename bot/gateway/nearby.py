"""Where to get a kind of help: services from the centres' directory, by topic and town.

After an info answer the person can see the services for that topic near them: in the town
their message names (in any script and spelling the centres file knows: "الرباط", "rbat"), or
in the town they pick from the ones the directory knows (one tap, the town named in their
language). A person whose centre is not known picks their country first, then a town of it.
Buttons are ``s:<topic>:<region id>``, a short hash of the region's name
(``bot.directory.region_id``), never the name, whose length and script the button data's 64
bytes could not hold; or ``s:<topic>:<country>`` (two capital letters) for a country.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot import directory
from bot.centres import CentreDirectory, country_name
from bot.constants import SERVICES_CALLBACK_PREFIX
from bot.gateway.assessment import Who
from bot.gateway.replies import Reply
from bot.i18n import N_, is_rtl, translate
from bot.questionnaire.parsing import fold
from bot.towns import Town, find_town, town_of_region

WHERE = N_("Où trouver cette aide ? Choisissez la ville ou la région la plus proche :")
WHICH_COUNTRY = N_("Où trouver cette aide ? Choisissez d'abord votre pays :")
HERE = N_("Voici les services que je connais à {region} :")
NONE_HERE = N_(
    "Je ne connais pas encore de service de ce type là-bas. Le centre peut vous orienter."
)
MAX_REGIONS = 8
MAX_SERVICES = 4
COUNTRY = re.compile(r"[A-Z]{2}\Z")


@dataclass(frozen=True)
class Place:
    """A region of the directory, with the town it names and its centre's country."""

    region: str
    town: Town | None
    country: str

    def name_in(self, language: str) -> str:
        return self.town.name_in(language) if self.town else self.region


class NearbyServices:
    def __init__(self, sessions: sessionmaker[Session], centres: CentreDirectory) -> None:
        self._sessions = sessions
        self._centres = centres

    async def after_answer(self, who: Who, topic: str, text: str) -> list[Reply]:
        """Services in the town the message names, else the towns (or, without a centre and
        with centres in several countries, the countries) to choose from, else nothing."""
        return await asyncio.to_thread(self._after_answer, who, topic, text)

    async def button(self, who: Who, payload: str) -> list[Reply]:
        topic, _, key = payload.removeprefix(SERVICES_CALLBACK_PREFIX).partition(":")
        if COUNTRY.match(key):
            return await asyncio.to_thread(self._in_country, who, topic, key)
        return await asyncio.to_thread(self._in_region, who, topic, key)

    def country_of(self, payload: str) -> str | None:
        """The country a services button names, if it names one."""
        key = payload.removeprefix(SERVICES_CALLBACK_PREFIX).partition(":")[2]
        return key if COUNTRY.match(key) else None

    def _after_answer(self, who: Who, topic: str, text: str) -> list[Reply]:
        with self._sessions.begin() as session:
            places = self._places(session, who, topic)
            if not places:
                return []
            named = self._named(places, text)
            if named is not None:
                return self._list(session, who, topic, named)
        countries = list(dict.fromkeys(place.country for place in places))
        if len(countries) > 1:
            buttons = tuple(
                (
                    country_name(country, who.language),
                    f"{SERVICES_CALLBACK_PREFIX}{topic}:{country}",
                )
                for country in countries
            )
            return [
                Reply(translate(who.language, WHICH_COUNTRY), buttons, rtl=is_rtl(who.language))
            ]
        return [self._choose(who, topic, places)]

    def _in_country(self, who: Who, topic: str, country: str) -> list[Reply]:
        with self._sessions.begin() as session:
            places = [p for p in self._places(session, who, topic) if p.country == country]
        if not places:
            return [Reply(translate(who.language, NONE_HERE), rtl=is_rtl(who.language))]
        return [self._choose(who, topic, places)]

    def _in_region(self, who: Who, topic: str, key: str) -> list[Reply]:
        with self._sessions.begin() as session:
            places = self._places(session, who, topic)
            # Buttons sent before regions had ids carry the folded name: still in chats.
            place = next(
                (p for p in places if key in (directory.region_id(p.region), fold(p.region))),
                None,
            )
            if place is None:
                return [Reply(translate(who.language, NONE_HERE), rtl=is_rtl(who.language))]
            return self._list(session, who, topic, place)

    def _places(self, session: Session, who: Who, topic: str) -> list[Place]:
        """The regions having a service of ``topic`` for the person, one per region."""
        places: dict[str, Place] = {}
        for service in directory.find_services(session, topic, who.centre):
            if service.region_key in places:
                continue
            centre = self._centres.get(service.centre_code)
            towns = list(centre.towns) if centre else []
            places[service.region_key] = Place(
                service.region,
                town_of_region(service.region, towns),
                centre.country if centre else "",
            )
        return list(places.values())

    def _named(self, places: list[Place], text: str) -> Place | None:
        towns = [place.town for place in places if place.town is not None]
        town = find_town(text, towns)
        if town is not None:
            return next(place for place in places if place.town == town)
        words = f" {fold(text)} "
        return next((p for p in places if f" {fold(p.region)} " in words), None)

    def _countries(self, who: Who, topic: str, countries: list[str]) -> Reply:
        buttons = tuple(
            (country_name(country, who.language), f"{SERVICES_CALLBACK_PREFIX}{topic}:{country}")
            for country in countries
        )
        return Reply(translate(who.language, WHICH_COUNTRY), buttons, rtl=is_rtl(who.language))

    def _choose(self, who: Who, topic: str, places: list[Place]) -> Reply:
        buttons = tuple(
            (
                place.name_in(who.language),
                f"{SERVICES_CALLBACK_PREFIX}{topic}:{directory.region_id(place.region)}",
            )
            for place in places[:MAX_REGIONS]
        )
        return Reply(translate(who.language, WHERE), buttons, rtl=is_rtl(who.language))

    def _list(self, session: Session, who: Who, topic: str, place: Place) -> list[Reply]:
        services = directory.find_services(
            session, topic, who.centre, None if place.town else place.region, place.town
        )[:MAX_SERVICES]
        if not services:
            return [Reply(translate(who.language, NONE_HERE), rtl=is_rtl(who.language))]
        blocks = [translate(who.language, HERE, {"region": place.name_in(who.language)})]
        blocks += [directory.format_service(s, who.language) for s in services]
        return [Reply("\n\n".join(blocks), rtl=is_rtl(who.language))]
