"""The conversation core without Rasa: what the gateway handles itself, and outages."""

from __future__ import annotations

import pytest

from bot.gateway import messages
from bot.gateway.conversation import Conversation, Turn
from bot.gateway.rasa_client import RasaUnavailable
from bot.gateway.store import PeopleStore
from bot.i18n import translate


async def test_rasa_down_is_raised_for_the_front_to_keep_the_update(
    offline_conversation: Conversation,
) -> None:
    with pytest.raises(RasaUnavailable):
        await offline_conversation.text(Turn("p-1", "es"), "necesito ayuda")


async def test_first_contact_takes_the_telegram_language_then_remembers_the_choice(
    offline_conversation: Conversation, people: PeopleStore
) -> None:
    assert await offline_conversation.language_of(Turn("p-2", "ar")) == "ar"

    with pytest.raises(RasaUnavailable):  # the reply needs Rasa, down here
        await offline_conversation.switch_language(Turn("p-2", "ar"), "es")

    assert (await people.profile("p-2", "fr")).language == "es"
    assert await offline_conversation.language_of(Turn("p-2", "ar")) == "es"


async def test_unknown_language_payload_keeps_the_current_language(
    offline_conversation: Conversation, people: PeopleStore
) -> None:
    with pytest.raises(RasaUnavailable):  # the reply needs Rasa, down here
        await offline_conversation.button(Turn("p-3", "en"), "lang:xx")

    assert (await people.profile("p-3", "fr")).language == "en"


async def test_deep_link_records_a_known_centre_only(
    offline_conversation: Conversation, people: PeopleStore
) -> None:
    with pytest.raises(RasaUnavailable):  # the reply needs Rasa, down here
        await offline_conversation.text(Turn("p-4", "fr"), "/start tunis-demo")
    with pytest.raises(RasaUnavailable):  # the reply needs Rasa, down here
        await offline_conversation.text(Turn("p-5", "fr"), "/start nowhere")

    assert (await people.profile("p-4", "fr")).centre == "tunis-demo"
    assert (await people.profile("p-5", "fr")).centre is None


async def test_centre_language_applies_when_telegram_language_is_unsupported(
    offline_conversation: Conversation, people: PeopleStore
) -> None:
    with pytest.raises(RasaUnavailable):  # the reply needs Rasa, down here
        await offline_conversation.text(Turn("p-6", "de"), "/start rabat-demo")

    assert (await people.profile("p-6", "fr")).language == "ar"


async def test_oversized_text_is_refused_kindly(offline_conversation: Conversation) -> None:
    replies = await offline_conversation.text(Turn("p-7", "en"), "x" * 5000)

    assert replies[0].text == translate("en", messages.TOO_LONG)


async def test_an_answer_handled_again_after_a_crash_is_recorded_once(
    offline_conversation: Conversation,
) -> None:
    def turn(update_id: int) -> Turn:
        return Turn("p-9", "fr", update_id=update_id)

    (first,) = await offline_conversation.button(turn(1), "a:0:begin:keep")
    (second,) = await offline_conversation.text(turn(2), "non")
    # The same update again (its worker died before recording it done): the answer is already
    # in; the person gets the current question, not "non" taken as the answer to it.
    (again,) = await offline_conversation.text(turn(2), "non")

    assert first.text.startswith("1/") and second.text.startswith("2/")
    assert again.text == second.text


async def test_clear_other_language_gets_a_one_tap_offer(
    offline_conversation: Conversation,
) -> None:
    (offer,) = await offline_conversation.language_offer(
        Turn("p-8", "fr"), "I need help to find a job and a place to live"
    )

    assert offer.text == translate("en", messages.OFFER_LANGUAGE)
    assert offer.buttons == ((translate("en", messages.OFFER_LANGUAGE_BUTTON), "lang:en"),)


async def test_a_forged_yes_to_a_caseworker_starts_no_handover(
    offline_conversation: Conversation,
) -> None:
    # Someone else's assessment id (or none at all): the flow shows the person their own offer.
    replies = await offline_conversation.button(Turn("p-10", "fr", update_id=3), "a:999:cw:yes")

    (offer,) = replies
    assert offer.text.startswith("Cette auto-évaluation confidentielle")
    assert not any(payload.startswith("h:") for _, payload in offer.buttons)


async def test_a_country_chosen_for_the_contacts_gives_its_centre(
    offline_conversation: Conversation, people: PeopleStore
) -> None:
    (reply,) = await offline_conversation.button(Turn("k-1", "ar"), "k:MA")

    assert (await people.profile("k-1", "ar")).centre == "rabat-demo"
    assert reply.rtl and reply.text.startswith("مركز الموارد النموذجي في الرباط (وهمي)\n")
    assert "Tunis" not in reply.text and "Dakar" not in reply.text
