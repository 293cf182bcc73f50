"""action_change_language: a named language switches, anything else shows the picker."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.language import ActionChangeLanguage, requested_language
from bot.constants import CUSTOM_SET_LANGUAGE
from tests.helpers.trackers import tracker_for


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("je veux parler arabe", "ar"),
        ("English please", "en"),
        ("بالعربية من فضلك", "ar"),
        ("hablame en español", "es"),
        ("parle moi en darija khoya", "ar"),
        ("أريد الفرنسية", "fr"),
        ("can we speak french", "fr"),
        ("en ingles por favor", "en"),
        ("changer de langue", None),
        ("french or english?", None),
    ],
)
def test_requested_language(text: str, expected: str | None) -> None:
    assert requested_language(text) == expected


async def test_named_language_switches_and_confirms_in_the_new_language() -> None:
    dispatcher = CollectingDispatcher()
    tracker = tracker_for("English please", intent="change_language", language="fr")

    await ActionChangeLanguage().run(dispatcher, tracker, {})

    assert dispatcher.messages[0]["custom"] == {CUSTOM_SET_LANGUAGE: "en"}
    assert dispatcher.messages[1]["response"] == "utter_language_changed"
    assert dispatcher.messages[1]["language"] == "en"


@pytest.mark.parametrize("text", ["changer de langue", "je veux parler français"])
async def test_no_new_language_named_shows_the_picker(text: str) -> None:
    dispatcher = CollectingDispatcher()

    await ActionChangeLanguage().run(dispatcher, tracker_for(text, language="fr"), {})

    assert [m["response"] for m in dispatcher.messages] == ["utter_choose_language"]
