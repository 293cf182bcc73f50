"""Actions that hand over to the gateway, which owns assessment, handover and consent state."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.fallback import suggest_topics
from bot.constants import (
    CUSTOM_CRISIS,
    CUSTOM_MY_DATA,
    CUSTOM_OFFER_ASSESSMENT,
    CUSTOM_OFFER_HANDOVER,
    CUSTOM_STOP,
    EMERGENCY_MIN_CONFIDENCE,
)


class ActionOfferAssessment(Action):
    """The gateway answers with the assessment's intro, or an offer to resume."""

    def name(self) -> str:
        return "action_offer_assessment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message={CUSTOM_OFFER_ASSESSMENT: True})
        return []


class ActionStop(Action):
    """Stop: the gateway pauses an assessment in progress; otherwise the usual answer."""

    def name(self) -> str:
        return "action_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message={CUSTOM_STOP: True})
        dispatcher.utter_message(response="utter_stop")
        return []


class ActionOfferHandover(Action):
    """The gateway asks for consent, prepares the packet and queues the case."""

    def name(self) -> str:
        return "action_offer_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message={CUSTOM_OFFER_HANDOVER: True})
        return []


class ActionShowMyData(Action):
    """The gateway lists what is stored, consents included, with withdraw buttons."""

    def name(self) -> str:
        return "action_show_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message={CUSTOM_MY_DATA: True})
        return []


class ActionEmergency(Action):
    """The model heard an emergency that the phrase lists missed, or the menu's button was
    pressed: the gateway answers with its crisis help, the same as for a detected crisis.

    Below EMERGENCY_MIN_CONFIDENCE the model is unsure, and answering figures of speech with
    crisis lines is a harm of its own; the person then gets the likeliest topics, the Emergency
    button first.
    """

    def name(self) -> str:
        return "action_emergency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        confidence = (tracker.latest_message.get("intent") or {}).get("confidence", 1.0)
        if confidence < EMERGENCY_MIN_CONFIDENCE:
            suggest_topics(dispatcher, tracker)
        else:
            dispatcher.utter_message(json_message={CUSTOM_CRISIS: True})
        return []
