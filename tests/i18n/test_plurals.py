"""Counted words take the form each language's CLDR rules ask for: six in Arabic."""

from __future__ import annotations

import pytest
from babel import Locale
from babel.messages.pofile import read_po

from bot.constants import LANGUAGES
from bot.i18n import LOCALES_DIR, format_number, translate_count
from bot.i18n.units import DAYS, MINUTES, SHORT_QUESTIONS

ARABIC_PLURAL_FORMS = (
    "nplurals=6; plural=(n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2 : n % 100 >= 3 && n % 100 <= 10 ? 3 "
    ": n % 100 >= 11 && n % 100 <= 99 ? 4 : 5);"
)
# n = 0, 1, 2, 3, 11, 100: zero, one, two, few, many, other.
ARABIC = {
    MINUTES: ["0 دقيقة", "دقيقة واحدة", "دقيقتين", "3 دقائق", "11 دقيقة", "100 دقيقة"],
    DAYS: ["0 يوم", "يوم واحد", "يومين", "3 أيام", "11 يومًا", "100 يوم"],
    SHORT_QUESTIONS: [
        "0 سؤال قصير",
        "سؤال قصير واحد",
        "سؤالين قصيرين",
        "3 أسئلة قصيرة",
        "11 سؤالًا قصيرًا",
        "100 سؤال قصير",
    ],
}
NUMBERS = (0, 1, 2, 3, 11, 100)


def test_the_arabic_catalogue_has_cldr_s_six_forms() -> None:
    with (LOCALES_DIR / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale="ar")
    assert catalogue.num_plurals == 6
    assert catalogue.plural_forms == ARABIC_PLURAL_FORMS
    # The same rule as CLDR's: one form for each category, in CLDR's order.
    rule = Locale("ar").plural_form
    assert [rule(n) for n in NUMBERS] == ["zero", "one", "two", "few", "many", "other"]


@pytest.mark.parametrize("message", list(ARABIC), ids=["minutes", "days", "questions"])
def test_each_arabic_form(message) -> None:
    assert [translate_count("ar", message, n) for n in NUMBERS] == ARABIC[message]


@pytest.mark.parametrize(
    ("language", "one", "many"),
    [
        ("fr", "1 minute", "5 minutes"),
        ("en", "1 minute", "5 minutes"),
        ("es", "1 minuto", "5 minutos"),
    ],
)
def test_one_and_many_elsewhere(language: str, one: str, many: str) -> None:
    assert translate_count(language, MINUTES, 1) == one
    assert translate_count(language, MINUTES, 5) == many


def test_french_says_zero_in_the_singular() -> None:
    assert translate_count("fr", DAYS, 0) == "0 jour"
    assert translate_count("en", DAYS, 0) == "0 days"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_number_has_a_form_and_its_digits(language: str) -> None:
    for n in (*NUMBERS, 25, 1000):
        text = translate_count(language, DAYS, n)
        assert text and "{" not in text
        if n > 2:
            assert format_number(n, language) in text


def test_numbers_are_written_the_language_s_way() -> None:
    assert format_number(5.0, "fr", "0.0") == "5,0"
    assert format_number(5.0, "es", "0.0") == "5,0"
    assert format_number(5.0, "en", "0.0") == "5.0"
    assert translate_count("fr", DAYS, 1000) == "1\u202f000 jours"


def test_the_assessment_intro_counts_minutes_questions_and_days() -> None:
    from bot.gateway.assessment import INTRO
    from bot.i18n import translate

    def intro(language: str, minutes: int, questions: int, days: int) -> str:
        return translate(
            language,
            INTRO,
            {
                "duration": translate_count(language, MINUTES, minutes),
                "questions": translate_count(language, SHORT_QUESTIONS, questions),
                "delay": translate_count(language, DAYS, days),
            },
        )

    assert "5 دقائق" in intro("ar", 5, 29, 30)
    assert "29 سؤالًا قصيرًا" in intro("ar", 5, 29, 30)
    assert "30 يومًا" in intro("ar", 5, 29, 30)
    assert "يوم واحد" in intro("ar", 5, 29, 1)
    assert "environ 1 minute (1 question courte)" in intro("fr", 1, 1, 30)


@pytest.mark.parametrize(
    ("language", "ratings", "expected"),
    [
        ("fr", 1, "Note moyenne donnée par les personnes : 5,0 sur 5 (1 note)"),
        ("fr", 12, "Note moyenne donnée par les personnes : 4,5 sur 5 (12 notes)"),
        ("es", 1, "Calificación promedio dada por las personas: 5,0 de 5 (1 calificación)"),
        ("en", 2, "Average rating given by people: 4.5 out of 5 (2 ratings)"),
        ("ar", 2, "متوسط تقييم الأشخاص: 4.5 من 5 (تقييمان)"),
        ("ar", 11, "متوسط تقييم الأشخاص: 4.5 من 5 (11 تقييمًا)"),
    ],
)
def test_the_console_counts_ratings_in_the_reader_s_language(
    language: str, ratings: int, expected: str
) -> None:
    from bot.console.templating import TEMPLATES, environment

    source = (TEMPLATES / "supervisor" / "supervisor.html").read_text(encoding="utf-8")
    line = next(line for line in source.splitlines() if "Note moyenne" in line)
    mean = 5.0 if ratings == 1 else 4.5
    figures = {"mean_rating": mean, "ratings": ratings}

    shown = environment().from_string(line).render(ui_language=language, figures=figures)

    assert shown.strip() == f"<p>{expected}</p>"
