"""Everything agrees with the topic registry, and README's "Adding a topic" is complete: a toy
topic registered in a copy of the project is first reported missing everywhere, by name, then
passes once README's steps are done."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot.constants import LANGUAGES
from bot.settings import PROJECT_ROOT
from bot.topic_checks import main, problems

COPIED = (
    "data/topics.yml",
    "data/services.yml",
    "domain.yml",
    "docs/intents.md",
    "flows/rasa/info.yml",
    "flows/questionnaire.yml",
    *(f"nlu/{language}" for language in LANGUAGES),
    *(f"tests/nlu/{language}.yml" for language in LANGUAGES),
    *(f"locales/{language}/LC_MESSAGES/messages.po" for language in LANGUAGES),
)
TOY = """\
  - intent: info_toy
    menu: more
    title: "Sujet jouet"
    dimension: economic
    category: info_toy
    overlaps:
      info_business: "a toy, versus starting a business"
"""
ANSWER = "Un sujet pour essayer le registre."


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in COPIED:
        source, target = PROJECT_ROOT / name, tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy(source, target)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def translate(po: Path, msgid: str, msgstr: str) -> None:
    with po.open("rb") as file:
        catalogue = read_po(file)
    catalogue.add(msgid, msgstr)
    with po.open("wb") as file:
        write_po(file, catalogue, width=100)


def test_the_project_agrees_with_its_registry() -> None:
    assert problems() == []


def test_a_new_topic_is_reported_missing_by_name_until_readme_s_steps_are_done(
    project: Path,
) -> None:
    # Step 1: the registry entry.
    append(project / "data" / "topics.yml", TOY)
    before = problems(project)
    for expected in (
        "domain.yml: intents: info_toy is missing",
        "domain.yml: responses: utter_info_toy is missing",
        "flows/rasa/info.yml: not written from data/topics.yml",
        "docs/intents.md: no row for info_toy",
        *(f"nlu/{language}/: no examples for info_toy" for language in LANGUAGES),
        *(f"tests/nlu/{language}.yml: no held-out examples for info_toy" for language in LANGUAGES),
        *(f"locales/{language}/LC_MESSAGES/messages.po: info_toy" for language in LANGUAGES[1:]),
    ):
        assert any(problem.startswith(expected) for problem in before), expected
    assert any("utter_more_topics" in problem and "Sujet jouet" in problem for problem in before)

    # Step 2: domain.yml's intent, answer and menu button.
    domain = project / "domain.yml"
    edit(domain, "  - info_privacy\n", "  - info_privacy\n  - info_toy\n")
    edit(
        domain,
        "      payload: /info_privacy\n",
        '      payload: /info_privacy\n    - title: "Sujet jouet"\n      payload: /info_toy\n',
    )
    append(domain, f'  utter_info_toy:\n  - text: "{ANSWER}"\n')
    # Step 3: the rule, written from the registry.
    assert main(["write"], project) == 1
    # Step 4: the intents page.
    edit(
        project / "docs" / "intents.md",
        "| do you share my info with police |\n",
        "| do you share my info with police |\n| `info_toy` | a toy topic | jouet | toy |\n",
    )
    # Step 5: examples, trained and held out, in every language.
    for language in LANGUAGES:
        example = "\n- intent: info_toy\n  examples: |\n    - jouet\n"
        append(project / "nlu" / language / "info.yml", example)
        append(project / "tests" / "nlu" / f"{language}.yml", example)
    # Step 6: the translations (make i18n-update adds the ids; a translator fills them).
    for language in LANGUAGES[1:]:
        po = project / "locales" / language / "LC_MESSAGES" / "messages.po"
        translate(po, "Sujet jouet", f"toy ({language})")
        translate(po, ANSWER, f"toy answer ({language})")

    assert problems(project) == []
    assert main([], project) == 0


def test_the_questionnaire_offers_a_topic_only_in_its_dimension(project: Path) -> None:
    edit(
        project / "flows" / "questionnaire.yml",
        "score: 0, suggests: [info_jobs]}",
        "score: 0, suggests: [info_health]}",
    )
    edit(
        project / "flows" / "questionnaire.yml",
        "suggestions: [info_housing_food,",
        "suggestions: [info_jobs, info_housing_food,",
    )

    assert problems(project) == [
        "flows/questionnaire.yml: econ_work: option no: suggests info_health, a topic of "
        "dimension social in data/topics.yml, not economic",
        "flows/questionnaire.yml: dimensions.social.suggestions: info_jobs is not a topic of "
        "dimension social in data/topics.yml",
    ]
