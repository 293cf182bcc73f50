"""Handover end to end: the returnee (fake Bot API -> real gateway, Rasa, actions) and the
caseworker (the real console over HTTP) talk through the bot, then the case is rated."""

from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.console import texts as console_texts
from bot.console.texts import CONTACT_TIME_LABELS, RATING_PROMPT
from bot.crisis.kinds import BY_ID
from bot.gateway import handover as texts
from bot.gateway.service import build_http_app
from bot.i18n import translate
from bot.settings import Settings
from bot.storage import cases
from bot.storage.keys import pseudonym
from bot.storage.models import Case
from tests.console.helpers import login, make_account, post
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers.stack import CASEWORKER_CHAT_ID, gateway

pytestmark = pytest.mark.e2e
_user_ids = itertools.count(9000)


def buttons(message: dict) -> dict[str, str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def send(fake: FakeBotAPI, user: int, text: str, count: int = 1) -> list[dict]:
    fake.clear()
    fake.push_update(fake.text_update(user, text))
    return await fake.wait_for_messages(user, count)


async def press(fake: FakeBotAPI, user: int, title: str, message: dict) -> list[dict]:
    fake.clear()
    fake.push_update(fake.callback_update(user, buttons(message)[translate("fr", title)]))
    return await fake.wait_for_messages(user, 1)


async def test_consent_queue_reply_answer_close_and_rating(
    telegram_settings: Settings, fake_api: FakeBotAPI
):
    user = next(_user_ids)
    async with gateway(telegram_settings) as running_gateway:
        core = running_gateway.core
        (ask,) = await send(fake_api, user, "/caseworker")
        assert ask["text"] == translate("fr", texts.ASK_CONTACT)
        (ask,) = await press(fake_api, user, texts.YES, ask)
        assert ask["text"] == translate("fr", texts.ASK_FOLLOW_UP)
        (ask,) = await press(fake_api, user, texts.NO, ask)
        (ask,) = await send(fake_api, user, "je cherche du travail et un logement")
        assert ask["text"] == translate("fr", texts.ASK_CONTACT_TIME)
        # The alert goes through the outbox: a refusal delays it, and does not lose it.
        fake_api.fail_next("sendMessage", 502, chat_id=CASEWORKER_CHAT_ID)
        (queued,) = await press(fake_api, user, CONTACT_TIME_LABELS["evening"], ask)
        assert "position 1" in queued["text"] and "/stop" in queued["text"]
        (alert,) = await fake_api.wait_for_messages(CASEWORKER_CHAT_ID, 1)
        # The case number and the priority, no personal data.
        assert re.fullmatch(
            r"Nouveau cas n° \d+ dans la file \(priorité : normale\)\.", alert["text"]
        )
        assert [f["error_code"] for f in fake_api.failed("sendMessage")] == [502]

        # 1. The case appears in the console's queue, without its content.
        # https: the console sets Secure cookies, as in production.
        console = TestClient(build_http_app(telegram_settings, core), base_url="https://testserver")
        # An admin: the person came without a centre's link, so no centre's caseworkers see it.
        worker = make_account(core.sessions, core.box, f"awa{user}", role="admin", centre=None)
        login(console, worker)
        with core.sessions.begin() as session:
            case = session.execute(
                select(Case).where(Case.pseudonym == pseudonym(core.keys, user))
            ).scalar_one()
            case_id = case.id
        queue_page = console.get("/console/").text
        assert f"/console/cases/{case_id}/claim" in queue_page
        assert "logement" not in queue_page

        # 2. The caseworker claims (the returnee is told) and replies; the returnee receives it.
        fake_api.clear()
        post(console, f"/console/cases/{case_id}/claim")
        (taken,) = await fake_api.wait_for_messages(user, 1)
        assert taken["text"] == translate("fr", console_texts.CLAIMED_NOTICE)
        assert (
            "je cherche du travail et un logement" in console.get(f"/console/cases/{case_id}").text
        )
        fake_api.clear()
        post(console, f"/console/cases/{case_id}/reply", text="Bonjour, je suis Awa. On en parle ?")
        (reply,) = await fake_api.wait_for_messages(user, 1)
        assert reply["text"] == "Référent : Bonjour, je suis Awa. On en parle ?"

        # 3. The returnee answers; it goes to the thread (not to Rasa), and the caseworker sees it.
        (told,) = await send(fake_api, user, "oui merci, demain <b>matin</b> ?")
        assert told["text"] == translate("fr", texts.PASSED_ON)
        page = console.get(f"/console/cases/{case_id}").text
        assert "demain &lt;b&gt;matin&lt;/b&gt; ?" in page

        # 4. The caseworker closes the case; the bot asks for a rating and takes over again.
        fake_api.clear()
        post(console, f"/console/cases/{case_id}/close", confirm="1", outcome="assisted", detail="")
        (prompt,) = await fake_api.wait_for_messages(user, 1)
        assert prompt["text"] == translate("fr", RATING_PROMPT)
        fake_api.clear()
        fake_api.push_update(fake_api.callback_update(user, buttons(prompt)["5"]))
        (thanks,) = await fake_api.wait_for_messages(user, 1)
        assert thanks["text"] == translate("fr", texts.RATING_THANKS)
        with core.sessions.begin() as session:
            closed = session.get(Case, case_id)
            assert (closed.status, closed.outcome, closed.rating) == (cases.CLOSED, "assisted", 5)

        (answer,) = await send(fake_api, user, "c'est quoi la reintegration durable ?")
        assert "réintégration" in answer["text"].lower()
        console.close()


async def test_without_contact_consent_the_person_gets_the_centre(
    telegram_settings: Settings, fake_api: FakeBotAPI
):
    user = next(_user_ids)
    async with gateway(telegram_settings) as running_gateway:
        core = running_gateway.core
        (ask,) = await send(fake_api, user, "je veux parler a un conseiller svp")
        (reply,) = await press(fake_api, user, texts.NO, ask)
        # Centres in three countries: the person's country first, then its centre.
        assert "Centre de ressources Exemple" not in reply["text"]
        assert list(buttons(reply)) == ["Sénégal", "Maroc", "Tunisie"]
        (centre,) = await press(fake_api, user, "Maroc", reply)
        assert centre["text"].startswith("Centre de ressources Exemple Rabat (fictif)\n")
        with core.sessions.begin() as session:
            assert not session.execute(
                select(Case).where(Case.pseudonym == pseudonym(core.keys, user))
            ).first()


async def test_a_crisis_during_an_open_case_is_passed_on_and_made_urgent(
    telegram_settings: Settings, fake_api: FakeBotAPI
):
    user = next(_user_ids)
    async with gateway(telegram_settings) as running_gateway:
        core = running_gateway.core
        (ask,) = await send(fake_api, user, "/caseworker")
        (ask,) = await press(fake_api, user, texts.YES, ask)
        (ask,) = await press(fake_api, user, texts.NO, ask)
        (ask,) = await send(fake_api, user, "un logement")
        await press(fake_api, user, CONTACT_TIME_LABELS["evening"], ask)
        await fake_api.wait_for_messages(CASEWORKER_CHAT_ID, 1)
        fake_api.clear()

        fake_api.fail_next("sendMessage", 429, retry_after=1, chat_id=CASEWORKER_CHAT_ID)
        help_, passed_on = await send(fake_api, user, "il me frappe encore, j'ai peur", 2)

        assert help_["text"].startswith(translate("fr", BY_ID["violence"].text))
        assert "h:urgent" in buttons(help_).values()
        assert passed_on["text"] == translate("fr", texts.PASSED_ON_URGENT)
        (alert,) = await fake_api.wait_for_messages(CASEWORKER_CHAT_ID, 1)
        assert "frappe" not in alert["text"], "no personal data in the alert"
        assert [f["error_code"] for f in fake_api.failed("sendMessage")] == [429]
        with core.sessions() as session:
            case = session.execute(
                select(Case).where(Case.pseudonym == pseudonym(core.keys, user))
            ).scalar_one()
            assert case.priority == cases.URGENT
            thread = cases.thread(session, core.box, case.id)
        assert "il me frappe encore, j'ai peur" in [entry.text for entry in thread]
        assert str(case.id) in alert["text"]
