"""Response templates read from ``domain.yml``, the single source of response texts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.constants import CENTRE_CALLBACK_PREFIX, LANGUAGE_CALLBACK_PREFIX
from bot.settings import PROJECT_ROOT, ConfigError

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
ACTION_RESPONSES_FILE = Path(__file__).with_name("action_responses.yml")
# Responses whose buttons name the topics; the fallback borrows their titles for suggestions.
TOPIC_RESPONSES = ("utter_menu", "utter_more_topics")


@dataclass(frozen=True)
class ButtonTemplate:
    title: str
    payload: str

    @property
    def translatable(self) -> bool:
        """Language buttons name each language in itself, and country buttons come named in
        the reader's language: neither is translated."""
        return not self.payload.startswith((LANGUAGE_CALLBACK_PREFIX, CENTRE_CALLBACK_PREFIX))


@dataclass(frozen=True)
class ResponseTemplate:
    text: str
    buttons: tuple[ButtonTemplate, ...] = ()


def load_templates(
    files: tuple[Path, ...] = (DOMAIN_FILE, ACTION_RESPONSES_FILE),
) -> dict[str, ResponseTemplate]:
    """Read the ``responses`` sections (the first variation of each response)."""
    templates = {}
    for path in files:
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(f"{path}: cannot read responses: {error}") from error
        for name, variations in (document.get("responses") or {}).items():
            first = variations[0]
            if "text" not in first:
                raise ConfigError(f"{path}: responses.{name}: text is missing")
            buttons = tuple(
                ButtonTemplate(str(b["title"]), str(b["payload"])) for b in first.get("buttons", [])
            )
            templates[name] = ResponseTemplate(str(first["text"]), buttons)
    return templates


def topic_titles(templates: dict[str, ResponseTemplate]) -> dict[str, str]:
    """Intent name -> short button title, taken from the menu responses."""
    titles: dict[str, str] = {}
    for name in TOPIC_RESPONSES:
        for button in templates[name].buttons:
            intent = button.payload.lstrip("/")
            if intent.isidentifier():
                titles.setdefault(intent, button.title)
    return titles
