"""Where to get a kind of help: services from the centres' directory, by topic and town.

After an info answer the person can see the services for that topic near them: in the town
their message names, or in the town they pick from the ones the directory knows (one tap).
Buttons are ``s:<topic>:<region id>``: a short hash of the region's name
(``bot.directory.region_id``), never the name, whose length and script the button data's 64
bytes could not hold.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session, sessionmaker

from bot import directory
from bot.constants import SERVICES_CALLBACK_PREFIX
from bot.gateway.assessment import Who
from bot.gateway.replies import Reply
from bot.i18n import N_, is_rtl, translate
from bot.questionnaire.parsing import fold

WHERE = N_("Où trouver cette aide ? Choisissez la ville ou la région la plus proche :")
HERE = N_("Voici les services que je connais à {region} :")
NONE_HERE = N_(
    "Je ne connais pas encore de service de ce type là-bas. Le centre peut vous orienter."
)
MAX_REGIONS = 8
MAX_SERVICES = 4


class NearbyServices:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    async def after_answer(self, who: Who, topic: str, text: str) -> list[Reply]:
        """Services in the town the message names, else the towns to choose from, else nothing."""
        return await asyncio.to_thread(self._after_answer, who, topic, text)

    async def button(self, who: Who, payload: str) -> list[Reply]:
        topic, _, key = payload.removeprefix(SERVICES_CALLBACK_PREFIX).partition(":")
        return await asyncio.to_thread(self._in_region, who, topic, key)

    def _after_answer(self, who: Who, topic: str, text: str) -> list[Reply]:
        with self._sessions.begin() as session:
            regions = directory.regions(session, topic, who.centre)
            if not regions:
                return []
            words = f" {fold(text)} "
            named = next((r for r in regions if f" {fold(r)} " in words), None)
            if named is not None:
                return self._list(session, who, topic, named)
            buttons = tuple(
                (region, f"{SERVICES_CALLBACK_PREFIX}{topic}:{directory.region_id(region)}")
                for region in regions[:MAX_REGIONS]
            )
        return [Reply(translate(who.language, WHERE), buttons, rtl=is_rtl(who.language))]

    def _in_region(self, who: Who, topic: str, key: str) -> list[Reply]:
        with self._sessions.begin() as session:
            regions = directory.regions(session, topic, who.centre)
            # Buttons sent before regions had ids carry the folded name: still in chats.
            region = next((r for r in regions if key in (directory.region_id(r), fold(r))), None)
            if region is None:
                return [Reply(translate(who.language, NONE_HERE), rtl=is_rtl(who.language))]
            return self._list(session, who, topic, region)

    def _list(self, session: Session, who: Who, topic: str, region: str) -> list[Reply]:
        services = directory.find_services(session, topic, who.centre, region)[:MAX_SERVICES]
        if not services:
            return [Reply(translate(who.language, NONE_HERE), rtl=is_rtl(who.language))]
        blocks = [translate(who.language, HERE, {"region": region})]
        blocks += [directory.format_service(s, who.language) for s in services]
        return [Reply("\n\n".join(blocks), rtl=is_rtl(who.language))]
