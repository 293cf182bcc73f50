"""The issue's crisis messages, end to end through the Telegram front: each gets its kind's
help in its own language with the right line first; the near misses get their usual answer."""

from __future__ import annotations

import pytest

from bot.crisis.kinds import BY_ID
from bot.gateway.assessment import CRISIS_PAUSE
from bot.i18n import translate
from tests.e2e.test_telegram import new_user, payloads, press, say
from tests.fakes.bot_api import FakeBotAPI

pytestmark = pytest.mark.e2e


def _lines(text: str) -> list[str]:
    return [line.strip("\u2066\u2069 ") for line in text.split("\n") if line.startswith("☎")]


async def _person_of_rabat(bot: FakeBotAPI, language: str = "fr") -> int:
    user = new_user()
    bot.push_update(bot.command_update(user, "/start", args="rabat-demo", language_code=language))
    await bot.wait_for_messages(user, 1)
    return user


@pytest.mark.parametrize(
    ("text", "kind", "language", "first_line"),
    [
        ("انا عايز اموت مفيش حاجة ليها لازمة", "self_harm", "ar", "15"),
        ("بغيت نموت", "self_harm", "ar", "15"),
        ("أريد أن أنتحر", "self_harm", "ar", "15"),
        ("بدي موت", "self_harm", "ar", "15"),
        ("عايز انتحر", "self_harm", "ar", "15"),
        ("مش عايز اعيش", "self_harm", "ar", "15"),
        ("ya no quiero vivir", "self_harm", "es", "15"),
        ("my boss keep my passport and dont pay me", "trafficking", "en", "19"),
        ("mon patron garde mon passeport et me paie pas", "trafficking", "fr", "19"),
        ("mi jefe se quedo con mi pasaporte y no me paga", "trafficking", "es", "19"),
        ("ma femme est enceinte elle saigne beaucoup", "medical", "fr", "15"),
        ("مرتي حاملة وكتنزف بزاف", "medical", "ar", "15"),
        ("je dors dehors ce soir", "no_shelter", "fr", "+212 500 00 00 12"),
        ("no place to sleep tonight", "no_shelter", "en", "+212 500 00 00 12"),
    ],
)
async def test_each_crisis_gets_its_help_in_its_language(
    bot: FakeBotAPI, text: str, kind: str, language: str, first_line: str
):
    user = await _person_of_rabat(bot)

    reply, *_ = await say(bot, user, text)

    assert reply["text"].startswith(translate(language, BY_ID[kind].text))
    assert _lines(reply["text"])[0].endswith(first_line)
    assert "h:urgent" in payloads(reply)
    if kind == "no_shelter":
        assert "19" not in " ".join(_lines(reply["text"])), "no police for a bed"


@pytest.mark.parametrize(
    "text",
    [
        "ce dossier me tue",
        "me muero de ganas de verla",
        "بموت من الضحك",
        "is there a psychologist I can see next month?",
    ],
)
async def test_near_misses_get_their_usual_answer(bot: FakeBotAPI, text: str):
    user = await _person_of_rabat(bot)

    replies = await say(bot, user, text)

    for reply in replies:
        assert "h:urgent" not in payloads(reply)
        assert not _lines(reply["text"])


async def test_a_crisis_in_the_middle_of_the_questionnaire_pauses_it(bot: FakeBotAPI):
    user = await _person_of_rabat(bot)
    (intro,) = await say(bot, user, "/assessment")
    await press(bot, user, payloads(intro)[0])

    help_, pause = await say(bot, user, "non. honnêtement je veux mourir", count=2)

    assert help_["text"].startswith(translate("fr", BY_ID["self_harm"].text))
    assert pause["text"] == translate("fr", CRISIS_PAUSE)
    resume = payloads(pause)[0]
    (question,) = await press(bot, user, resume)
    assert question["text"].startswith("1/")
