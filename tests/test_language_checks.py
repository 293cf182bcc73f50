"""Every registered language is complete, and README's "Adding a language" is: a toy Portuguese
registered in a copy of the project is first reported missing everywhere, by name, then passes
once README's steps are done."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po, write_po

from bot.constants import LANGUAGES
from bot.i18n.catalogue import init_catalogue
from bot.language_checks import main, problems
from bot.settings import PROJECT_ROOT

COPIED = (
    "data/languages.yml",
    "domain.yml",
    "bot/nlg/action_responses.yml",
    "flows/questionnaire.yml",
    "flows/crisis",
    "tests/crisis",
    "tests/nlu",
    "nlu",
    "locales/messages.pot",
    *(f"locales/{language}/LC_MESSAGES/messages.po" for language in LANGUAGES),
)
NAMES = {"fr": "Portugais", "en": "Portuguese", "ar": "البرتغالية", "es": "Portugués"}
# How Portuguese names the registered languages.
NAMES_IN_PORTUGUESE = {"fr": "Francês", "en": "Inglês", "ar": "Árabe", "es": "Espanhol"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in COPIED:
        source, target = PROJECT_ROOT / name, tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.mo"))
        else:
            shutil.copy(source, target)
    return tmp_path


def register_portuguese(project: Path) -> None:
    path = project / "data" / "languages.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for language in document["languages"]:
        language["names"]["pt"] = NAMES_IN_PORTUGUESE.get(language["code"])
    document["languages"].append(
        {
            "code": "pt",
            "native_name": "Português",
            "direction": "ltr",
            "detector": "PORTUGUESE",
            "detector_words": ["eu", "você", "o", "a", "de", "não", "para", "com", "preciso"],
            "names": {**NAMES, "pt": "Português"},
            "called": ["portug", "البرتغال"],
            "words": {
                "yes": ["sim", "claro"],
                "no": ["não", "nao"],
                "dont_know": ["não sei", "nao sei"],
                "a_little": ["um pouco"],
            },
        }
    )
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def translate(po: Path, fixed: dict[str, str], everything: bool = False) -> None:
    """A translator's work, faked: the messages given, and with ``everything`` all the others
    (their French text stands in for the translation)."""
    with po.open("rb") as handle:
        catalogue = read_po(handle)
    for msgid, string in fixed.items():
        known = catalogue.get(msgid)
        if known is None:
            catalogue.add(msgid, string)
        else:
            known.string = string
    for message in catalogue:
        if everything and message.id and message.id not in fixed:
            plural = not isinstance(message.id, str)
            message.string = (message.id[0],) * catalogue.num_plurals if plural else message.id
    with po.open("wb") as handle:
        write_po(handle, catalogue, width=100)


def test_every_registered_language_is_complete() -> None:
    assert problems() == []


def test_a_new_language_is_reported_missing_by_name_until_readme_s_steps_are_done(
    project: Path,
) -> None:
    # Step 1: the registry entry (and Portuguese's name in every entry).
    register_portuguese(project)
    before = problems(project)
    for expected in (
        "locales/pt/LC_MESSAGES/messages.po: missing: `make i18n-init LANG=pt`",
        "nlu/pt/: no examples for ",
        "tests/nlu/pt.yml: missing",
        "flows/crisis/pt.yml: missing",
        "tests/crisis/pt.yml: missing",
        "domain.yml: utter_welcome: the language buttons must be",
        "bot/nlg/action_responses.yml: utter_choose_language: the language buttons must be",
        "flows/questionnaire.yml: prof_contact_language: the options must be",
        *(f"locales/{code}/LC_MESSAGES/messages.po: 'Portugais'" for code in LANGUAGES[1:]),
    ):
        assert any(problem.startswith(expected) for problem in before), expected

    # Step 2: the catalogue (make i18n-init LANG=pt), translated.
    init_catalogue("pt", project / "locales")
    assert any(
        "pt/LC_MESSAGES/messages.po: " in p and "untranslated" in p for p in problems(project)
    )
    # Step 3: the language buttons and the contact-language option.
    for name in ("domain.yml", "bot/nlg/action_responses.yml"):
        edit(
            project / name,
            "      payload: lang:es\n",
            '      payload: lang:es\n    - title: "Português"\n      payload: lang:pt\n',
        )
    edit(
        project / "flows" / "questionnaire.yml",
        '      - {id: es, text: "Espagnol"}\n',
        '      - {id: es, text: "Espagnol"}\n      - {id: pt, text: "Portugais"}\n',
    )
    # make i18n-update then adds "Portugais" everywhere; translators give each its name.
    french_names = {"Français": "fr", "Anglais": "en", "Arabe": "ar", "Espagnol": "es"}
    translate(
        project / "locales" / "pt" / "LC_MESSAGES" / "messages.po",
        {**{n: NAMES_IN_PORTUGUESE[c] for n, c in french_names.items()}, "Portugais": "Português"},
        everything=True,
    )
    for code in LANGUAGES[1:]:
        translate(
            project / "locales" / code / "LC_MESSAGES" / "messages.po", {"Portugais": NAMES[code]}
        )
    # Step 4: NLU examples for every intent, held-out sets, crisis phrases (here, copies).
    shutil.copytree(project / "nlu" / "fr", project / "nlu" / "pt")
    for name in ("tests/nlu/{}.yml", "flows/crisis/{}.yml", "tests/crisis/{}.yml"):
        shutil.copy(project / name.format("fr"), project / name.format("pt"))

    assert problems(project) == []
    assert main(project) == 0
