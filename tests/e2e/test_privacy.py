"""Privacy end to end: strings planted in messages, assessment answers and a case thread never
appear in plain text in the database file or in any log at INFO level and above."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest

from bot.console.texts import CONTACT_TIME_LABELS
from bot.gateway import assessment, handover
from bot.i18n import translate
from bot.logging_setup import configure_logging
from bot.settings import Settings
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers.stack import Stack, gateway

pytestmark = pytest.mark.e2e
TELEGRAM_ID = 987_654_321_012


def buttons(message: dict) -> dict[str, str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def exchange(fake: FakeBotAPI, update: dict, count: int = 1) -> list[dict]:
    fake.clear()
    fake.push_update(update)
    return await fake.wait_for_messages(TELEGRAM_ID, count)


async def test_planted_strings_stay_out_of_logs_and_plain_storage(
    telegram_settings: Settings, fake_api: FakeBotAPI, stack: Stack, caplog
):
    configure_logging("INFO")
    caplog.set_level(logging.INFO)
    planted = [f"Plant{uuid.uuid4().hex[:10]}" for _ in range(4)]
    fake = fake_api
    user = TELEGRAM_ID
    async with gateway(telegram_settings):
        # A message to Rasa (tracker events), then an assessment answer, then a case thread.
        await exchange(fake, fake.text_update(user, f"bonjour je m'appelle {planted[0]}"))
        (intro,) = await exchange(fake, fake.text_update(user, "/assessment"))
        begin = buttons(intro)[translate("fr", assessment.BEGIN_NO_KEEP)]
        await exchange(fake, fake.callback_update(user, begin))
        for answer in ("non", "2", "non"):
            await exchange(fake, fake.text_update(user, answer))
        await exchange(fake, fake.text_update(user, planted[1]))  # the town
        (ask,) = await exchange(fake, fake.text_update(user, "/caseworker"))
        while ask["text"] != translate("fr", handover.ASK_HELP_WITH):
            yes = buttons(ask)[translate("fr", handover.YES)]
            (ask,) = await exchange(fake, fake.callback_update(user, yes))
        (ask,) = await exchange(fake, fake.text_update(user, f"aide pour {planted[2]}"))
        morning = buttons(ask)[translate("fr", CONTACT_TIME_LABELS["morning"])]
        await exchange(fake, fake.callback_update(user, morning))
        await exchange(fake, fake.text_update(user, f"encore {planted[3]}"))

    secrets = [*planted, str(TELEGRAM_ID)]
    database = Path(telegram_settings.database_url.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    for secret in secrets:
        assert secret.encode() not in raw, f"{secret} stored in plain text"
    for log in stack.log_dir.glob("*.log"):
        text = log.read_text(errors="replace")
        for secret in secrets:
            assert secret not in text, f"{secret} in {log.name}"
    logged = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records if r.levelno >= logging.INFO
    )
    for secret in secrets:
        assert secret not in logged, f"{secret} in the gateway's logs"
