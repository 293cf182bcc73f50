"""Keyboards and the webhook endpoint of the Telegram front."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from bot.gateway import messages
from bot.gateway.replies import Reply
from bot.gateway.service import SECRET_HEADER, WEBHOOK_PATH, build_core, build_http_app
from bot.gateway.spool import Spool
from bot.gateway.telegram_app import build_application, keyboard
from bot.i18n import translate
from bot.settings import Settings, load_settings
from bot.storage.db import migrate
from bot.storage.keys import cipher, data_keys
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.helpers.stack import polling_front


def layout(reply: Reply) -> list[list[str]]:
    return [[b.callback_data for b in row] for row in keyboard(reply).inline_keyboard]


def test_short_titles_pair_up_and_long_ones_get_their_own_row() -> None:
    reply = Reply(
        "x",
        (("Santé", "/a"), ("Transport", "/b"), ("Faire mon auto-évaluation", "/c"), ("Menu", "/d")),
    )

    assert layout(reply) == [["/a", "/b"], ["/c"], ["/d"]]


def test_rtl_rows_read_right_to_left() -> None:
    reply = Reply("x", (("أ", "/a"), ("ب", "/b")), rtl=True)

    assert layout(reply) == [["/b", "/a"]]


def test_no_buttons_no_keyboard() -> None:
    assert keyboard(Reply("x")) is None


@pytest.fixture
def webhook_settings(env: dict[str, str]) -> Settings:
    settings = load_settings(
        {
            **env,
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TELEGRAM_WEBHOOK_URL": "https://example.org/telegram",
            "TELEGRAM_WEBHOOK_SECRET": "right-secret",
            "RASA_PORT": "9",
        }
    )
    migrate(settings.database_url)
    return settings


def test_webhook_checks_the_secret_token_before_queueing(webhook_settings: Settings) -> None:
    core = build_core(webhook_settings)
    application = build_application(webhook_settings, core.conversation, core.keys)
    client = TestClient(build_http_app(webhook_settings, core, application))
    update = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "hi"},
    }

    assert client.post(WEBHOOK_PATH, json=update).status_code == 403
    assert (
        client.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: "wrong"}).status_code == 403
    )
    accepted = client.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: "right-secret"})

    assert accepted.status_code == 200
    assert application.update_queue.qsize() == 1


def test_health_reports_rasa_down(webhook_settings: Settings) -> None:
    core = build_core(webhook_settings)
    application = build_application(webhook_settings, core.conversation, core.keys)
    client = TestClient(build_http_app(webhook_settings, core, application))

    response = client.get("/health")

    assert response.status_code == 503
    assert response.json()["rasa"] is False


async def test_database_down_gets_a_kind_try_again_not_silence(env: dict[str, str]) -> None:
    with FakeBotAPI() as fake:
        settings = load_settings(
            {
                **env,
                # Nothing listens on port 1: every database call fails at once.
                "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing?connect_timeout=1",
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": fake.base_url,
                "RASA_PORT": "9",
            }
        )
        async with polling_front(settings):
            fake.push_update(fake.text_update(31, "necesito ayuda", language_code="es"))
            (reply,) = await fake.wait_for_messages(31, 1)

    assert reply["text"] == translate("es", messages.TECHNICAL_PROBLEM)


@pytest.mark.parametrize(
    ("code", "retry_after"),
    [(429, 1), (502, None)],
    ids=["too many requests", "bad gateway"],
)
async def test_a_reply_survives_telegram_refusing_it_once(
    env: dict[str, str], code: int, retry_after: int | None
) -> None:
    with FakeBotAPI() as fake:
        settings = load_settings(
            {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}
        )
        migrate(settings.database_url)
        async with polling_front(settings):
            fake.fail_next("sendMessage", code, retry_after=retry_after)
            fake.push_update(fake.sticker_update(32, language_code="en"))
            (reply,) = await fake.wait_for_messages(32, 1)

    assert reply["text"] == translate("en", messages.NON_TEXT)
    assert len(fake.failed("sendMessage")) == 1


async def test_rasa_down_is_answered_later_not_lost(env: dict[str, str]) -> None:
    with FakeBotAPI() as fake:
        settings = load_settings(
            {
                **env,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": fake.base_url,
                "RASA_PORT": "9",
            }
        )
        migrate(settings.database_url)
        spool = Spool(settings.var_dir / "spool", cipher(data_keys(settings)))
        async with polling_front(settings, spool):
            fake.push_update(fake.text_update(34, "necesito ayuda", language_code="es"))
            (reply,) = await fake.wait_for_messages(34, 1)

    assert reply["text"] == translate("es", messages.TECHNICAL_PROBLEM)
    (kept,) = spool.pending()
    assert kept[1]["message"]["text"] == "necesito ayuda"
