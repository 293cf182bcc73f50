"""One word for the person who takes the case, IOM's terms, and wording without blame."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR
from bot.nlg.render import DISCLAIMER, INFO_PREFIX, Renderer

# The person who takes the case: "référent", "caseworker", "gestor de casos", "موظف المتابعة".
# Counsellor, "conseiller", "asesor" and "مستشار" read as therapy to some.
AVOIDED = {
    "fr": re.compile(r"\bconseill(?:er|ère|ers)\b", re.IGNORECASE),
    "en": re.compile(r"\bcounsell?ors?\b", re.IGNORECASE),
    "es": re.compile(r"\basesor(?:a|es)?\b|\bpermisos?\b|\bduradera\b", re.IGNORECASE),
    "ar": re.compile(r"مستشار"),
}
CHOSEN = {"fr": "référent", "en": "caseworker", "es": "gestor de casos", "ar": "موظف"}


def _texts(language: str) -> list[str]:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    texts = []
    for message in catalogue:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        texts += [form for form in forms if form]
    return texts


@pytest.mark.parametrize("language", sorted(AVOIDED))
def test_one_term_for_the_person_who_takes_the_case(language: str) -> None:
    texts = _texts(language)
    avoided = [text for text in texts if AVOIDED[language].search(text)]
    assert not avoided, f"{language}: {avoided[:3]}"
    assert sum(CHOSEN[language] in text.lower() for text in texts) >= 20


def test_info_answers_say_depends_on_the_programme_once(renderer: Renderer) -> None:
    for name in renderer.response_names:
        if name.startswith(INFO_PREFIX):
            text = renderer.render(name, "fr").text
            assert text.count("programme et du centre") <= 1, name
            assert "dépend du programme" not in DISCLAIMER


def test_no_blame_and_no_numbers_that_buttons_do_not_carry() -> None:
    french = " ".join(_texts("fr"))
    assert "Ne restez pas" not in french
    assert "numéro de la réponse" not in french
