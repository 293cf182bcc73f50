"""A conversation core over a throwaway SQLite database."""

from __future__ import annotations

import pytest

from bot.centres import CentreDirectory
from bot.gateway.assessment import AssessmentFlow
from bot.gateway.conversation import Conversation
from bot.gateway.handover import HandoverFlow
from bot.gateway.nearby import NearbyServices
from bot.gateway.rasa_client import RasaClient
from bot.gateway.store import PeopleStore
from bot.nlg.render import Renderer
from bot.questionnaire.definition import load_definition
from bot.settings import Settings
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.keys import cipher, data_keys


@pytest.fixture
def people(settings: Settings) -> PeopleStore:
    migrate(settings.database_url)
    box = cipher(data_keys(settings))
    return PeopleStore(session_factory(make_engine(settings.database_url)), box)


@pytest.fixture
def unreachable_rasa() -> RasaClient:
    # Port 9 (discard) on loopback: nothing listens there, the connection is refused at once.
    return RasaClient("http://127.0.0.1:9", timeout=2.0)


@pytest.fixture
def offline_conversation(
    settings: Settings,
    unreachable_rasa: RasaClient,
    people: PeopleStore,
    renderer: Renderer,
    centres: CentreDirectory,
) -> Conversation:
    sessions = session_factory(make_engine(settings.database_url))
    box = cipher(data_keys(settings))
    definition = load_definition()
    assessment = AssessmentFlow(definition, sessions, box, centres, renderer)
    handover = HandoverFlow(definition, sessions, box, centres)
    nearby = NearbyServices(sessions)
    return Conversation(unreachable_rasa, people, renderer, centres, assessment, handover, nearby)
