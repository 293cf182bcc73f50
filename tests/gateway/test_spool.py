"""A database outage: the person is told to try again, the update is kept (encrypted, on disk)
and processed once the database is back, without a second "try again"."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.gateway import messages
from bot.gateway.service import replayer
from bot.gateway.spool import Spool
from bot.i18n import translate
from bot.settings import load_settings
from bot.storage.db import migrate
from bot.storage.keys import cipher, data_keys
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.helpers.stack import polling_front


def take_database_away(database: Path) -> Path:
    """New connections then find an empty file: every query fails, as in an outage."""
    away = database.parent / "away"
    away.mkdir()
    for path in database.parent.glob(database.name + "*"):
        shutil.move(path, away / path.name)
    return away


def bring_database_back(database: Path, away: Path) -> None:
    for path in database.parent.glob(database.name + "*"):
        path.unlink()
    for path in away.iterdir():
        shutil.move(path, database.parent / path.name)


async def test_updates_during_an_outage_are_answered_once_it_is_over(
    env: dict[str, str],
) -> None:
    with FakeBotAPI() as fake:
        settings = load_settings(
            {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}
        )
        migrate(settings.database_url)
        database = Path(settings.database_url.removeprefix("sqlite:///"))
        spool = Spool(settings.var_dir / "spool", cipher(data_keys(settings)))
        async with polling_front(settings, spool) as (_, application):
            away = take_database_away(database)
            fake.push_update(fake.sticker_update(33, language_code="ar"))
            (sorry,) = await fake.wait_for_messages(33, 1)
            assert sorry["text"] == translate("ar", messages.TECHNICAL_PROBLEM)
            assert len(spool.pending()) == 1
            stored = next((settings.var_dir / "spool").iterdir()).read_bytes()
            assert b"sticker" not in stored and b"update_id" not in stored, "encrypted"

            # Still down: processed again, kept again, and no second "try again".
            await spool.replay(replayer(application))
            assert len(spool.pending()) == 1 and len(fake.sent(33)) == 1

            bring_database_back(database, away)
            await spool.replay(replayer(application))
            answer = await fake.wait_until(lambda: fake.sent(33)[1:], timeout=10)

    assert answer[0]["text"] == translate("ar", messages.NON_TEXT)
    assert spool.pending() == []
