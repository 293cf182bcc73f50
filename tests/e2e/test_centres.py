"""Deep links from a centre's poster: attribution, language and contacts, end to end."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select

from bot import directory
from bot.gateway import nearby
from bot.i18n import translate
from bot.nlg.render import Renderer
from bot.storage import statistics
from bot.storage.db import make_engine, session_factory
from bot.storage.keys import data_keys, pseudonym
from bot.storage.models import Person, Statistic
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers.stack import Stack

pytestmark = pytest.mark.e2e
USER = 7_700_001


async def test_a_poster_link_records_the_centre_and_selects_language_and_contacts(
    bot: FakeBotAPI, stack: Stack, renderer: Renderer
) -> None:
    bot.push_update(bot.command_update(USER, "/start", args="tunis-demo", language_code="de"))
    (welcome,) = await bot.wait_for_messages(USER, 1)
    assert welcome["text"] == renderer.render("utter_welcome", "ar").text, "the centre's language"

    bot.clear()
    bot.push_update(bot.callback_update(USER, "/info_contact_centre"))
    (contacts,) = await bot.wait_for_messages(USER, 1)
    assert "Tunis" in contacts["text"] and "Dakar" not in contacts["text"]

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
