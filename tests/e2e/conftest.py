"""The real stack for end-to-end tests: trained model, Rasa server, action + NLG server, and
the python-telegram-bot application talking HTTP to a fake Bot API server."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from telegram import Update

from bot.cli import model_path, start_processes, stop_processes, wait_until_ready
from bot.gateway.service import Core, build_core
from bot.gateway.telegram_app import build_application
from bot.settings import Settings, load_settings
from bot.storage.db import migrate
from tests.fakes.bot_api import TOKEN, FakeBotAPI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
def stack(stack_env: dict[str, str]) -> Iterator[Settings]:
    """Rasa and the action server, started once for the session on free loopback ports."""
    model = model_path()
    if not model.exists():
        pytest.fail(f"{model} is missing: `make test` trains it before running the suite")
    settings = load_settings(stack_env)
    migrate(settings.database_url)
    processes = start_processes(settings, model, log_dir=Path(stack_env["BOT_VAR_DIR"]))
    try:
        wait_until_ready(
            {
                "actions": f"http://127.0.0.1:{settings.action_server_port}/health",
                "rasa": f"{settings.rasa_url}/",
            },
            processes,
        )
        yield settings
    finally:
        stop_processes(processes)


# One fake Bot API for the session: update ids must keep increasing, as Telegram's do, or the
# gateway rightly ignores a "repeated" update.
@pytest.fixture(scope="session")
def fake_api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


@pytest.fixture(scope="session")
def telegram_settings(stack_env: dict[str, str], stack: Settings, fake_api: FakeBotAPI) -> Settings:
    return load_settings(
        {**stack_env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake_api.base_url}
    )


@pytest.fixture(scope="session")
async def core(telegram_settings: Settings) -> AsyncIterator[Core]:
    core = build_core(telegram_settings)
    yield core
    await core.aclose()


@pytest.fixture(scope="session")
async def running_bot(telegram_settings: Settings, core: Core, fake_api: FakeBotAPI):
    """The production PTB application, long-polling the fake Bot API."""
    application = build_application(telegram_settings, core.conversation, core.keys)
    async with application:
        await application.updater.start_polling(
            poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        yield fake_api
        await application.updater.stop()
        await application.stop()


@pytest.fixture
def bot(running_bot: FakeBotAPI) -> FakeBotAPI:
    running_bot.clear()
    return running_bot
