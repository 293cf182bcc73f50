"""Keyboards and the webhook endpoint of the Telegram front."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest
from starlette.testclient import TestClient

from bot.gateway import messages
from bot.gateway.conversation import FORGET_CONFIRM, Conversation
from bot.gateway.replies import Reply
from bot.gateway.service import (
    SECRET_HEADER,
    WEBHOOK_PATH,
    Core,
    build_core,
    build_http_app,
    serve_telegram,
)
from bot.gateway.telegram_app import build_application, keyboard
from bot.i18n import translate
from bot.settings import Settings, load_settings
from bot.storage.db import migrate
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.helpers.ports import free_port
from tests.helpers.stack import gateway

HOOK = "https://example.org/telegram"


def layout(reply: Reply) -> list[list[str]]:
    return [[b["callback_data"] for b in row] for row in keyboard(reply)["inline_keyboard"]]


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


def webhook_client(settings: Settings) -> tuple[TestClient, Core, list[int]]:
    """The webhook, with the updates handed to the workers (stored, not taken)."""
    core = build_core(settings)
    accepted: list[int] = []

    async def accept(data: dict) -> int:
        accepted.append(data["update_id"])
        new, _ = await asyncio.to_thread(core.inbox.accept, data, False)
        return new

    return TestClient(build_http_app(settings, core, accept)), core, accepted


def text_update(update_id: int, text: str = "hi") -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "A"},
            "text": text,
        },
    }


def test_webhook_checks_the_secret_token_before_storing(webhook_settings: Settings) -> None:
    client, core, handed = webhook_client(webhook_settings)
    update = text_update(1)

    assert client.post(WEBHOOK_PATH, json=update).status_code == 403
    assert (
        client.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: "wrong"}).status_code == 403
    )
    assert core.inbox.waiting() == 0
    accepted = client.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: "right-secret"})

    assert accepted.status_code == 200
    assert core.inbox.waiting() == 1 and handed == [1]


def test_webhook_stores_a_repeated_update_once(webhook_settings: Settings) -> None:
    client, core, _ = webhook_client(webhook_settings)
    headers = {SECRET_HEADER: "right-secret"}

    for _ in range(3):
        assert client.post(WEBHOOK_PATH, json=text_update(7), headers=headers).status_code == 200

    (claimed,) = core.inbox.claim(10)
    assert claimed.update_id == 7 and claimed.data["message"]["text"] == "hi"


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"update_id": "7"}', b"{}"], ids=repr)
def test_webhook_refuses_what_is_not_an_update(webhook_settings: Settings, body: bytes) -> None:
    client, core, _ = webhook_client(webhook_settings)

    response = client.post(WEBHOOK_PATH, content=body, headers={SECRET_HEADER: "right-secret"})

    assert response.status_code == 400
    assert core.inbox.waiting() == 0


def test_webhook_answers_503_when_the_update_cannot_be_stored(env: dict[str, str]) -> None:
    settings = load_settings(
        {
            **env,
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing?connect_timeout=1",
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TELEGRAM_WEBHOOK_URL": "https://example.org/telegram",
            "TELEGRAM_WEBHOOK_SECRET": "right-secret",
        }
    )
    client, _, _ = webhook_client(settings)

    response = client.post(
        WEBHOOK_PATH, json=text_update(1), headers={SECRET_HEADER: "right-secret"}
    )

    # Telegram sends the update again later: nothing is lost.
    assert response.status_code == 503


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_health_reports_each_dependency_to_the_machine_itself(
    webhook_settings: Settings, address: str
) -> None:
    client, _, _ = webhook_client(webhook_settings)

    response = TestClient(client.app, client=(address, 40000)).get("/health")

    assert response.status_code == 503
    assert response.json()["database"] is True
    assert response.json()["rasa"] == {"http://127.0.0.1:9": False}
    assert client.get("/health/live").status_code == 200


def test_health_says_only_ok_or_not_to_anyone_else(webhook_settings: Settings) -> None:
    client, _, _ = webhook_client(webhook_settings)
    outside = TestClient(client.app, client=("203.0.113.5", 40000))

    response = outside.get("/health")

    assert (response.status_code, response.json()) == (503, {"status": "unavailable"})
    assert "127.0.0.1" not in response.text


def test_metrics_are_in_prometheus_text_format(webhook_settings: Settings) -> None:
    client, _, _ = webhook_client(webhook_settings)
    client.post(WEBHOOK_PATH, json=text_update(3), headers={SECRET_HEADER: "right-secret"})

    page = client.get("/metrics")

    assert page.headers["content-type"].startswith("text/plain")
    assert 'bot_queue_length{queue="inbox"} 1.0' in page.text
    for name in ("bot_updates_received_total", "bot_turn_seconds_bucket", "bot_errors_total"):
        assert name in page.text


async def test_polling_keeps_updates_at_telegram_while_the_database_is_down(
    env: dict[str, str],
) -> None:
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
        async with gateway(settings):
            update_id = fake.push_update(fake.text_update(31, "necesito ayuda", language_code="es"))
            # Several getUpdates rounds, each failing to store the update.
            await asyncio.sleep(3)

        # The offset never moved past the update: Telegram still holds it for later.
        assert [u["update_id"] for u in fake.pending_updates()] == [update_id]


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
        async with gateway(settings):
            fake.fail_next("sendMessage", code, retry_after=retry_after)
            fake.push_update(fake.sticker_update(32, language_code="en"))
            (reply,) = await fake.wait_for_messages(32, 1)

    assert reply["text"] == translate("en", messages.NON_TEXT)
    assert len(fake.failed("sendMessage")) == 1


def rasa_down_settings(env: dict[str, str], fake: FakeBotAPI) -> Settings:
    """A migrated database, the fake Bot API, and no Rasa (port 9: the connection is refused)."""
    settings = load_settings(
        {
            **env,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "RASA_PORT": "9",
        }
    )
    migrate(settings.database_url)
    return settings


async def test_rasa_down_keeps_the_update_and_says_the_answer_will_come(
    env: dict[str, str],
) -> None:
    with FakeBotAPI() as fake:
        settings = rasa_down_settings(env, fake)
        async with gateway(settings) as running:
            fake.push_update(fake.text_update(34, "necesito ayuda", language_code="es"))
            (reply,) = await fake.wait_for_messages(34, 1)
            (kept,) = running.core.inbox.claim(1) or [None]

    assert reply["text"] == translate("es", messages.DELAYED)
    assert kept is None or kept.data["message"]["text"] == "necesito ayuda"
    assert running.core.inbox.waiting() == 1


async def test_a_pressed_button_is_acknowledged_and_answered(env: dict[str, str]) -> None:
    with FakeBotAPI() as fake:
        settings = rasa_down_settings(env, fake)
        async with gateway(settings):
            press = fake.callback_update(35, FORGET_CONFIRM, language_code="en")
            fake.push_update(press)
            (reply,) = await fake.wait_for_messages(35, 1)
            await fake.wait_until(lambda: fake.requests("answerCallbackQuery"))

    assert reply["text"] == translate("en", messages.ERASED)
    (acknowledged,) = fake.requests("answerCallbackQuery")
    assert acknowledged["params"]["callback_query_id"] == press["callback_query"]["id"]


async def test_a_reply_telegram_would_refuse_becomes_a_kind_try_again(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def notice_with_free_text_in_its_button(self, turn, message: str) -> list[Reply]:
        return [Reply("Où ?", (("Salé", "s:info_health:عمالة سلا - جهة الرباط سلا القنيطرة"),))]

    monkeypatch.setattr(Conversation, "notice", notice_with_free_text_in_its_button)
    with FakeBotAPI() as fake:
        settings = rasa_down_settings(env, fake)
        async with gateway(settings):
            fake.push_update(fake.sticker_update(36, language_code="en"))
            (reply,) = await fake.wait_for_messages(36, 1)

    # Stopped before the outbox, not refused by Telegram and dead-lettered.
    assert reply["text"] == translate("en", messages.TECHNICAL_PROBLEM)
    assert fake.violations() == [] and fake.failed() == []


async def test_polling_deletes_the_webhook_before_its_first_get_updates(
    env: dict[str, str],
) -> None:
    with FakeBotAPI() as fake:
        settings = rasa_down_settings(env, fake)
        # The bot ran in webhook mode before: Telegram refuses getUpdates (409) until it goes.
        async with httpx.AsyncClient() as client:
            await client.post(f"{fake.base_url}{TOKEN}/setWebhook", json={"url": HOOK})
        async with gateway(settings):
            fake.push_update(fake.sticker_update(37, language_code="en"))
            (reply,) = await fake.wait_for_messages(37, 1)

    assert reply["text"] == translate("en", messages.NON_TEXT)
    assert fake.webhook is None
    assert fake.failed("getUpdates") == [], "getUpdates came before deleteWebhook"


async def test_webhook_mode_sets_the_webhook_before_serving(env: dict[str, str]) -> None:
    with FakeBotAPI() as fake:
        settings = load_settings(
            {
                **env,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": fake.base_url,
                "TELEGRAM_WEBHOOK_URL": HOOK,
                "TELEGRAM_WEBHOOK_SECRET": "right-secret",
                "GATEWAY_PORT": str(free_port()),
                "RASA_PORT": "9",
            }
        )
        migrate(settings.database_url)
        serving = asyncio.create_task(serve_telegram(settings, build_core(settings)))
        live = f"http://{settings.gateway_host}:{settings.gateway_port}/health/live"
        try:
            async with httpx.AsyncClient() as client:
                while True:
                    assert not serving.done(), serving
                    try:
                        if (await client.get(live)).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.05)
            # As soon as the server answers, Telegram knows where to post, and how.
            webhook = fake.webhook
        finally:
            serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await serving

    assert webhook is not None
    assert (webhook["url"], webhook["secret_token"]) == (HOOK, "right-secret")
    assert set(webhook["allowed_updates"]) >= {"message", "callback_query", "my_chat_member"}
    # The command menu went too, in every language, within the specification's limits.
    assert len(fake.calls("setMyCommands")) == 5


def _forged_chat(fake: FakeBotAPI, chat_id: object) -> dict:
    update = fake.sticker_update(38, language_code="en")
    update["message"]["chat"]["id"] = chat_id
    return update


def _forged_press(fake: FakeBotAPI, query_id: object) -> dict:
    update = fake.callback_update(38, FORGET_CONFIRM, language_code="en")
    update["callback_query"]["id"] = query_id
    return update


@pytest.mark.parametrize(
    "forge",
    [
        lambda fake: _forged_chat(fake, 38.0),
        lambda fake: _forged_chat(fake, "38"),
        lambda fake: _forged_press(fake, 38),
    ],
    ids=["chat id 38.0", 'chat id "38"', "button press id 38"],
)
async def test_a_forged_update_is_dropped_before_any_call_breaking_the_specification(
    env: dict[str, str], forge
) -> None:
    with FakeBotAPI() as fake:
        settings = rasa_down_settings(env, fake)
        async with gateway(settings) as running:
            fake.push_update(forge(fake))
            fake.push_update(fake.sticker_update(39, language_code="en"))
            await fake.wait_for_messages(39, 1)
            await fake.wait_until(lambda: running.core.inbox.waiting() == 0)

    # Nothing was sent with the forged id (the fake would have refused it, and said why).
    assert [m["chat_id"] for m in fake.sent()] == [39]
    assert fake.requests("answerCallbackQuery") == []


async def test_the_bot_stays_in_the_caseworkers_group_and_leaves_any_other(
    env: dict[str, str], fake: FakeBotAPI, offline_conversation: Conversation
) -> None:
    caseworkers, other = -777, -4242
    settings = load_settings(
        {
            **env,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "CASEWORKER_CHAT_ID": str(caseworkers),
        }
    )
    application, front = build_application(settings, offline_conversation, [b"k" * 32])
    updates = [
        fake.my_chat_member_update(5, chat_id=caseworkers, new_status="administrator"),
        fake.group_text_update(5, "/start", chat_id=caseworkers),
        fake.group_text_update(5, "salut", chat_id=other),
    ]
    async with application:
        for update_id, update in enumerate(updates, start=1):
            await front.handle(application, {**update, "update_id": update_id})

    assert [call["chat_id"] for call in fake.calls("leaveChat")] == [other]
    assert fake.sent(caseworkers) == []
    assert [message["text"] for message in fake.sent(other)] == [
        translate("fr", messages.GROUP_CHAT)
    ]
