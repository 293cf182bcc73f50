"""Switching language in words: "je veux parler arabe", "English please", "بالعربية"."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.constants import CUSTOM_SET_LANGUAGE, META_LANGUAGE
from bot.languages import languages

# How people name each language (data/languages.yml, ``called``). Matched on word starts after
# removing accents, so "anglais", "inglés" and "ingles" all count; Arabic-script stems match
# inside a word, because of prefixes such as "بال" in "بالعربية".
LANGUAGE_WORDS: dict[str, tuple[str, ...]] = {lang.code: lang.called for lang in languages()}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _matches(word: str, stem: str) -> bool:
    return word.startswith(stem) or (not stem.isascii() and stem in word)


def requested_language(text: str) -> str | None:
    """The one language named in ``text``, or None when none or several are named."""
    words = re.findall(r"\w+", _fold(text))
    found = {
        language
        for language, stems in LANGUAGE_WORDS.items()
        for word in words
        if any(_matches(word, _fold(stem)) for stem in stems)
    }
    return found.pop() if len(found) == 1 else None


class ActionChangeLanguage(Action):
    def name(self) -> str:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message
        target = requested_language(message.get("text") or "")
        current = (message.get("metadata") or {}).get(META_LANGUAGE)
        if target is None or target == current:
            dispatcher.utter_message(response="utter_choose_language")
            return []
        # The gateway owns the person's language; this asks it to switch, and the confirmation
        # is rendered in the new language already.
        dispatcher.utter_message(json_message={CUSTOM_SET_LANGUAGE: target})
        dispatcher.utter_message(response="utter_language_changed", language=target)
        return []
