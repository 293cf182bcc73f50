"""End-to-end conversations: fake Bot API -> python-telegram-bot -> gateway -> Rasa (real
trained model) -> actions + NLG -> back to the fake Bot API."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import create_engine, inspect, text

from bot.gateway import handover, messages
from bot.i18n import translate
from bot.nlg.render import Renderer
from bot.settings import Settings
from bot.storage.keys import data_keys, pseudonym
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers.carving import carved, database_files
from tests.helpers.stack import Stack

pytestmark = pytest.mark.e2e
_user_ids = itertools.count(1000)


def new_user() -> int:
    """A fresh Telegram user per test, so that conversations never share state."""
    return next(_user_ids)


def is_arabic(text: str) -> bool:
    return sum("\u0600" <= c <= "\u06ff" for c in text) > len(text) / 3


def payloads(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def say(fake: FakeBotAPI, user: int, text: str, count: int = 1, **kwargs) -> list[dict]:
    fake.clear()
    fake.push_update(fake.text_update(user, text, **kwargs))
    return await fake.wait_for_messages(user, count)


async def press(fake: FakeBotAPI, user: int, data: str, count: int = 1, **kwargs) -> list[dict]:
    fake.clear()
    fake.push_update(fake.callback_update(user, data, **kwargs))
    return await fake.wait_for_messages(user, count)


async def test_start_in_arabic_app_greets_in_arabic_with_a_language_picker(bot: FakeBotAPI):
    user = new_user()
    bot.push_update(bot.command_update(user, "/start", language_code="ar"))

    (welcome,) = await bot.wait_for_messages(user, 1)

    assert is_arabic(welcome["text"])
    rows = welcome["reply_markup"]["inline_keyboard"]
    # Right to left: the first language sits at the right of the first row.
    assert [[b["callback_data"] for b in row] for row in rows] == [
        ["lang:en", "lang:fr"],
        ["lang:es", "lang:ar"],
    ]
    assert {b["text"] for row in rows for b in row} == {"Français", "English", "العربية", "Español"}


async def test_unsupported_app_language_gets_french(bot: FakeBotAPI, renderer: Renderer):
    user = new_user()
    bot.push_update(bot.command_update(user, "/start", language_code="de"))

    (welcome,) = await bot.wait_for_messages(user, 1)

    assert welcome["text"] == renderer.render("utter_welcome", "fr").text


@pytest.mark.parametrize(
    ("language", "question", "topic"),
    [
        ("fr", "je suis malade et j'ai pas d'argent pour les medicaments", "info_health"),
        ("en", "i lost my passport and birth certificate what can i do", "info_legal_documents"),
        ("ar", "أريد أن أتعلم مهنة، هل يوجد تكوين مهني؟", "info_education_training"),
        ("es", "quiero montar un negocio pequeño, me pueden ayudar?", "info_business"),
        ("ar", "بغيت نخدم فشي شركة، عندكم عروض؟", "info_jobs"),
    ],
)
async def test_info_question_gets_the_answer_in_the_persons_language(
    bot: FakeBotAPI, renderer: Renderer, language: str, question: str, topic: str
):
    user = new_user()

    (answer,) = await say(bot, user, question, language_code=language)

    assert answer["text"] == renderer.render(f"utter_{topic}", language).text
    assert "/request_caseworker" in payloads(answer)


async def test_language_switch_by_button_and_by_words_is_remembered(
    bot: FakeBotAPI, renderer: Renderer
):
    user = new_user()
    await say(bot, user, "bonjour", language_code="fr")

    (reply,) = await press(bot, user, "lang:en")
    confirmation, menu = reply["text"].split("\n\n", 1)
    assert confirmation == renderer.render("utter_language_changed", "en").text
    assert menu == renderer.render("utter_menu", "en").text

    replies = await say(bot, user, "hablame en español por favor", count=1)
    assert replies[0]["text"] == renderer.render("utter_language_changed", "es").text

    (answer,) = await say(bot, user, "necesito un medico urgente no, solo una consulta")
    assert answer["text"].startswith(renderer.render("utter_info_health", "es").text[:40])


async def test_sticker_gets_a_kind_answer_in_the_persons_language(bot: FakeBotAPI):
    user = new_user()
    bot.push_update(bot.sticker_update(user, language_code="es"))

    (reply,) = await bot.wait_for_messages(user, 1)

    assert reply["text"] == translate("es", messages.NON_TEXT)


@pytest.mark.parametrize(
    ("builder", "notice"),
    [
        ("voice_update", messages.VOICE),
        ("photo_update", messages.NON_TEXT),
        ("document_update", messages.NON_TEXT),
        ("location_update", messages.LOCATION),
    ],
)
async def test_other_non_text_messages_are_answered(bot: FakeBotAPI, builder: str, notice: str):
    user = new_user()
    bot.push_update(getattr(bot, builder)(user, language_code="en"))

    (reply,) = await bot.wait_for_messages(user, 1)

    assert reply["text"] == translate("en", notice)


async def test_edited_forwarded_and_oversized_messages_are_answered(bot: FakeBotAPI):
    user = new_user()
    await say(bot, user, "bonjour")

    bot.clear()
    bot.push_update(bot.edited_text_update(user, "bonjour modifié"))
    assert (await bot.wait_for_messages(user, 1))[0]["text"] == translate("fr", messages.EDITED)

    (forwarded,) = await say(bot, user, "un message de quelqu'un d'autre", forward=True)
    assert forwarded["text"] == translate("fr", messages.FORWARDED)

    (too_long,) = await say(bot, user, "aide " * 1000)
    assert too_long["text"] == translate("fr", messages.TOO_LONG)


async def test_group_chat_gets_an_explanation_and_the_bot_leaves(bot: FakeBotAPI):
    user = new_user()
    bot.push_update(bot.group_text_update(user, "salut le bot", chat_id=-4242))

    (reply,) = await bot.wait_for_messages(-4242, 1)
    await bot.wait_for_call("leaveChat")

    assert reply["text"] == translate("fr", messages.GROUP_CHAT)
    assert bot.calls("leaveChat")[0]["chat_id"] == -4242


async def test_unsure_message_offers_likely_topics_and_the_menu(
    bot: FakeBotAPI, renderer: Renderer
):
    user = new_user()

    (reply,) = await say(bot, user, "c est pour mon cousin")

    assert reply["text"] == renderer.render("utter_suggest_topics", "fr").text
    *topics, menu = payloads(reply)
    assert menu == "/help"
    assert 1 <= len(topics) <= 3
    assert all(topic.startswith("/info_") for topic in topics)


async def test_violence_gets_the_centres_violence_line_then_the_police(bot: FakeBotAPI):
    user = new_user()
    bot.push_update(bot.command_update(user, "/start", args="rabat-demo", language_code="fr"))
    await bot.wait_for_messages(user, 1)

    (reply,) = await say(bot, user, "aidez moi svp mon mari me frappe je suis en danger")

    lines = [line for line in reply["text"].split("\n") if line.startswith("☎")]
    assert lines[:2] == ["☎ Violences faites aux femmes : 8350", "☎ Police : 19"]
    assert "h:urgent" in payloads(reply), "an urgent handover is one tap away"


async def test_unknown_command_explains_and_shows_the_menu(bot: FakeBotAPI, renderer: Renderer):
    user = new_user()

    (reply,) = await say(bot, user, "/blabla")

    notice, menu = reply["text"].split("\n\n", 1)
    assert notice == translate("fr", messages.UNKNOWN_COMMAND)
    assert menu == renderer.render("utter_menu", "fr").text
    assert reply["reply_markup"]["inline_keyboard"], "the menu's buttons, under one message"


async def test_repeated_update_is_answered_once(bot: FakeBotAPI):
    user = new_user()
    update = bot.text_update(user, "merci beaucoup")
    bot.push_update({**update, "update_id": 777001})
    bot.push_update({**update, "update_id": 777001})
    bot.push_update(bot.text_update(user, "au revoir"))

    await bot.wait_for_messages(user, 2)

    texts = [m["text"] for m in bot.sent(user)]
    assert len(texts) == 2


async def test_forget_erases_everything_everywhere(bot: FakeBotAPI, stack: Stack):
    user = new_user()
    person = pseudonym(data_keys(stack.settings), user)
    await say(bot, user, "bonjour")
    # Leave traces in several tables: consents, a queued case with its thread.
    (ask,) = await say(bot, user, "/caseworker")
    while ask["text"] != translate("fr", handover.ASK_HELP_WITH):
        yes = next(p for p in payloads(ask) if p.endswith(":yes"))
        (ask,) = await press(bot, user, yes)
    (ask,) = await say(bot, user, "mon voisin me menace")
    await press(bot, user, payloads(ask)[0])
    await say(bot, user, "je suis toujours là")
    assert rows_about(stack.settings, person)
    tokens = ciphertexts_about(stack.settings, person)
    assert len(carved(database_files(stack.settings.database_url), [], tokens)) > 10

    (ask,) = await say(bot, user, "/forget")
    assert "forget:confirm" in payloads(ask)
    (done,) = await press(bot, user, "forget:confirm")

    assert done["text"] == translate("fr", messages.ERASED)
    # That very reply waited in the outbox until Telegram took it; its row goes right after.
    await bot.wait_until(
        lambda: rows_about(stack.settings, person) == {}, timeout=5, description="erased"
    )
    engine = create_engine(stack.settings.database_url, future=True)
    with engine.connect() as connection:
        erased = connection.execute(
            text("select count(*) from cases where outcome = 'erased' and pseudonym is null")
        ).scalar()
    assert erased >= 1, "the caseworker still sees that the case was erased"
    # Nothing of it can be carved from the database's files (issue 17: the WAL kept it).
    assert carved(database_files(stack.settings.database_url), [], tokens) == []

    # Telegram lets the bot delete the chat's recent messages too: offered, one tap.
    (deleted,) = await press(bot, user, "forget:messages", message_id=done["message_id"])
    assert deleted["text"] == translate("fr", messages.MESSAGES_DELETED)
    removed = [i for call in bot.calls("deleteMessages") for i in call["message_ids"]]
    assert done["message_id"] in removed and ask["message_id"] in removed


def ciphertexts_about(settings: Settings, person: str) -> list[bytes]:
    """The encrypted packet and thread of the person's cases, and their Rasa events."""
    engine = create_engine(settings.database_url, future=True)
    queries = [
        "select packet from cases where pseudonym = :p",
        "select body from case_messages where case_id in "
        "(select id from cases where pseudonym = :p)",
        "select data from events where sender_id = :p",
    ]
    with engine.connect() as connection:
        found = [v for q in queries for v in connection.execute(text(q), {"p": person}).scalars()]
    engine.dispose()
    assert len(found) >= 5
    return [value.encode() if isinstance(value, str) else value for value in found]


def rows_about(settings: Settings, person: str) -> dict[str, int]:
    """Rows of any table whose pseudonym or sender_id column is this person."""
    engine = create_engine(settings.database_url, future=True)
    found = {}
    with engine.connect() as connection:
        inspector = inspect(connection)
        for table in inspector.get_table_names():
            for column in inspector.get_columns(table):
                if column["name"] in ("pseudonym", "sender_id"):
                    count = connection.execute(
                        text(f"select count(*) from {table} where {column['name']} = :p"),
                        {"p": person},
                    ).scalar()
                    if count:
                        found[table] = count
    return found
