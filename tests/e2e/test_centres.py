"""Deep links from a centre's poster: attribution, language and contacts, and the services
directory, end to end: with the longest content its validation accepts (town names of 100
characters or in Arabic, notes of 500 characters in four languages), every Bot API call keeps
to the official specification (the fake checks each one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from sqlalchemy import create_engine, select

from bot import directory
from bot.gateway import assessment, nearby
from bot.i18n import is_rtl, translate
from bot.i18n.bidi import directed, isolate_ltr, without_isolates
from bot.nlg.render import Renderer
from bot.questionnaire.definition import load_definition
from bot.storage import statistics
from bot.storage.db import make_engine, session_factory
from bot.storage.keys import data_keys, pseudonym
from bot.storage.models import Person, Statistic
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.formatting import telegram_length
from tests.helpers.stack import Stack

pytestmark = pytest.mark.e2e
USER = 7_700_001
DEFINITION = load_definition()


async def test_a_poster_link_records_the_centre_and_selects_language_and_contacts(
    bot: FakeBotAPI, stack: Stack, renderer: Renderer
) -> None:
    bot.push_update(bot.command_update(USER, "/start", args="tunis-demo", language_code="de"))
    (welcome,) = await bot.wait_for_messages(USER, 1)
    welcome_ar = isolate_ltr(renderer.render("utter_welcome", "ar").text)
    assert welcome["text"] == welcome_ar, "the centre's language"

    bot.clear()
    bot.push_update(bot.callback_update(USER, "/info_contact_centre"))
    (contacts,) = await bot.wait_for_messages(USER, 1)
    assert "مركز الموارد النموذجي في تونس (وهمي)" in contacts["text"]
    assert "داكار" not in contacts["text"] and "Dakar" not in contacts["text"]

    engine = create_engine(stack.settings.database_url, future=True)
    with engine.connect() as connection:
        person = connection.execute(
            select(Person.centre_code).where(
                Person.pseudonym == pseudonym(data_keys(stack.settings), USER)
            )
        ).scalar_one()
        counted = connection.execute(
            select(Statistic.metric, Statistic.value).where(Statistic.centre_code == "tunis-demo")
        ).all()
    assert person == "tunis-demo"
    assert (statistics.NEW_USER, "") in counted
    assert (statistics.QUESTION, "info_contact_centre") in counted


async def test_where_to_get_help_in_a_named_town_and_by_picking_one(
    bot: FakeBotAPI, stack: Stack, centres
) -> None:
    user = USER + 1
    sessions = session_factory(make_engine(stack.settings.database_url))
    with sessions.begin() as session:
        directory.import_services(
            session, directory.load_services(stack.settings.services_file, centres)
        )
    try:
        bot.push_update(bot.command_update(user, "/start", args="dakar-demo", language_code="fr"))
        await bot.wait_for_messages(user, 1)

        bot.clear()
        bot.push_update(bot.text_update(user, "je suis malade, ou trouver un medecin a thies ?"))
        answer, services = await bot.wait_for_messages(user, 2)
        assert services["text"].startswith(translate("fr", nearby.HERE, {"region": "Thiès"}))

        bot.clear()
        bot.push_update(bot.text_update(user, "j'ai besoin de soins, je suis malade"))
        answer, where = await bot.wait_for_messages(user, 2)
        assert where["text"] == translate("fr", nearby.WHERE)
        towns = {
            b["text"]: b["callback_data"]
            for row in where["reply_markup"]["inline_keyboard"]
            for b in row
        }
        bot.clear()
        bot.push_update(bot.callback_update(user, towns["Dakar"]))
        (listed,) = await bot.wait_for_messages(user, 1)
        assert listed["text"].startswith(translate("fr", nearby.HERE, {"region": "Dakar"}))
    finally:
        with sessions.begin() as session:
            directory.import_services(session, [])


# --- whatever the directory holds, within what its validation accepts ------------------------

# Town names as centres write them: one of 100 characters (the most validation takes), the one
# whose buttons Telegram refused, and an Arabic one, 2 bytes a letter in button data.
LONG_TOWN = (
    "Communes du Cap-Vert : Dakar-Plateau, Médina, Grand-Dakar, Parcelles Assainies, Pikine, "
    "Guédiawaye"
)
GRAND_TUNIS = "Grand Tunis (Tunis, Ariana, Ben Arous, Manouba)"
ARABIC_TOWN = "عمالة سلا - جهة الرباط سلا القنيطرة"
TOWNS = (LONG_TOWN, GRAND_TUNIS, ARABIC_TOWN)
SENTENCES = {
    "fr": "Sur rendez-vous, avec une pièce d'identité ou l'attestation de retour du centre.",
    "en": "By appointment, with an identity document or the centre's certificate of return.",
    "ar": "بموعد مسبق، مع وثيقة هوية أو شهادة العودة الصادرة عن المركز.",
    "es": "Con cita previa, con un documento de identidad o el certificado de retorno del centro.",
}
SPOKEN = "fr wo ff ar en es pt it de nl ru zh ja ko tr fa ur hi bn sw".split()


def at_most(sentence: str, limit: int) -> str:
    """The sentence repeated as often as ``limit`` characters allow."""
    text = sentence
    while len(f"{text} {sentence}") <= limit:
        text = f"{text} {sentence}"
    return text


def longest_service(service_id: str, centre: str, town: str, category: str) -> dict:
    """A service with every field as long as validation takes."""
    limits = directory.MAX_LENGTH
    return {
        "id": service_id,
        "centre": centre,
        "region": town,
        "category": category,
        "name": at_most(
            f"Service {service_id} d'accueil et d'orientation (fictif)", limits["name"]
        ),
        "address": at_most(
            "Immeuble Exemple, 12 rue de l'Exemple, quartier Nord", limits["address"]
        ),
        "phone": "+221 30 000 01 01",
        "opening_hours": [
            {"days": [day], "open": "08:00", "close": "18:00"}
            for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        ],
        "languages": SPOKEN[: directory.MAX_LANGUAGES],
        "eligibility": at_most(SENTENCES["fr"], limits["eligibility"]),
        "eligibility_translations": {
            language: at_most(sentence, limits["eligibility"])
            for language, sentence in SENTENCES.items()
            if language != "fr"
        },
    }


def longest_directory(tmp_path, centres) -> list[directory.ServiceEntry]:
    """Four health services in each long town of every centre, and in the Arabic town one of
    every kind of help: all through the file's own validation."""
    services = [
        longest_service(f"{centre.code}-{t}-{n}", centre.code, town, "info_health")
        for centre in centres
        for t, town in enumerate(TOWNS)
        for n in range(nearby.MAX_SERVICES)
    ]
    services += [
        longest_service(
            f"rabat-demo-{category.replace('_', '-')}", "rabat-demo", ARABIC_TOWN, category
        )
        for category in directory.CATEGORIES
        if category != "info_health"
    ]
    path = tmp_path / "services.yml"
    path.write_text(yaml.safe_dump({"services": services}, allow_unicode=True), encoding="utf-8")
    return directory.load_services(path, centres)


@pytest.fixture
def longest(stack: Stack, centres, tmp_path) -> Iterator[list[directory.ServiceEntry]]:
    entries = longest_directory(tmp_path, centres)
    sessions = session_factory(make_engine(stack.settings.database_url))
    with sessions.begin() as session:
        directory.import_services(session, entries)
    try:
        yield entries
    finally:
        with sessions.begin() as session:
            directory.import_services(session, [])


def health(entries: list[directory.ServiceEntry]) -> list[directory.ServiceEntry]:
    return [e for e in entries if e.category == "info_health"]


def buttons(message: dict) -> dict[str, str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def listed_until(bot: FakeBotAPI, user: int, names: list[str]) -> list[dict]:
    """The messages sent until every one of ``names`` was read, in that order."""

    def every_name() -> list[dict] | None:
        sent = bot.sent(user)
        # Arabic replies isolate the Latin names: they are looked for without the marks.
        text = without_isolates("\n".join(m["text"] for m in sent))
        return sent if all(name in text for name in names) else None

    def describe() -> str:
        return f"{len(names)} services listed; sent: {[m['text'][:80] for m in bot.sent(user)]}"

    sent = await bot.wait_until(every_name, timeout=20, description=describe)
    text = without_isolates("\n".join(m["text"] for m in sent))
    assert [text.index(name) for name in names] == sorted(text.index(name) for name in names)
    return sent


@pytest.mark.parametrize(
    ("language", "centre"),
    [("fr", "dakar-demo"), ("en", "tunis-demo"), ("ar", "rabat-demo"), ("es", "dakar-demo")],
)
async def test_long_and_arabic_towns_and_long_notes_keep_to_telegrams_limits(
    bot: FakeBotAPI, longest: list[directory.ServiceEntry], language: str, centre: str
) -> None:
    user = USER + 10 + ["fr", "en", "ar", "es"].index(language)
    bot.push_update(bot.command_update(user, "/start", args=centre, language_code=language))
    await bot.wait_for_messages(user, 1)

    bot.clear()
    bot.push_update(bot.callback_update(user, "/info_health", language_code=language))
    answer, where = await bot.wait_for_messages(user, 2)
    assert where["text"] == directed(translate(language, nearby.WHERE), is_rtl(language))
    towns = buttons(where)
    assert set(towns) == set(TOWNS)

    for town, data in towns.items():
        assert data == f"s:info_health:{directory.region_id(town)}"
        bot.clear()
        bot.push_update(bot.callback_update(user, data, language_code=language))
        names = sorted(e.name for e in health(longest) if e.centre == centre and e.region == town)
        sent = await listed_until(bot, user, names)
        # Four cards with every field at its longest take more than one message.
        assert len(sent) >= 2
        here = directed(translate(language, nearby.HERE, {"region": town}), is_rtl(language))
        assert sent[0]["text"].startswith(here)
        assert all(telegram_length(m["text"]) <= 4096 for m in sent)
        assert SENTENCES[language] in sent[-1]["text"]


@pytest.mark.parametrize(
    ("language", "centre", "town", "message"),
    [
        ("fr", "dakar-demo", LONG_TOWN, "je suis malade, ou trouver un medecin a {town} ?"),
        ("en", "tunis-demo", GRAND_TUNIS, "I am sick, where can I see a doctor in {town}?"),
        ("ar", "rabat-demo", ARABIC_TOWN, "أحتاج إلى طبيب في {town}"),
    ],
)
async def test_a_long_or_arabic_town_named_in_a_message_lists_its_services(
    bot: FakeBotAPI,
    longest: list[directory.ServiceEntry],
    language: str,
    centre: str,
    town: str,
    message: str,
) -> None:
    user = USER + 20 + TOWNS.index(town)
    bot.push_update(bot.command_update(user, "/start", args=centre, language_code=language))
    await bot.wait_for_messages(user, 1)

    bot.clear()
    bot.push_update(bot.text_update(user, message.format(town=town), language_code=language))
    names = sorted(e.name for e in health(longest) if e.centre == centre and e.region == town)
    sent = await listed_until(bot, user, names)

    here = directed(translate(language, nearby.HERE, {"region": town}), is_rtl(language))
    assert any(m["text"].startswith(here) for m in sent)
    assert all(telegram_length(m["text"]) <= 4096 for m in sent)


async def test_an_arabic_assessment_result_lists_long_services_within_the_limits(
    bot: FakeBotAPI, longest: list[directory.ServiceEntry]
) -> None:
    """The hardest answer to every question, and the Arabic town as the person's town: the
    result suggests services for every weak dimension, each with its longest note."""
    user = USER + 23
    bot.push_update(bot.command_update(user, "/start", args="rabat-demo", language_code="ar"))
    await bot.wait_for_messages(user, 1)
    bot.clear()
    bot.push_update(bot.text_update(user, "/assessment", language_code="ar"))
    (intro,) = await bot.wait_for_messages(user, 1)
    begin = buttons(intro)[translate("ar", assessment.BEGIN_KEEP)]

    question = await answered(bot, user, lambda: bot.callback_update(user, begin))
    while (step := question_of(question)) != "cw":
        if step == "resume":
            # A red flag paused the questionnaire on its help: go on.
            data = next(p for p in buttons(question).values() if p.endswith(":resume"))
            question = await answered(bot, user, lambda d=data: bot.callback_update(user, d))
            continue
        asked = DEFINITION.question(step)
        if asked.options:
            # The lowest score; of equals, one without a red flag (fewer messages to wait for).
            hardest = min(
                asked.options, key=lambda o: (1 if o.score is None else o.score, bool(o.red_flag))
            ).id
            data = next(p for p in buttons(question).values() if p.endswith(f":{step}:{hardest}"))
            question = await answered(bot, user, lambda d=data: bot.callback_update(user, d))
        else:
            typed = ARABIC_TOWN if asked.type == "text" else "3"
            question = await answered(bot, user, lambda t=typed: bot.text_update(user, t))

    sent = bot.sent(user)
    text = "\n".join(m["text"] for m in sent)
    assert translate("ar", assessment.SERVICES_NEAR) in text
    assert text.count(SENTENCES["ar"]) >= 2 * assessment.MAX_SERVICES
    assert all(telegram_length(m["text"]) <= 4096 for m in sent)


def question_of(message: dict) -> str | None:
    """The id of the question a message asks (its buttons say), or None."""
    payloads = [p for p in buttons(message).values() if p.startswith("a:")]
    if any(p.endswith(":resume") for p in payloads):
        # A pause; its buttons are in reading order, which is reversed in Arabic.
        return "resume"
    return payloads[0].split(":")[2] if payloads else None


async def answered(bot: FakeBotAPI, user: int, update) -> dict:
    """Push the answer, then wait for the next question (red-flag help and, at the end, the
    result come before it)."""
    bot.clear()
    bot.push_update(update())

    def next_question() -> dict | None:
        sent = bot.sent(user)
        return sent[-1] if sent and question_of(sent[-1]) else None

    return await bot.wait_until(next_question, timeout=20, description="the next question")
