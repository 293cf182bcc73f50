"""No question or answer makes a woman call herself by a masculine adjective.

Neutral wording comes first ("Ce que vous gagnez vous convient-il ?", "هل ما تكسبه حاليًا
يرضيك؟"); where a language cannot avoid the adjective, both forms are written ("راضٍ/راضية",
"solo o sola"). The lists hold the masculine-only forms the issue found, and their kin.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, translate
from bot.questionnaire.definition import load_definition

# A form followed or preceded by "/" or "o sola", "ou seule" is written for both.
_BOTH = r"(?![/·]| ?ou \w+e\b| o \w+a\b| ni \w+a\b)"
MASCULINE_ONLY = {
    "fr": re.compile(
        r"\b(seul|rentré|satisfait|contacté|protégé|aidé|rejeté|traité|parti|senti|inquiet|"
        r"capable|sûr|prêt|perdu|obligé|forcé|isolé|content|fatigué|stressé|revenu|arrivé)\b"
        + _BOTH,
        re.IGNORECASE,
    ),
    "es": re.compile(
        r"\b(satisfecho|contento|seguro|obligado|rechazado|preocupado|cansado|perdido|protegido|"
        r"ayudado|contactado|listo|capaz de|(?:está|estoy|vive|vivo|me siento) solo)\b" + _BOTH,
        re.IGNORECASE,
    ),
    "ar": re.compile(
        r"(?<![/])(راضٍ|راضيًا|راضيا|متأكدًا|مضطر|قادر|وحيد|خائفًا|سعيد|مستعد|متعب|قلقًا)"
        r"(?![/ـ]|ة|ه)"
    ),
}
# Outside the questionnaire, the words the issue named, in every reply of the catalogues.
NAMED = {
    "fr": re.compile(r"\b(rentré|satisfait|vous êtes seul)\b" + _BOTH, re.IGNORECASE),
    "es": re.compile(r"\b(satisfecho|está solo)\b" + _BOTH, re.IGNORECASE),
    "ar": re.compile(r"(?<!/)(راضٍ|مضطر|قادر|خائفًا)(?!/)"),
}


def _questionnaire_texts() -> list[str]:
    return list(dict.fromkeys(load_definition().messages()))


@pytest.mark.parametrize("language", sorted(MASCULINE_ONLY))
def test_questions_and_answers_are_for_women_too(language: str) -> None:
    pattern = MASCULINE_ONLY[language]
    found = [
        (message, translate(language, message))
        for message in _questionnaire_texts()
        if pattern.search(translate(language, message))
    ]
    assert not found, f"{language}: masculine-only wording in {found}"


@pytest.mark.parametrize("language", sorted(NAMED))
def test_no_reply_uses_the_words_the_issue_found(language: str) -> None:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    found = []
    for message in catalogue:
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [form for form in forms if form and NAMED[language].search(form)]
    assert not found, f"{language}: {found}"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "Êtes-vous satisfait de ce que vous gagnez ?"),
        ("fr", "Vous n'êtes pas seul."),
        ("es", "Estoy satisfecho"),
        ("ar", "راضٍ جدًا"),
        ("ar", "أظن أنني مضطر إلى الرحيل"),
    ],
)
def test_the_lists_catch_what_the_issue_saw(language: str, text: str) -> None:
    assert MASCULINE_ONLY[language].search(text)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "Vous n'êtes pas seul ou seule."),
        ("es", "No está solo ni sola."),
        ("es", "Solo algunos"),
        ("ar", "راضٍ/راضية"),
        ("ar", "لست وحدك"),
    ],
)
def test_both_forms_and_other_words_pass(language: str, text: str) -> None:
    assert not MASCULINE_ONLY[language].search(text)
