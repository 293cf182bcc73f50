"""Actions that hand a decision to the gateway, which owns the assessment state."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.constants import CUSTOM_OFFER_ASSESSMENT, CUSTOM_STOP


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
