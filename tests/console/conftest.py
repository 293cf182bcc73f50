"""The console mounted under /console in a parent app, over a throwaway SQLite database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from cryptography.fernet import MultiFernet
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from bot.centres import CentreDirectory
from bot.console.app import build_console
from tests.console.browsing import browser, new_page, server  # noqa: F401 (fixtures)
from tests.console.helpers import Account, make_account


@pytest.fixture
def web(sessions: sessionmaker, box: MultiFernet, centres: CentreDirectory) -> Starlette:
    console = build_console(sessions, box, "test-secret-key", centres, https_only=False)
    return Starlette(routes=[Mount("/console", app=console)])


@pytest.fixture
def new_client(web: Starlette) -> Iterator[Callable[[], TestClient]]:
    """Several browsers (each with its own cookies) on the same console."""
    clients: list[TestClient] = []

    def open_client() -> TestClient:
        client = TestClient(web)
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        client.close()


@pytest.fixture
def client(new_client: Callable[[], TestClient]) -> TestClient:
    return new_client()


@pytest.fixture
def alice(sessions: sessionmaker, box: MultiFernet) -> Account:
    return make_account(sessions, box, "alice")


@pytest.fixture
def bob(sessions: sessionmaker, box: MultiFernet) -> Account:
    return make_account(sessions, box, "bob")


@pytest.fixture
def sam(sessions: sessionmaker, box: MultiFernet) -> Account:
    return make_account(sessions, box, "sam", role="supervisor")


@pytest.fixture
def ada(sessions: sessionmaker, box: MultiFernet) -> Account:
    return make_account(sessions, box, "ada", role="admin")
