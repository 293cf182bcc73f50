"""action_suggest_topics: low confidence offers the likeliest topics, never a guess."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.actions.fallback import ActionSuggestTopics
from tests.helpers.trackers import tracker_for


async def test_suggests_the_ranked_intents_without_the_fallback_itself() -> None:
    dispatcher = CollectingDispatcher()
    tracker = tracker_for(
        "papiers logement?",
        ranking=[
            ("nlu_fallback", 0.3),
            ("info_legal_documents", 0.28),
            ("info_housing_food", 0.25),
            ("greet", 0.1),
        ],
    )

    await ActionSuggestTopics().run(dispatcher, tracker, {})

    directive, message = dispatcher.messages
    assert directive["custom"] == {"not_understood": True}
    assert message["response"] == "utter_suggest_topics"
    assert message["suggestions"] == ["info_legal_documents", "info_housing_food", "greet"]


async def test_without_a_ranking_still_answers() -> None:
    dispatcher = CollectingDispatcher()
    tracker = tracker_for("???", ranking=[("nlu_fallback", 0.0)])

    await ActionSuggestTopics().run(dispatcher, tracker, {})

    assert dispatcher.messages[-1]["suggestions"] == []
