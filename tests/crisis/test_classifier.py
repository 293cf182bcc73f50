"""The crisis classifier: its example files, and how the detector lets it decide."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.constants import LANGUAGES
from bot.crisis import classifier
from bot.crisis.classifier import NONE, CrisisClassifier, Example, load_examples
from bot.crisis.detector import CrisisDetector
from bot.crisis.evaluation import load_set
from bot.crisis.kinds import BY_ID
from bot.crisis.normalise import words
from bot.crisis.phrases import parse
from bot.settings import ConfigError

# Enough of each kind, in each language, for the classifier to learn it there.
MIN_PER_KIND = 20


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_examples_of_every_kind_and_of_ordinary_messages(
    language: str,
) -> None:
    examples = load_examples(classifier.EXAMPLES_DIR / f"{language}.tsv")
    counts = {kind: sum(e.kind == kind for e in examples) for kind in [*BY_ID, NONE]}
    assert min(counts.values()) >= MIN_PER_KIND, counts


def test_the_examples_hold_no_message_of_the_held_out_sets() -> None:
    """Held-out means held-out: a message learnt from would measure nothing."""
    learnt = {
        " ".join(words(e.text))
        for language in LANGUAGES
        for e in load_examples(classifier.EXAMPLES_DIR / f"{language}.tsv")
    }
    for language in LANGUAGES:
        held_out = load_set(language)
        for text in [t for t, _ in held_out.crisis] + list(held_out.near_misses):
            folded = words(text)
            # A greeting or a "merci" is everywhere; a sentence is not.
            if len(folded) >= 4:
                assert " ".join(folded) not in learnt, f"{language}: {text!r} is in the examples"


def test_a_bad_line_stops_start_up_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "fr.tsv"
    path.write_text("self_harm\tje veux mourir\n\nsadness\tje suis triste\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"fr\.tsv:3: expected 'kind<TAB>message'"):
        load_examples(path)


def test_ordinary_questions_leave_out_the_topics_that_may_describe_a_crisis() -> None:
    ordinary = {e.text for e in classifier.ordinary_questions()}
    assert ordinary and all(e.kind == NONE for e in classifier.ordinary_questions())
    assert "je suis en danger" not in ordinary


TOY = CrisisClassifier(
    [Example(t, "danger") for t in ("l eau monte on est sur le toit", "le feu on est bloques")] * 3
    + [Example(t, NONE) for t in ("bonjour", "merci beaucoup", "je cherche une formation")] * 3
)


def test_the_classifier_decides_only_when_no_phrase_did_and_nothing_cancels_it() -> None:
    detector = CrisisDetector(
        [
            parse("me frappe", "fr", "violence"),
            parse("l eau .. me tue", "fr", "not_crisis"),
            parse("il y a .. ans", "fr", "past"),
        ],
        TOY,
    )

    by_phrase = detector.detect("il me frappe")
    by_classifier = detector.detect("l'eau monte, on est sur le toit")

    assert by_phrase.kinds == ("violence",) and by_phrase.probability is None
    assert by_classifier.kinds == ("danger",) and by_classifier.matches == ()
    assert by_classifier.language("ar") == "ar", "no phrase to tell the language: the person's"
    assert detector.detect("l'eau froide du toit me tue") is None, "a figure of speech"
    assert detector.detect("il y a deux ans l'eau monte sur le toit") is None, "long over"
    assert detector.detect("merci beaucoup") is None


@pytest.mark.parametrize(
    ("text", "laughing"),
    [
        ("mi compa me va a matar si le gano jajaja", True),
        ("الملوخية اتحرقت هههههه", True),
        ("the driver wan kill us loool", True),
        ("ce prof va me tuer mdrrr", True),
        ("😂 on va mourir de chaud", True),
        ("hi, I need help", False),
        ("aha ok", False),
        ("je suis à la gare avec mes enfants", False),
    ],
)
def test_laughter_is_recognised(text: str, laughing: bool) -> None:
    assert classifier.laughs(text, words(text)) is laughing


def test_a_laughing_message_is_left_to_the_phrase_lists() -> None:
    detector = CrisisDetector([parse("veux mourir", "fr", "self_harm")], TOY)
    assert detector.detect("l'eau monte, on est sur le toit mdr") is None
    assert detector.detect("lol je veux mourir").kinds == ("self_harm",)
