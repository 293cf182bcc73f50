"""A conversation core over a throwaway SQLite database, with Rasa unreachable; a fake Bot API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import MultiFernet
from sqlalchemy.orm import sessionmaker

from bot.centres import CentreDirectory
from bot.gateway.assessment import AssessmentFlow
from bot.gateway.conversation import Conversation
from bot.gateway.crisis import CrisisHelp
from bot.gateway.handover import HandoverFlow
from bot.gateway.nearby import NearbyServices
from bot.gateway.rasa_client import RasaClient
from bot.gateway.store import PeopleStore
from bot.nlg.render import Renderer
from bot.questionnaire.definition import load_definition
from tests.fakes.bot_api import FakeBotAPI


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        yield api


@pytest.fixture
def people(sessions: sessionmaker, box: MultiFernet) -> PeopleStore:
    return PeopleStore(sessions, box)


@pytest.fixture
def unreachable_rasa() -> RasaClient:
    # Port 9 (discard) on loopback: nothing listens there, the connection is refused at once.
    return RasaClient(["http://127.0.0.1:9"], timeout=2.0)


@pytest.fixture
def offline_conversation(
    sessions: sessionmaker,
    box: MultiFernet,
    unreachable_rasa: RasaClient,
    people: PeopleStore,
    renderer: Renderer,
    centres: CentreDirectory,
    crisis: CrisisHelp,
) -> Conversation:
    definition = load_definition()
    assessment = AssessmentFlow(definition, sessions, box, centres, renderer, crisis)
    handover = HandoverFlow(definition, sessions, box, centres)
    nearby = NearbyServices(sessions, centres)
    return Conversation(
        unreachable_rasa, people, renderer, centres, assessment, handover, nearby, crisis
    )
