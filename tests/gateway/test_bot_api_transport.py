"""PTB over the aiohttp transport: what reaches the Bot API, and Telegram's answers and
failures as PTB's own exceptions (the sender acts on those)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.gateway.bot_api_transport import AiohttpRequest
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.helpers.ports import free_port

CHAT = 4242


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    request = AiohttpRequest(connections=4, read_timeout=1.0)
    async with Bot(TOKEN, base_url=fake.base_url, request=request) as telegram:
        yield telegram


async def test_a_message_arrives_as_sent(bot: Bot, fake: FakeBotAPI) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("نعم", callback_data="a:1:cw:yes")]])

    message = await bot.send_message(CHAT, "Ça va ? 👋\nمرحبا", reply_markup=markup)

    (sent,) = fake.sent(CHAT)
    assert sent["text"] == message.text == "Ça va ? 👋\nمرحبا"
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a:1:cw:yes"


@pytest.mark.parametrize(
    ("code", "retry_after", "error"),
    [
        (400, None, BadRequest),
        (403, None, Forbidden),
        (429, 3, RetryAfter),
        (502, None, NetworkError),
    ],
)
async def test_telegrams_refusals_become_ptbs_errors(
    bot: Bot, fake: FakeBotAPI, code: int, retry_after: int | None, error: type
) -> None:
    fake.fail_next("sendMessage", code, retry_after=retry_after)

    with pytest.raises(error) as raised:
        await bot.send_message(CHAT, "x")

    if retry_after:
        pause = raised.value.retry_after
        assert getattr(pause, "total_seconds", lambda: pause)() == retry_after
    assert fake.sent(CHAT) == []


async def test_an_answer_that_does_not_come_is_a_timeout(bot: Bot, fake: FakeBotAPI) -> None:
    fake.fail_next("sendMessage", 504, delay=3.0)

    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "x")


async def test_nobody_listening_is_a_network_error() -> None:
    base_url = f"http://127.0.0.1:{free_port()}/bot"
    bot = Bot(TOKEN, base_url=base_url, request=AiohttpRequest())
    with pytest.raises(NetworkError):
        await bot.initialize()
    await bot.shutdown()
