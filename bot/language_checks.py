"""What every registered language needs, checked against the language registry.

``problems`` names each file or entry a language still lacks: its catalogue (complete), NLU
examples for every intent, held-out sets, crisis phrase lists, detector, its language buttons,
its contact-language option in the questionnaire, and its name in every catalogue. Run by
``python -m bot.language_checks`` and by ``tests/test_language_checks.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from lingua import Language as LinguaLanguage

from bot.constants import LANGUAGE_CALLBACK_PREFIX
from bot.languages import LANGUAGES_FILE, Language, load_languages

ROOT = LANGUAGES_FILE.parents[1]
# The responses whose buttons offer every language, each named in itself.
LANGUAGE_BUTTONS = {
    "domain.yml": "utter_welcome",
    "bot/nlg/action_responses.yml": "utter_choose_language",
}
CONTACT_QUESTION = "prof_contact_language"
OTHER_LANGUAGE = "other"


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None


def _catalogue(root: Path, code: str) -> Catalog | None:
    path = root / "locales" / code / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=code)


def _complete(string: str | tuple[str, ...]) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def _files(root: Path, language: Language, source: str, intents: list[str]) -> list[str]:
    code = language.code
    found = []
    catalogue = _catalogue(root, code)
    if catalogue is None:
        found.append(
            f"locales/{code}/LC_MESSAGES/messages.po: missing: `make i18n-init LANG={code}`"
        )
    elif code != source:
        untranslated = [m for m in catalogue if m.id and (m.fuzzy or not _complete(m.string))]
        if untranslated:
            found.append(
                f"locales/{code}/LC_MESSAGES/messages.po: {len(untranslated)} untranslated or "
                f"fuzzy, e.g. {str(untranslated[0].id)[:40]!r}"
            )
    trained: set[str] = set()
    for path in sorted((root / "nlu" / code).glob("*.yml")):
        trained |= {i["intent"] for i in (_yaml(path) or {}).get("nlu") or [] if "intent" in i}
    missing = [intent for intent in intents if intent not in trained]
    if missing:
        found.append(f"nlu/{code}/: no examples for {', '.join(missing)}")
    for name in (f"tests/nlu/{code}.yml", f"flows/crisis/{code}.yml", f"tests/crisis/{code}.yml"):
        if not (root / name).exists():
            found.append(f"{name}: missing")
    if not isinstance(getattr(LinguaLanguage, language.detector, None), LinguaLanguage):
        found.append(f"data/languages.yml: {code}: detector {language.detector} is not in lingua")
    return found


def _buttons(root: Path, registered: tuple[Language, ...]) -> list[str]:
    wanted = [(lang.native_name, f"{LANGUAGE_CALLBACK_PREFIX}{lang.code}") for lang in registered]
    found = []
    for name, response in LANGUAGE_BUTTONS.items():
        responses = (_yaml(root / name) or {}).get("responses") or {}
        buttons = (responses.get(response) or [{}])[0].get("buttons") or []
        shown = [
            (b["title"], b["payload"])
            for b in buttons
            if b["payload"].startswith(LANGUAGE_CALLBACK_PREFIX)
        ]
        if shown != wanted:
            found.append(
                f"{name}: {response}: the language buttons must be, in order, "
                + "; ".join(f"{title!r} -> {payload}" for title, payload in wanted)
            )
    return found


def _contact_options(root: Path, registered: tuple[Language, ...]) -> list[str]:
    source = registered[0].code
    questions = (_yaml(root / "flows" / "questionnaire.yml") or {}).get("questions") or []
    question = next((q for q in questions if q.get("id") == CONTACT_QUESTION), {})
    shown = [
        (str(o["id"]), o.get("text"))
        for o in question.get("options") or []
        if o["id"] != OTHER_LANGUAGE
    ]
    wanted = [(lang.code, lang.names.get(source)) for lang in registered]
    if shown != wanted:
        return [
            f"flows/questionnaire.yml: {CONTACT_QUESTION}: the options must be, in order, "
            + "; ".join(f"{{id: {code}, text: {text!r}}}" for code, text in wanted)
            + f", then {OTHER_LANGUAGE}"
        ]
    return []


def _names(root: Path, registered: tuple[Language, ...]) -> list[str]:
    """Each language names every other one, and its catalogue says so."""
    source = registered[0].code
    codes = [lang.code for lang in registered]
    found = []
    for language in registered:
        missing = [code for code in codes if code not in language.names]
        if missing:
            found.append(f"data/languages.yml: {language.code}: names: no name in {missing}")
    for reader in registered[1:]:
        catalogue = _catalogue(root, reader.code)
        if catalogue is None:
            continue
        for language in registered:
            msgid, wanted = language.names.get(source), language.names.get(reader.code)
            message = catalogue.get(msgid) if msgid else None
            if message is None or message.string != wanted:
                found.append(
                    f"locales/{reader.code}/LC_MESSAGES/messages.po: {msgid!r} must be "
                    f"translated {wanted!r} (data/languages.yml, {language.code}: names)"
                )
    return found


def problems(root: Path = ROOT) -> list[str]:
    """Everything a registered language of ``root`` lacks; empty when all are complete."""
    registered = load_languages(root / "data" / "languages.yml")
    intents = list((_yaml(root / "domain.yml") or {}).get("intents") or [])
    found: list[str] = []
    for language in registered:
        found += _files(root, language, registered[0].code, intents)
    return (
        found
        + _buttons(root, registered)
        + _contact_options(root, registered)
        + _names(root, registered)
    )


def main(root: Path = ROOT) -> int:
    """Print each problem (or that there is none); the exit status says whether there was any."""
    listed = problems(root)
    print("\n".join(listed) or "every registered language is complete")
    return 1 if listed else 0


if __name__ == "__main__":
    sys.exit(main())
