"""Actions that hand the assessment over to the gateway."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.actions.directives import ActionOfferAssessment, ActionStop
from bot.constants import CUSTOM_OFFER_ASSESSMENT, CUSTOM_STOP
from tests.helpers.trackers import tracker_for


async def test_offer_assessment_only_asks_the_gateway() -> None:
    dispatcher = CollectingDispatcher()

    await ActionOfferAssessment().run(dispatcher, tracker_for("/start_assessment"), {})

    assert dispatcher.messages == [
        {**dispatcher.messages[0], "custom": {CUSTOM_OFFER_ASSESSMENT: True}}
    ]
    assert not dispatcher.messages[0].get("text")


async def test_stop_pauses_and_still_answers() -> None:
    dispatcher = CollectingDispatcher()

    await ActionStop().run(dispatcher, tracker_for("stop"), {})

    assert dispatcher.messages[0]["custom"] == {CUSTOM_STOP: True}
    assert dispatcher.messages[1]["response"] == "utter_stop"
