"""The fake Bot API checks every call against the official specification: the rules are read
from it, a call that breaks one is refused with the rule named, and the test that made it fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest
from telegram.ext import Application, ApplicationBuilder

from bot.settings import PROJECT_ROOT
from tests.fakes.bot_api import TOKEN, FakeBotAPI, checked_calls
from tests.fakes.bot_api_spec import SPEC_FILE, Limit, specification

USER_ID = 4343


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def app(fake: FakeBotAPI) -> AsyncIterator[Application]:
    application = ApplicationBuilder().token(TOKEN).base_url(fake.base_url).build()
    async with application:
        yield application


def _button(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data=data)]])


async def refused(fake: FakeBotAPI, call) -> list[str]:
    """The rules a call broke: Telegram's 400 names them, and the fake recorded them."""
    with pytest.raises(BadRequest) as refusal:
        await call
    (violation,) = fake.take_violations()
    for rule in violation["rules"]:
        # PTB capitalises Telegram's description.
        assert rule.lower() in refusal.value.message.lower()
    return violation["rules"]


# --- the rules come from the specification file ------------------------------------------------


def test_the_specification_is_read_from_outside_the_project() -> None:
    assert SPEC_FILE.is_file()
    assert PROJECT_ROOT not in SPEC_FILE.resolve().parents


def test_the_documented_limits_are_read_from_the_specification() -> None:
    spec = specification()

    def limit(shape, field: str) -> Limit | None:
        return shape.fields[field].limit

    assert limit(spec.method("sendMessage"), "text") == Limit(1, 4096, "characters", parsed=True)
    assert limit(spec.method("editMessageText"), "text") == Limit(1, 4096, "characters", True)
    assert limit(spec.types["InlineKeyboardButton"], "callback_data") == Limit(1, 64, "bytes")
    assert limit(spec.method("answerCallbackQuery"), "text") == Limit(0, 200, "characters")
    assert limit(spec.types["BotCommand"], "command") == Limit(1, 32, "characters")
    assert spec.types["BotCommand"].fields["command"].charset[1] == "only a-z, 0-9 and _"
    assert limit(spec.types["BotCommand"], "description") == Limit(1, 256, "characters")
    assert limit(spec.method("sendPhoto"), "caption") == Limit(0, 1024, "characters", True)
    assert limit(spec.types["InputMediaPhoto"], "caption") == Limit(0, 1024, "characters", True)
    assert limit(spec.method("setWebhook"), "secret_token") == Limit(1, 256, "characters")
    assert limit(spec.method("deleteMessages"), "message_ids") == Limit(1, 100, "items")
    assert limit(spec.method("setMyCommands"), "commands") == Limit(0, 100, "items")


# --- calls that keep to the rules pass ---------------------------------------------------------


async def test_calls_within_the_rules_pass_and_are_counted(
    app: Application, fake: FakeBotAPI
) -> None:
    before = checked_calls()["sendMessage"]
    await app.bot.send_message(USER_ID, "x" * 4096, reply_markup=_button("d" * 64))
    await app.bot.send_message(USER_ID, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    await app.bot.send_message(USER_ID, "*gras* \\. _it_ [lien](https://t.me/x)", "MarkdownV2")
    await app.bot.send_message(USER_ID, "ok", reply_markup=_button("ع" * 32))
    await app.bot.send_message(USER_ID, "no keyboard", reply_markup=ReplyKeyboardRemove())
    await app.bot.set_my_commands(
        [BotCommand("a" * 32, "d" * 256)], scope=BotCommandScopeChat(USER_ID)
    )
    await app.bot.answer_callback_query("42", text="t" * 200)

    assert fake.violations() == []
    assert checked_calls()["sendMessage"] == before + 5
    assert fake.checked["setMyCommands"] == 1


# --- calls that break a rule are refused, the rule named ---------------------------------------


async def test_text_length_counts_after_entity_parsing(app: Application, fake: FakeBotAPI) -> None:
    (rule,) = await refused(fake, app.bot.send_message(USER_ID, "x" * 4097))
    assert rule == (
        "sendMessage.text: 4097 characters (UTF-16 code units) after entities parsing; "
        "the specification allows 1-4096 characters after entities parsing"
    )
    # A parse_mode no longer skips the check: the length is the parsed text's.
    html = "<b>" + "x" * 4097 + "</b>"
    (rule,) = await refused(fake, app.bot.send_message(USER_ID, html, parse_mode="HTML"))
    assert rule.startswith("sendMessage.text: 4097 characters (UTF-16 code units) after entities")
    (rule,) = await refused(fake, app.bot.send_message(USER_ID, "<b></b>  ", parse_mode="HTML"))
    assert rule.startswith("sendMessage.text: 0 characters (UTF-16 code units) after entities")
    (rule,) = await refused(fake, app.bot.send_message(USER_ID, "   "))
    assert rule.startswith("sendMessage.text: 0 characters")


async def test_markup_must_parse(app: Application, fake: FakeBotAPI) -> None:
    (rule,) = await refused(fake, app.bot.send_message(USER_ID, "<b>a</i>", parse_mode="HTML"))
    assert rule.startswith("sendMessage.text: can't parse entities (HTML): end tag </i>")
    (rule,) = await refused(fake, app.bot.send_message(USER_ID, "1 < 2", parse_mode="HTML"))
    assert "unescaped '<'" in rule
    (rule,) = await refused(fake, app.bot.send_message(USER_ID, "Fin.", parse_mode="MarkdownV2"))
    assert rule == (
        "sendMessage.text: can't parse entities (MarkdownV2): character '.' at offset 3 is "
        "reserved and must be escaped with the preceding '\\'"
    )
    (rule,) = await refused(fake, app.bot.send_message(USER_ID, "*x", parse_mode="Markdown"))
    assert "can't parse entities (Markdown)" in rule
    (rule,) = await refused(fake, app.bot.send_message(USER_ID, "x", parse_mode="BBCode"))
    assert "unsupported parse_mode 'BBCode'" in rule


async def test_callback_data_is_measured_in_utf8_bytes(app: Application, fake: FakeBotAPI) -> None:
    arabic = "عمالة سلا - جهة الرباط سلا القنيطرة"
    (rule,) = await refused(
        fake, app.bot.send_message(USER_ID, "Où ?", reply_markup=_button(f"s:info_health:{arabic}"))
    )
    assert rule == (
        "sendMessage.reply_markup (InlineKeyboardMarkup).inline_keyboard[0][0] "
        "(InlineKeyboardButton).callback_data: 77 bytes in UTF-8; "
        "the specification allows 1-64 bytes"
    )
    (rule,) = await refused(fake, app.bot.send_message(USER_ID, "?", reply_markup=_button("")))
    assert rule.endswith("callback_data: 0 bytes in UTF-8; the specification allows 1-64 bytes")


async def test_an_inline_button_has_exactly_one_kind(app: Application, fake: FakeBotAPI) -> None:
    both = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Go", url="https://t.me/x", callback_data="go")]]
    )
    (rule,) = await refused(fake, app.bot.send_message(USER_ID, "?", reply_markup=both))
    assert "(InlineKeyboardButton): exactly one of" in rule
    assert "got ['callback_data', 'url']" in rule


async def test_callback_answers_and_commands_keep_their_limits(
    app: Application, fake: FakeBotAPI
) -> None:
    (rule,) = await refused(fake, app.bot.answer_callback_query("42", text="t" * 201))
    assert rule.startswith("answerCallbackQuery.text: 201 characters")
    assert rule.endswith("allows 0-200 characters")

    rules = await refused(
        fake,
        app.bot.set_my_commands(
            [BotCommand("Start", "Commencer"), BotCommand("c" * 33, "d" * 257), ("help", "")]
        ),
    )
    assert rules == [
        "setMyCommands.commands[0] (BotCommand).command: only a-z, 0-9 and _ allowed, got 'Start'",
        "setMyCommands.commands[1] (BotCommand).command: 33 characters (UTF-16 code units); "
        "the specification allows 1-32 characters",
        "setMyCommands.commands[1] (BotCommand).description: 257 characters (UTF-16 code units); "
        "the specification allows 1-256 characters",
        "setMyCommands.commands[2] (BotCommand).description: 0 characters (UTF-16 code units); "
        "the specification allows 1-256 characters",
    ]


async def test_names_required_parameters_and_types(fake: FakeBotAPI) -> None:
    async with httpx.AsyncClient(base_url=f"{fake.base_url}{TOKEN}") as client:
        unknown = await client.post("/sendMessage", json={"chat_id": 1, "text": "a", "txt": "b"})
        missing = await client.post("/sendMessage", json={"chat_id": 1})
        typed = await client.post("/sendMessage", json={"chat_id": [1], "text": "a"})
        scope = await client.post(
            "/setMyCommands", json={"commands": [], "scope": {"type": "chat"}}
        )
        caption = await client.post(
            "/sendPhoto", json={"chat_id": 1, "photo": "file-id", "caption": "c" * 1025}
        )
    assert all(r.status_code == 400 for r in (unknown, missing, typed, scope, caption))
    assert [v["rules"] for v in fake.take_violations()] == [
        ["sendMessage: unknown parameter 'txt'"],
        ["sendMessage.text: required, missing"],
        ["sendMessage.chat_id: expected Integer or String, got array"],
        ["setMyCommands.scope (BotCommandScopeChat).chat_id: required, missing"],
        [
            "sendPhoto.caption: 1025 characters (UTF-16 code units) after entities parsing; "
            "the specification allows 0-1024 characters after entities parsing"
        ],
    ]


async def test_a_broken_rule_fails_the_test_that_caused_it(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "from tests.conftest import (pytest_runtest_call, pytest_runtest_setup,\n"
        "                            pytest_runtest_teardown)\n"
    )
    pytester.makepyfile(
        """
        import httpx
        from tests.fakes.bot_api import TOKEN, FakeBotAPI

        def test_sends_too_long_button_data():
            with FakeBotAPI() as fake:
                httpx.post(
                    f"{fake.base_url}{TOKEN}/sendMessage",
                    json={"chat_id": 1, "text": "?", "reply_markup": {
                        "inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]}},
                )

        def test_keeps_to_the_rules():
            with FakeBotAPI() as fake:
                httpx.post(f"{fake.base_url}{TOKEN}/sendMessage", json={"chat_id": 1, "text": "?"})
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*BotAPISpecViolation: 1 Bot API call(s) during the test broke the official "
            "specification (Bot API *",
            "*callback_data: 65 bytes in UTF-8; the specification allows 1-64 bytes",
            "FAILED *test_sends_too_long_button_data*",
        ]
    )
