"""Low confidence: say so, and offer the likeliest topics instead of guessing one."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.constants import CUSTOM_NOT_UNDERSTOOD, FALLBACK_INTENT

# The NLG keeps the first few of these that it has a button title for.
CANDIDATES = 6


def suggest_topics(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Say so, and offer the likeliest topics as buttons."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    likeliest = [
        entry["name"] for entry in ranking if entry.get("name") and entry["name"] != FALLBACK_INTENT
    ][:CANDIDATES]
    # Lets the gateway re-ask a pending assessment question instead of suggesting topics.
    dispatcher.utter_message(json_message={CUSTOM_NOT_UNDERSTOOD: True})
    dispatcher.utter_message(response="utter_suggest_topics", suggestions=likeliest)


class ActionSuggestTopics(Action):
    def name(self) -> str:
        return "action_suggest_topics"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        suggest_topics(dispatcher, tracker)
        return []
