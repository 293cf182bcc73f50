"""The topic registry's file: what it holds, and how a wrong entry is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import topics
from bot.constants import INFO_INTENTS
from bot.nlg.render import NO_DISCLAIMER
from bot.topics import RegistryError, load_topics


def test_the_constants_and_the_titles_come_from_the_registry() -> None:
    assert tuple(t.intent for t in load_topics()) == INFO_INTENTS
    assert topics.titles()["info_business"] == "Créer une activité"
    assert {"utter_info_contact_centre", "utter_info_privacy"} == NO_DISCLAIMER


def test_every_overlap_says_where_the_line_is() -> None:
    overlapping = [t for t in topics.topics() if t.overlaps]
    assert overlapping
    assert all(len(line) > 20 for t in overlapping for line in t.overlaps.values())


def test_the_menu_pages_split_the_topics() -> None:
    pages = topics.on_page("main") + topics.on_page("more")
    assert sorted(t.intent for t in pages) == sorted(INFO_INTENTS)


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ("- {intent: info_x, menu: side, title: X, dimension: none, category: none}", "menu"),
        ("- {intent: info_x, menu: main, title: X, dimension: money, category: none}", "dimension"),
        ("- {intent: x, menu: main, title: X, dimension: none, category: none}", "intent"),
        ("- {intent: info_x, menu: main, dimension: none, category: none}", "title is missing"),
        ("- {intent: info_x, menu: main, title: X, dimension: none, category: none, y: 1}", "'y'"),
    ],
)
def test_a_wrong_entry_names_its_topic_and_field(tmp_path: Path, entry: str, named: str) -> None:
    path = tmp_path / "topics.yml"
    path.write_text(f"topics:\n{entry}\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=named):
        load_topics(path)


def test_a_topic_listed_twice_is_refused(tmp_path: Path) -> None:
    entry = "- {intent: info_x, menu: main, title: X, dimension: none, category: none}\n"
    path = tmp_path / "topics.yml"
    path.write_text("topics:\n" + entry * 2, encoding="utf-8")
    with pytest.raises(RegistryError, match="info_x"):
        load_topics(path)
