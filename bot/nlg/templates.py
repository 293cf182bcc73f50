"""Response templates read from ``domain.yml``, the single source of response texts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.constants import CENTRE_CALLBACK_PREFIX, INFO_INTENTS, LANGUAGE_CALLBACK_PREFIX
from bot.settings import PROJECT_ROOT, ConfigError

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
MENU_RESPONSE = "utter_menu"
ACTION_RESPONSES_FILE = Path(__file__).with_name("action_responses.yml")


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


def action_titles(templates: dict[str, ResponseTemplate]) -> dict[str, str]:
    """Intent -> title of the menu's buttons that are not topics ("Urgence", "Parler à un
    référent"): a fallback may offer them too. Topics' titles come from their registry."""
    titles: dict[str, str] = {}
    for button in templates[MENU_RESPONSE].buttons:
        intent = button.payload.removeprefix("/")
        if intent.isidentifier() and intent not in INFO_INTENTS:
            titles[intent] = button.title
    return titles
