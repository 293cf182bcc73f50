"""``docs/intents.md`` lists exactly the intents of ``domain.yml``, each once, with a meaning
and an example in French and English that is one of its training examples."""

from __future__ import annotations

import re

import yaml

from bot.settings import PROJECT_ROOT

# A table row of the page: | `intent` | meaning | example (fr) | example (en) |
ROW = re.compile(r"^\| `(\w+)` \|(.*)\|$")


def documented() -> list[tuple[str, list[str]]]:
    text = (PROJECT_ROOT / "docs" / "intents.md").read_text(encoding="utf-8")
    rows = (ROW.match(line) for line in text.splitlines())
    return [(row[1], [cell.strip() for cell in row[2].split("|")]) for row in rows if row]


def test_the_page_lists_exactly_the_domain_intents_in_order() -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert [intent for intent, _ in documented()] == domain["intents"]


def training_examples(language: str) -> dict[str, set[str]]:
    examples: dict[str, set[str]] = {}
    for path in sorted((PROJECT_ROOT / "nlu" / language).glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in item:
                lines = item["examples"].splitlines()
                examples.setdefault(item["intent"], set()).update(
                    line.removeprefix("- ").strip() for line in lines
                )
    return examples


def test_each_intent_has_a_meaning_and_two_of_its_training_examples() -> None:
    french, english = training_examples("fr"), training_examples("en")
    for intent, cells in documented():
        assert len(cells) == 3 and all(cells), f"{intent}: meaning, example (fr), example (en)"
        _, fr, en = cells
        assert fr in french[intent], f"{intent}: {fr!r} is not in nlu/fr/"
        assert en in english[intent], f"{intent}: {en!r} is not in nlu/en/"
