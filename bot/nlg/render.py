"""Turn a response name, a language and the person's context into a message with buttons."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot import topics
from bot.centres import CentreDirectory
from bot.constants import (
    ASSESSMENT_PAYLOAD,
    CASEWORKER_PAYLOAD,
    CUSTOM_TOPIC,
    LANGUAGE_NATIVE_NAMES,
    MENU_PAYLOAD,
    MORE_TOPICS_PAYLOAD,
    intent_payload,
)
from bot.i18n import N_, placeholders, resolve_language, translate
from bot.nlg.templates import ButtonTemplate, ResponseTemplate, action_titles

INFO_PREFIX = "utter_info_"
# Practical answers that need no reminder that assistance depends on the programme.
NO_DISCLAIMER = frozenset(t.answer for t in topics.topics() if not t.disclaimer)
# The answers say themselves that help depends on the programme and the centre: this line
# adds only what none of them says, so that nothing is read twice.
DISCLAIMER = N_(
    "Cet assistant vous informe, mais il ne peut rien vous promettre : le centre vous dira ce "
    "qui s'applique à vous."
)
NEXT_STEPS = (
    ButtonTemplate(N_("Faire mon auto-évaluation"), ASSESSMENT_PAYLOAD),
    ButtonTemplate(N_("Parler à un référent"), CASEWORKER_PAYLOAD),
    ButtonTemplate(N_("Autres sujets"), MORE_TOPICS_PAYLOAD),
    ButtonTemplate(N_("Menu principal"), MENU_PAYLOAD),
)
MENU_BUTTON = ButtonTemplate(N_("Menu principal"), MENU_PAYLOAD)
MAX_SUGGESTIONS = 3
UNKNOWN_CENTRE = N_("pas encore choisi")


@dataclass(frozen=True)
class Rendered:
    text: str
    buttons: tuple[tuple[str, str], ...]
    # The info topic answered, passed to the gateway (anonymous counts, nearby services).
    topic: str | None = None

    def as_nlg_response(self) -> dict[str, Any]:
        """The body Rasa expects back from an NLG endpoint."""
        body: dict[str, Any] = {
            "text": self.text,
            "buttons": [{"title": t, "payload": p} for t, p in self.buttons],
        }
        if self.topic:
            body["custom"] = {CUSTOM_TOPIC: self.topic}
        return body


class Renderer:
    """Renders domain responses. Pure and cached: the same inputs give the same message."""

    def __init__(self, templates: Mapping[str, ResponseTemplate], centres: CentreDirectory):
        self._templates = dict(templates)
        self._centres = centres
        self._topic_titles = {**action_titles(self._templates), **topics.titles()}

    @property
    def response_names(self) -> frozenset[str]:
        return frozenset(self._templates)

    @property
    def topic_titles(self) -> dict[str, str]:
        """Intent -> untranslated short title (a msgid): the topic registry's, and the menu's
        for the actions a fallback may offer (emergency, caseworker)."""
        return dict(self._topic_titles)

    def render(
        self,
        response: str,
        language: str | None,
        centre: str | None = None,
        suggestions: Sequence[str] = (),
    ) -> Rendered:
        """Render ``response``; ``suggestions`` are intents offered as buttons (fallback)."""
        return self._render(response, resolve_language(language), centre, tuple(suggestions))

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one renderer lives as long as the process
    def _render(
        self,
        response: str,
        language: str,
        centre: str | None,
        suggestions: tuple[str, ...],
    ) -> Rendered:
        template = self._templates[response]
        text = translate(language, template.text, self._values(template.text, language, centre))
        buttons = list(template.buttons)
        if "centre_contacts" in placeholders(template.text):
            # A person whose centre is unknown chooses their country first.
            buttons += [
                ButtonTemplate(title, payload)
                for title, payload in self._centres.country_buttons(centre, language)
            ]
        if response.startswith(INFO_PREFIX):
            if response not in NO_DISCLAIMER:
                text = f"{text}\n\n{translate(language, DISCLAIMER)}"
            buttons = [*buttons, *NEXT_STEPS]
        if suggestions:
            offered = [intent for intent in suggestions if intent in self._topic_titles]
            buttons += [
                ButtonTemplate(self._topic_titles[intent], intent_payload(intent))
                for intent in offered[:MAX_SUGGESTIONS]
            ]
            buttons.append(MENU_BUTTON)
        return Rendered(
            text,
            tuple(
                (translate(language, b.title) if b.translatable else b.title, b.payload)
                for b in buttons
            ),
            response.removeprefix("utter_") if response.startswith(INFO_PREFIX) else None,
        )

    def _values(self, text: str, language: str, centre: str | None) -> dict[str, str]:
        needed = placeholders(text)
        values: dict[str, str] = {}
        if "centre_contacts" in needed:
            values["centre_contacts"] = self._centres.contacts(centre, language)
        if "language_name" in needed:
            values["language_name"] = LANGUAGE_NATIVE_NAMES[language]
        if "centre_name" in needed:
            known = self._centres.get(centre)
            values["centre_name"] = (
                known.name_in(language) if known else translate(language, UNKNOWN_CENTRE)
            )
        return values
