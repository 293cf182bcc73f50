"""Build rasa-sdk trackers the way the action server receives them."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def tracker_for(
    text: str = "",
    intent: str = "nlu_fallback",
    ranking: list[tuple[str, float]] | None = None,
    entities: list[dict[str, Any]] | None = None,
    language: str = "fr",
    centre: str | None = None,
) -> Tracker:
    ranking = ranking or [(intent, 1.0)]
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": ranking[0][1]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "entities": entities or [],
        "metadata": {"language": language, "centre": centre},
    }
    return Tracker(
        sender_id="pseudonym-for-tests",
        slots={},
        latest_message=latest,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
