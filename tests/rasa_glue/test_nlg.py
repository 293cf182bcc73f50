"""The light NLG callback sends the NLG endpoint what it reads, and nothing of the history."""

from __future__ import annotations

from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.actions.server import nlg_context
from bot.constants import META_CENTRE, META_LANGUAGE
from bot.rasa_glue.nlg import request_body


def test_the_body_carries_language_and_centre_but_no_history() -> None:
    events = [
        UserUttered("mon secret d'avant", metadata={META_LANGUAGE: "fr"}),
        BotUttered("réponse"),
        UserUttered("hola", metadata={META_LANGUAGE: "es", META_CENTRE: "dakar-demo"}),
    ]
    tracker = DialogueStateTracker.from_events("person-1", events)

    body = request_body("utter_greet", tracker, "gateway", {"suggestions": ["info_health"]})

    assert nlg_context(body) == ("es", "dakar-demo")
    assert body["response"] == "utter_greet"
    assert body["arguments"] == {"suggestions": ["info_health"]}
    assert "mon secret" not in str(body) and "réponse" not in str(body)


def test_a_tracker_without_messages_gets_no_metadata() -> None:
    tracker = DialogueStateTracker.from_events("person-2", [])

    assert nlg_context(request_body("utter_greet", tracker, "gateway", {})) == (None, None)
