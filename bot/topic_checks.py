"""What must agree with the topic registry, and the one file written from it.

Rasa reads its intents, responses and rules from its own YAML, so those stay there: the rules of
``flows/rasa/info.yml`` are written from the registry (``python -m bot.topic_checks write``), the
rest is checked. ``problems`` names each thing missing or disagreeing, file first, so that the
suite (``tests/test_topic_checks.py``) says what a new topic still needs.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from babel.messages.pofile import read_po

from bot.constants import FALLBACK_INTENT, LANGUAGES
from bot.topics import DIMENSIONS, MENU_PAGES, TOPICS_FILE, Topic, load_topics

ROOT = TOPICS_FILE.parents[1]
RULES_FILE = Path("flows/rasa/info.yml")
MENU_RESPONSES = {"main": "utter_menu", "more": "utter_more_topics"}
# A table row of docs/intents.md: | `intent` | meaning | example (fr) | example (en) |
DOC_ROW = re.compile(r"^\| `(\w+)` \|")
RULES_HEADER = """\
# Information answers: one rule per topic of data/topics.yml, WRITTEN FROM IT by
# `python -m bot.topic_checks write`: edit the registry, not this file. The NLG adds the
# disclaimer and the next-step buttons to every answer.
version: "3.1"

rules:
"""


def rules_text(topics: Iterable[Topic]) -> str:
    """The content of ``flows/rasa/info.yml`` for these topics."""
    rules = [
        f"- rule: answer {t.intent}\n  steps:\n  - intent: {t.intent}\n  - action: {t.answer}\n"
        for t in topics
    ]
    return RULES_HEADER + "\n".join(rules)


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None


def _examples(paths: Iterable[Path]) -> set[str]:
    """The intents that have examples in these NLU files."""
    found: set[str] = set()
    for path in paths:
        for item in (_yaml(path) or {}).get("nlu") or []:
            if "intent" in item and str(item.get("examples", "")).strip():
                found.add(item["intent"])
    return found


def _domain(root: Path, topics: tuple[Topic, ...]) -> list[str]:
    domain = _yaml(root / "domain.yml") or {}
    intents = [i for i in domain.get("intents") or [] if i.startswith("info_")]
    registered = [t.intent for t in topics]
    found = [f"domain.yml: intents: {i} is missing" for i in registered if i not in intents]
    found += [
        f"domain.yml: intents: {i} is not in data/topics.yml"
        for i in intents
        if i not in registered
    ]
    if not found and intents != registered:
        found.append("domain.yml: intents: the topics are not in data/topics.yml's order")
    responses = domain.get("responses") or {}
    found += [
        f"domain.yml: responses: {t.answer} is missing" for t in topics if t.answer not in responses
    ]
    for page in MENU_PAGES:
        name = MENU_RESPONSES[page]
        buttons = (responses.get(name) or [{}])[0].get("buttons") or []
        shown = [
            (b["payload"].removeprefix("/"), b["title"])
            for b in buttons
            if b["payload"].startswith(f"{'/'}info_")
        ]
        wanted = [(t.intent, t.title) for t in topics if t.menu == page]
        if shown != wanted:
            found.append(
                f"domain.yml: responses: {name}: the topic buttons must be, in order, "
                + "; ".join(f"{title!r} -> /{intent}" for intent, title in wanted)
            )
    known = set(domain.get("intents") or []) | {FALLBACK_INTENT}
    for topic in topics:
        found += [
            f"data/topics.yml: {topic.intent}: overlaps: {other} is not an intent of domain.yml"
            for other in topic.overlaps
            if other not in known
        ]
    return found


def _rules(root: Path, topics: tuple[Topic, ...]) -> list[str]:
    path = root / RULES_FILE
    if not path.exists() or path.read_text(encoding="utf-8") != rules_text(topics):
        return [
            f"{RULES_FILE}: not written from data/topics.yml: "
            "run `python -m bot.topic_checks write`"
        ]
    return []


def _docs(root: Path, topics: tuple[Topic, ...]) -> list[str]:
    text = (root / "docs" / "intents.md").read_text(encoding="utf-8")
    rows = [m[1] for m in map(DOC_ROW.match, text.splitlines()) if m and m[1].startswith("info_")]
    registered = [t.intent for t in topics]
    found = [f"docs/intents.md: no row for {i}" for i in registered if i not in rows]
    found += [
        f"docs/intents.md: {i} is not in data/topics.yml" for i in rows if i not in registered
    ]
    if not found and rows != registered:
        found.append("docs/intents.md: the topics are not in data/topics.yml's order")
    return found


def _questionnaire(root: Path, topics: tuple[Topic, ...]) -> list[str]:
    document = _yaml(root / "flows" / "questionnaire.yml") or {}
    dimensions = document.get("dimensions") or {}
    of = {t.intent: t.dimension for t in topics}
    found = [
        f"flows/questionnaire.yml: {q['id']}: option {o['id']}: suggests {suggested}, a topic "
        f"of dimension {of.get(suggested)} in data/topics.yml, not {q.get('dimension')}"
        for q in document.get("questions") or []
        for o in q.get("options") or []
        for suggested in o.get("suggests") or ()
        if of.get(suggested, "") != q.get("dimension")
    ]
    for name, spec in dimensions.items():
        for suggested in (spec or {}).get("suggestions") or ():
            if of.get(suggested, "") != name:
                found.append(
                    f"flows/questionnaire.yml: dimensions.{name}.suggestions: {suggested} is not "
                    f"a topic of dimension {name} in data/topics.yml"
                )
    found += [
        f"data/topics.yml: {t.intent}: dimension {t.dimension} is not in flows/questionnaire.yml"
        for t in topics
        if t.dimension in DIMENSIONS and t.dimension not in dimensions
    ]
    return found


def _services(root: Path, topics: tuple[Topic, ...]) -> list[str]:
    categories = {t.category for t in topics if t.category}
    services = (_yaml(root / "data" / "services.yml") or {}).get("services") or []
    found = [
        f"data/services.yml: {s.get('id')}: category {s.get('category')} is not a category "
        "of data/topics.yml"
        for s in services
        if s.get("category") not in categories
    ]
    return found


def _language(root: Path, topics: tuple[Topic, ...], language: str) -> list[str]:
    trained = _examples(sorted((root / "nlu" / language).glob("*.yml")))
    held_out = _examples([root / "tests" / "nlu" / f"{language}.yml"])
    found = [
        f"nlu/{language}/: no examples for {t.intent}" for t in topics if t.intent not in trained
    ]
    found += [
        f"tests/nlu/{language}.yml: no held-out examples for {t.intent}"
        for t in topics
        if t.intent not in held_out
    ]
    if language == "fr":
        return found
    po = root / "locales" / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as file:
        catalogue = read_po(file)
    answers = (_yaml(root / "domain.yml") or {}).get("responses") or {}
    for topic in topics:
        texts = [topic.title] + [v.get("text", "") for v in answers.get(topic.answer, [])[:1]]
        for text in texts:
            message = catalogue.get(text)
            if message is None or not message.string or message.fuzzy:
                found.append(f"{po.relative_to(root)}: {topic.intent}: untranslated {text[:40]!r}")
    return found


def problems(root: Path = ROOT, languages: Iterable[str] = LANGUAGES) -> list[str]:
    """Everything that disagrees with ``root``'s registry, for these languages; empty when the
    topics are complete."""
    topics = load_topics(root / "data" / "topics.yml")
    found = _domain(root, topics) + _rules(root, topics) + _docs(root, topics)
    found += _questionnaire(root, topics) + _services(root, topics)
    for language in languages:
        found += _language(root, topics, language)
    return found


def main(argv: list[str], root: Path = ROOT) -> int:
    """``write``: write the rules from the registry, then check; ``check`` (default): print
    each problem; the exit status says whether there was any."""
    if argv[:1] == ["write"]:
        registered = load_topics(root / "data" / "topics.yml")
        (root / RULES_FILE).write_text(rules_text(registered), encoding="utf-8")
        print(f"wrote {RULES_FILE}")
    found = problems(root)
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
