"""The self-assessment end to end, in French and Arabic, through the fake Bot API, including
red flags, off-topic questions, stale buttons and a restart of every process."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import create_engine, select

from bot.gateway import assessment as texts
from bot.gateway import handover
from bot.i18n import translate, translate_count
from bot.i18n.bidi import isolate_ltr, without_isolates
from bot.i18n.units import DAYS, MINUTES, SHORT_QUESTIONS
from bot.questionnaire.definition import load_definition
from bot.settings import Settings
from bot.storage.keys import cipher, data_keys, pseudonym, unseal
from bot.storage.models import Assessment
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers.stack import Stack, gateway

pytestmark = pytest.mark.e2e
_user_ids = itertools.count(5000)
DEFINITION = load_definition()


def intro_values(language: str) -> dict[str, str]:
    """The intro's counts as the gateway writes them: 5 minutes, every question, 30 days."""
    return {
        "duration": translate_count(language, MINUTES, DEFINITION.minutes),
        "questions": translate_count(language, SHORT_QUESTIONS, len(DEFINITION.questions)),
        "delay": translate_count(language, DAYS, 30),
    }


def buttons(message: dict) -> dict[str, str]:
    """Callback data by button title."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def question_payloads(message: dict) -> list[str]:
    return [p for p in buttons(message).values() if p.startswith("a:")]


async def send(fake: FakeBotAPI, user: int, text: str, count: int = 1, **kw) -> list[dict]:
    fake.clear()
    fake.push_update(fake.text_update(user, text, **kw))
    return await fake.wait_for_messages(user, count)


async def press(fake: FakeBotAPI, user: int, data: str, count: int = 1, **kw) -> list[dict]:
    fake.clear()
    fake.push_update(fake.callback_update(user, data, **kw))
    return await fake.wait_for_messages(user, count)


def position(message: dict) -> int:
    """The question's number in "3/29 · ...", also when an Arabic reply isolates "3/29"."""
    return int(without_isolates(message["text"]).split("/", 1)[0])


def stored(settings: Settings, user: int) -> list[tuple[str, dict, dict | None, bytes]]:
    keys = data_keys(settings)
    box = cipher(keys)
    engine = create_engine(settings.database_url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Assessment).where(Assessment.pseudonym == pseudonym(keys, user))
        ).all()
    return [
        (
            row.status,
            unseal(box, row.progress),
            unseal(box, row.result) if row.result else None,
            bytes(row.progress),
        )
        for row in rows
    ]


async def answer_current(fake: FakeBotAPI, user: int, question: dict, choose: str) -> list[dict]:
    """Press the option ``choose`` (or the first option) of the question shown in ``question``.

    Waits for every message that answer brings: a red-flag message before the next question,
    and at the end the profile, suggestions, contacts and the caseworker question.
    """
    payloads = [p for p in question_payloads(question) if not p.split(":")[3].startswith("~")]
    wanted = next((p for p in payloads if p.endswith(f":{choose}")), payloads[0])
    _, _, question_id, option_id = wanted.split(":")
    if question_id != DEFINITION.questions[-1].id:
        expected = 2 if DEFINITION.question(question_id).option(option_id).red_flag else 1
        return await press(fake, user, wanted, expected)
    # The last answer brings the profile and more, ending with the caseworker question.
    fake.clear()
    fake.push_update(fake.callback_update(user, wanted))
    await fake.wait_until(
        lambda: any(":cw:" in p for m in fake.sent(user) for p in question_payloads(m)),
        timeout=20,
    )
    return fake.sent(user)


async def test_french_assessment_from_intro_to_result(bot: FakeBotAPI, stack: Stack):
    user = next(_user_ids)
    (intro,) = await send(bot, user, "/assessment")
    assert intro["text"] == translate("fr", texts.INTRO, intro_values("fr"))

    (question,) = await press(bot, user, buttons(intro)[translate("fr", texts.BEGIN_KEEP)])
    assert question["text"].startswith(f"1/{len(DEFINITION.questions)} · ")
    assert {"Passer", "Retour", "Arrêter"} <= set(buttons(question))
    stale = question_payloads(question)[0]

    # Typed answers: yes/no words, a number, free text.
    (question,) = await send(bot, user, "non")
    assert position(question) == 2
    (question,) = await send(bot, user, "3")
    assert position(question) == 3
    (question,) = await send(bot, user, "oui")
    (question,) = await send(bot, user, "Thiès")
    assert position(question) == 5

    # A stale button from question 1 only shows the current question again.
    (again,) = await press(bot, user, stale)
    assert position(again) == 5

    # An off-topic question is answered, then the same question comes back.
    info, back_to_it = await send(bot, user, "c'est quoi l'aide pour trouver un logement ?", 2)
    assert "logement" in info["text"]
    assert position(back_to_it) == 5

    # Skip, then Back returns to the skipped question.
    (question,) = await press(bot, user, buttons(back_to_it)["Passer"])
    assert position(question) == 6
    (question,) = await press(bot, user, buttons(question)["Retour"])
    assert position(question) == 5

    messages = await answer_current(bot, user, question, "m1to6")
    while True:
        current = messages[-1]
        qid = current["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[2]
        if qid == "cw":
            break
        choice = "danger_now" if qid == "psy_safety" else ""
        messages = await answer_current(bot, user, current, choice)
        if qid == "psy_safety":
            # The help, then a pause: never straight on to the next question.
            flag, pause = messages
            assert flag["text"].startswith(
                translate("fr", DEFINITION.red_flags["immediate_danger"].text)
            )
            # No centre known: one tap on the country gives its numbers.
            assert {"x:danger:SN", "h:urgent"} <= set(buttons(flag).values())
            assert pause["text"] == translate("fr", texts.CRISIS_PAUSE)
            (following,) = await press(
                bot, user, buttons(pause)[translate("fr", texts.CONTINUE_NOW)]
            )
            assert position(following) > position(current)
            messages = [following]

    texts_sent = [m["text"] for m in bot.sent(user)]
    assert any(t.startswith(translate("fr", texts.RESULT_TITLE)) for t in texts_sent)
    profile = next(t for t in texts_sent if t.startswith(translate("fr", texts.RESULT_TITLE)))
    assert "Situation économique" in profile and "Bien-être psychosocial" in profile
    assert "0." not in profile, "plain words, not raw numbers"
    # The red flag first, and its dimension never "stable".
    assert profile.split("\n")[1:3] == [translate("fr", texts.RESULT_FLAGS), "⚠ Danger immédiat"]
    assert "Bien-être psychosocial : un soutien serait très utile" in profile

    ask = bot.sent(user)[-1]
    (consent,) = await press(bot, user, buttons(ask)[translate("fr", texts.YES_CONTACT)])
    assert consent["text"] == translate("fr", handover.ASK_SHARE), "the handover starts"

    ((status, progress, result, raw),) = stored(stack.settings, user)
    assert status == "completed"
    assert progress["answers"]["prof_town"] == "Thiès"
    assert b"prof_town" not in raw and "Thiès".encode() not in raw, "encrypted at rest"
    assert "immediate_danger" in result["flags"]


async def test_arabic_assessment_resumes_after_every_process_restarts(
    telegram_settings: Settings, fake_api: FakeBotAPI, stack: Stack
):
    user = next(_user_ids)
    async with gateway(telegram_settings):
        fake_api.clear()
        (intro,) = await send(fake_api, user, "ابغي ندير التقييم الذاتي", language_code="ar")
        # Arabic replies isolate their numbers (bot.i18n.bidi).
        assert intro["text"] == isolate_ltr(translate("ar", texts.INTRO, intro_values("ar")))
        (question,) = await press(fake_api, user, question_payloads(intro)[0], language_code="ar")
        (question,) = await send(fake_api, user, "لا", language_code="ar")
        (question,) = await send(fake_api, user, "٤", language_code="ar")
        assert position(question) == 3

    stack.restart()

    async with gateway(telegram_settings):
        (offer,) = await send(fake_api, user, "/assessment", language_code="ar")
        assert offer["text"] == isolate_ltr(
            translate("ar", texts.RESUME_OFFER, {"position": 3, "count": len(DEFINITION.questions)})
        )
        resume = buttons(offer)[translate("ar", texts.RESUME)]
        (question,) = await press(fake_api, user, resume, language_code="ar")
        assert position(question) == 3
        rows = question["reply_markup"]["inline_keyboard"]
        assert [b["text"] for b in rows[-2]] == [
            translate("ar", texts.BACK),
            translate("ar", texts.SKIP),
        ], "right to left: Skip sits at the right"

        (paused,) = await send(fake_api, user, "توقف", language_code="ar")
        assert paused["text"] == isolate_ltr(translate("ar", texts.PAUSED))

    ((status, progress, _, _),) = stored(stack.settings, user)
    assert status == "paused"
    assert progress["answers"]["prof_household"] == "4"
