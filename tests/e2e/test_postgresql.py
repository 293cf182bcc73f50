"""The whole stack on PostgreSQL: Rasa's tracker store and our tables in one database, and
nothing planted in a conversation appears in plain text in a pg_dump of it."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from bot.console.texts import CONTACT_TIME_LABELS
from bot.gateway import handover
from bot.i18n import translate
from bot.settings import Settings, load_settings
from bot.storage.db import migrate
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.helpers.ports import free_port
from tests.helpers.postgres import SKIP_REASON, throwaway_database
from tests.helpers.stack import Stack, gateway

pytestmark = pytest.mark.e2e
USER = 424_242


@pytest.fixture(scope="module")
def postgres_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with throwaway_database("e2e") as url:
        if url is None:
            pytest.skip(SKIP_REASON)
        env = {
            "BOT_VAR_DIR": str(tmp_path_factory.mktemp("pgvar")),
            "BOT_DATA_KEY": Fernet.generate_key().decode(),
            "DATABASE_URL": url,
            "ACTION_SERVER_PORT": str(free_port()),
            "RASA_PORT": str(free_port()),
        }
        settings = load_settings(env)
        migrate(settings.database_url)
        stack = Stack(settings, settings.var_dir)
        stack.start()
        try:
            yield env
        finally:
            stack.stop()


def buttons(message: dict) -> dict[str, str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def exchange(fake: FakeBotAPI, update: dict) -> dict:
    fake.clear()
    fake.push_update(update)
    (reply,) = await fake.wait_for_messages(USER, 1)
    return reply


async def test_conversation_on_postgresql_leaves_no_plain_text(
    postgres_env: dict[str, str], fake_api: FakeBotAPI
) -> None:
    settings: Settings = load_settings(
        {**postgres_env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake_api.base_url}
    )
    planted = [f"Plant{uuid.uuid4().hex[:10]}" for _ in range(3)]
    fake = fake_api
    async with gateway(settings):
        answer = await exchange(fake, fake.text_update(USER, "je cherche un logement"))
        assert "logement" in answer["text"], "Rasa answers with its tracker on PostgreSQL"
        await exchange(fake, fake.text_update(USER, f"merci {planted[0]}"))
        ask = await exchange(fake, fake.text_update(USER, "/caseworker"))
        while ask["text"] != translate("fr", handover.ASK_HELP_WITH):
            yes = buttons(ask)[translate("fr", handover.YES)]
            ask = await exchange(fake, fake.callback_update(USER, yes))
        ask = await exchange(fake, fake.text_update(USER, planted[1]))
        morning = buttons(ask)[translate("fr", CONTACT_TIME_LABELS["morning"])]
        await exchange(fake, fake.callback_update(USER, morning))
        await exchange(fake, fake.text_update(USER, planted[2]))

    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed (Debian package postgresql-client)")
    dump = subprocess.run(
        [pg_dump, "--data-only", settings.database_url], capture_output=True, text=True, check=True
    ).stdout
    assert "events" in dump and "cases" in dump
    for secret in [*planted, str(USER)]:
        assert secret not in dump, f"{secret} in plain text in PostgreSQL"


async def test_a_database_outage_mid_conversation_loses_and_resets_nothing(
    postgres_env: dict[str, str], fake_api: FakeBotAPI
) -> None:
    settings: Settings = load_settings(
        {**postgres_env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake_api.base_url}
    )
    user = USER + 1
    fake = fake_api
    async with gateway(settings):
        fake.clear()
        fake.push_update(fake.text_update(user, "hablame en español por favor"))
        await fake.wait_for_messages(user, 1)

        # Cut every connection of every process to the database, mid-conversation.
        admin = create_engine(
            settings.database_url.rsplit("/", 1)[0] + "/test",
            future=True,
            isolation_level="AUTOCOMMIT",
        )
        database = settings.database_url.rsplit("/", 1)[1]
        with admin.connect() as connection:
            cut = connection.execute(
                text(
                    "select count(pg_terminate_backend(pid)) from pg_stat_activity "
                    "where datname = :db and pid <> pg_backend_pid()"
                ),
                {"db": database},
            ).scalar()
        admin.dispose()
        assert cut >= 1

        fake.clear()
        fake.push_update(fake.text_update(user, "necesito un medico"))
        # Either answered at once (connections re-made), or "try again" now and the answer
        # as soon as the database answers again; never silence, never a reset conversation.
        answered = await fake.wait_until(
            lambda: [m for m in fake.sent(user) if "médico" in m["text"].lower()
                     or "salud" in m["text"].lower()],
            timeout=30,
        )  # fmt: skip
    assert answered, "the question was answered"
    assert all("bienvenue" not in m["text"].lower() for m in fake.sent(user))
