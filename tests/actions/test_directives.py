"""Actions that hand the assessment over to the gateway."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.actions.directives import ActionEmergency, ActionOfferAssessment, ActionStop
from bot.constants import CUSTOM_CRISIS, CUSTOM_NOT_UNDERSTOOD, CUSTOM_OFFER_ASSESSMENT, CUSTOM_STOP
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


async def test_a_sure_emergency_hands_over_to_the_gateways_crisis_help() -> None:
    dispatcher = CollectingDispatcher()
    tracker = tracker_for("they have a gun", "emergency", [("emergency", 0.91)])

    await ActionEmergency().run(dispatcher, tracker, {})

    assert [m["custom"] for m in dispatcher.messages] == [{CUSTOM_CRISIS: True}]


async def test_an_unsure_emergency_offers_the_likeliest_topics_first() -> None:
    dispatcher = CollectingDispatcher()
    ranking = [("emergency", 0.45), ("info_health", 0.3)]

    await ActionEmergency().run(dispatcher, tracker_for("this heat", "emergency", ranking), {})

    assert dispatcher.messages[0]["custom"] == {CUSTOM_NOT_UNDERSTOOD: True}
    assert dispatcher.messages[1]["response"] == "utter_suggest_topics"
    assert dispatcher.messages[1]["suggestions"][0] == "emergency"
