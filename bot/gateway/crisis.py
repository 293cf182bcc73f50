"""The help a person in crisis gets at once: the words for their kind of crisis, the right line
first, and a caseworker one tap away.

:class:`CrisisHelp` only decides and renders; the conversation core calls it before anything
else on every typed message and takes care of an open case or a questionnaire in progress.
Buttons are ``x:<kind>:<country>``, for a person whose centre is not known yet.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session, sessionmaker

from bot import directory
from bot.centres import Centre, CentreDirectory, country_name, format_contacts, format_lines
from bot.constants import CRISIS_CALLBACK_PREFIX, URGENT_HANDOVER_PAYLOAD
from bot.crisis.detector import CrisisDetector, Detection
from bot.crisis.kinds import BY_ID, GENERAL, CrisisKind
from bot.gateway.replies import Reply
from bot.i18n import N_, is_rtl, translate

TALK_NOW = N_("Parler à quelqu'un maintenant")
WHICH_COUNTRY = N_("Dans quel pays êtes-vous ? Touchez-le, je vous donne les bons numéros.")
CENTRE_HELP = N_("Le centre peut vous aider :\n\n{centre_contacts}")
SERVICES = N_("Des lieux qui peuvent vous accueillir :")
MAX_SERVICES = 3
SHELTER_TOPIC = "info_housing_food"


class CrisisHelp:
    def __init__(
        self,
        detector: CrisisDetector,
        centres: CentreDirectory,
        sessions: sessionmaker[Session],
    ) -> None:
        self._detector = detector
        self._centres = centres
        self._sessions = sessions

    def detect(self, text: str) -> Detection | None:
        """The crisis ``text`` shows, if any."""
        return self._detector.detect(text)

    async def replies(
        self, kinds: tuple[str, ...], language: str, centre: str | None
    ) -> list[Reply]:
        return await asyncio.to_thread(self.render, kinds, language, centre)

    async def button(self, payload: str, language: str) -> list[Reply]:
        """A country chosen by a person whose centre is unknown: that country's lines."""
        kind, _, country = payload.removeprefix(CRISIS_CALLBACK_PREFIX).partition(":")
        centre = self._centres.by_country().get(country)
        kinds = (kind,) if kind in BY_ID else ()
        return await self.replies(kinds, language, centre.code if centre else None)

    def render(
        self,
        kinds: tuple[str, ...],
        language: str,
        code: str | None,
        opening: str | None = None,
    ) -> list[Reply]:
        """The help for ``kinds`` (the first is the most pressing), in a worker thread: the
        shelter answer reads the directory. ``opening`` replaces the kind's own first words
        (a red flag's, which answer what the person just chose)."""
        known = [BY_ID[k] for k in kinds if k in BY_ID] or [GENERAL]
        first = known[0]
        centre = self._centres.get(code)
        countries = self._centres.by_country()
        if centre is None and len(countries) == 1:
            centre = next(iter(countries.values()))
        parts = [translate(language, opening or first.text)]
        buttons: list[tuple[str, str]] = []
        if centre is None:
            parts.append(translate(language, WHICH_COUNTRY))
            buttons += [
                (country_name(c, language), f"{CRISIS_CALLBACK_PREFIX}{first.id}:{c}")
                for c in countries
            ]
        else:
            lines = format_lines(centre, _lines(known, centre), language)
            if lines:
                parts.append(lines)
            if any(kind.centre_help for kind in known):
                parts += self._centre_help(centre, language)
        buttons.append((translate(language, TALK_NOW), URGENT_HANDOVER_PAYLOAD))
        return [Reply("\n\n".join(parts), tuple(buttons), rtl=is_rtl(language), alone=True)]

    def _centre_help(self, centre: Centre, language: str) -> list[str]:
        contacts = format_contacts(centre, language)
        parts = [translate(language, CENTRE_HELP, {"centre_contacts": contacts})]
        with self._sessions() as session:
            services = directory.find_services(session, SHELTER_TOPIC, centre.code)
            found = [directory.format_service(s, language) for s in services[:MAX_SERVICES]]
        if found:
            parts.append("\n\n".join([translate(language, SERVICES), *found]))
        return parts


def _lines(kinds: list[CrisisKind], centre: Centre) -> list[str]:
    """Each kind's lines in its order, the first kind's first; police and ambulance as a last
    resort when the centre has none of a kind's own lines, except where the centre's own help
    is the answer (no shelter is not a matter for the police)."""
    ordered: list[str] = []
    for kind in kinds:
        own = [line for line in kind.lines if line in centre.emergency]
        fallback = [] if kind.centre_help else ["police", "ambulance"]
        for line in own or fallback:
            if line not in ordered:
                ordered.append(line)
    return ordered
