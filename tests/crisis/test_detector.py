"""Finding crisis phrases: typos, gaps, figures of speech, events long over."""

from __future__ import annotations

import pytest

from bot.crisis.detector import CrisisDetector
from bot.crisis.phrases import parse


def _detector(**lists: list[str]) -> CrisisDetector:
    language = lists.pop("language", ["fr"])[0]
    return CrisisDetector(
        parse(source, language, role) for role, sources in lists.items() for source in sources
    )


FRENCH = _detector(
    self_harm=["veux|envie .. mourir", "me suicid*"],
    violence=["me frappe"],
    not_crisis=["dossier .. me tue", "mourir de rire"],
    past=["il y a .. ans"],
    now=["encore|toujours"],
)


def _kinds(detector: CrisisDetector, text: str) -> tuple[str, ...]:
    found = detector.detect(text)
    return found.kinds if found else ()


@pytest.mark.parametrize(
    "text",
    [
        "je veux mourir",
        "JVEUX PAS... non, j'ai envie de vraiment mourir",
        "j'ai envie de mourrir",
        "je vais me suicidé",
        "je veux mouir",  # one letter missing
        "je veux muorir",  # two letters swapped
    ],
)
def test_finds_the_phrase_whatever_the_spelling(text: str) -> None:
    assert _kinds(FRENCH, text) == ("self_harm",)


def test_the_most_pressing_kind_comes_first() -> None:
    assert _kinds(FRENCH, "il me frappe et je veux mourir") == ("self_harm", "violence")


@pytest.mark.parametrize(
    "text",
    [
        "je veux des informations",
        "mourir",  # one word is not the phrase
        "je veux aller voir ma tante, elle va mourir de rire",
        "il y a deux ans je voulais mourir, il me frappait",
        "il y a trois ans il me frappe dessus, c'est fini",
    ],
)
def test_near_misses_are_not_a_crisis(text: str) -> None:
    assert _kinds(FRENCH, text) == ()


def test_a_figure_of_speech_cancels_only_what_it_holds() -> None:
    text = "ce dossier me tue et je veux mourir"
    assert _kinds(FRENCH, text) == ("self_harm",)


def test_a_crisis_that_goes_on_is_kept_despite_the_past() -> None:
    assert _kinds(FRENCH, "il y a deux ans et encore aujourd'hui il me frappe") == ("violence",)


def test_words_further_apart_than_the_gap_do_not_match() -> None:
    assert _kinds(FRENCH, "je veux un jour peut etre aller au pays puis mourir") == ()


def test_short_words_need_their_exact_spelling() -> None:
    detector = _detector(violence=["il me bat"])
    assert _kinds(detector, "il me bat") == ("violence",)
    assert _kinds(detector, "il me bas") == ()


def test_arabic_conjunction_written_onto_the_next_word() -> None:
    detector = _detector(language=["ar"], self_harm=["بغيت نموت"])
    assert _kinds(detector, "وبغيت نموت") == ("self_harm",)


def test_answer_language_follows_the_phrases_unless_arabizi() -> None:
    detector = _detector(language=["ar"], self_harm=["بغيت نموت", "bghit nmout"])

    assert detector.detect("بغيت نموت").language("fr") == "ar"
    assert detector.detect("bghit nmout").language("fr") == "fr"
    assert detector.detect("bghit nmout").language("ar") == "ar"


def test_a_long_message_is_read_in_bounded_time() -> None:
    text = "bla " * 20000 + "je veux mourir"
    # Only the start of a huge message is read: the phrase at its end is beyond it.
    assert _kinds(FRENCH, text) == ()
    assert _kinds(FRENCH, "je veux mourir " + "bla " * 20000) == ("self_harm",)


def test_a_typo_never_cancels_a_crisis() -> None:
    # "killer" (a figure of speech in English) is one letter from Spanish "kiero".
    detector = _detector(self_harm=["kiero morir"], not_crisis=["killer .. morir"], language=["es"])
    assert _kinds(detector, "kiero morir") == ("self_harm",)


def test_two_letters_wrong_is_not_a_typo() -> None:
    detector = _detector(danger=["murder .. me"])
    assert _kinds(detector, "murdre me") == ("danger",)
    assert _kinds(detector, "mordar me") == ()


def test_a_figure_of_speech_never_cancels_a_phrase_that_says_more() -> None:
    detector = CrisisDetector(
        [
            parse("poison .. rats ... boire", "fr", "self_harm"),
            parse("poison .. rats", "en", "not_crisis"),
            parse("suicid*", "en", "self_harm"),
            parse("pas suicidaire", "fr", "not_crisis"),
        ]
    )
    assert _kinds(detector, "du poison pour les rats et je vais le boire") == ("self_harm",)
    assert _kinds(detector, "rat poison for the farm") == ()
    assert _kinds(detector, "je suis pas suicidaire, juste fatigue") == ()


def test_a_conjunction_on_a_short_word_is_read_too() -> None:
    detector = _detector(language=["ar"], medical=["بيترعش ... مش بيرد"])
    assert _kinds(detector, "ابني سخن وبيترعش ومش بيرد عليا") == ("medical",)
