"""The real stack for end-to-end tests: trained model, Rasa server, action + NLG server, and
the python-telegram-bot application talking HTTP to a fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.cli import model_path
from bot.settings import Settings, load_settings
from bot.storage.db import migrate
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.helpers.ports import free_port
from tests.helpers.stack import CASEWORKER_CHAT_ID, Stack, gateway


@pytest.fixture(scope="session")
def stack_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    var = tmp_path_factory.mktemp("var")
    return {
        "BOT_VAR_DIR": str(var),
        "BOT_DATA_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{var / 'bot.db'}",
        "ACTION_SERVER_PORT": str(free_port()),
        "RASA_PORT": str(free_port()),
    }


@pytest.fixture(scope="session")
def stack(stack_env: dict[str, str]) -> Iterator[Stack]:
    """Started once for the session on free loopback ports."""
    model = model_path()
    if not model.exists():
        pytest.fail(f"{model} is missing: `make test` trains it before running the suite")
    settings = load_settings(stack_env)
    migrate(settings.database_url)
    running = Stack(settings, Path(stack_env["BOT_VAR_DIR"]))
    try:
        running.start()
        yield running
    finally:
        running.stop()


# One fake Bot API for the session: update ids must keep increasing, as Telegram's do, or the
# gateway rightly ignores a "repeated" update.
@pytest.fixture(scope="session")
def fake_api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


@pytest.fixture(scope="session")
def telegram_settings(stack_env: dict[str, str], stack: Stack, fake_api: FakeBotAPI) -> Settings:
    return load_settings(
        {
            **stack_env,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake_api.base_url,
            "CASEWORKER_CHAT_ID": str(CASEWORKER_CHAT_ID),
        }
    )


@pytest.fixture
async def bot(telegram_settings: Settings, fake_api: FakeBotAPI) -> AsyncIterator[FakeBotAPI]:
    fake_api.clear()
    async with gateway(telegram_settings):
        yield fake_api
