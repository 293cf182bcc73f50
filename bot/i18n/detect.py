"""Which supported language a message is written in, when that is clear.

Used only to *offer* a switch (one tap), never to switch silently: code-switching is normal
("salam, j'ai besoin d'aide") and a wrong guess must cost nothing.
"""

from __future__ import annotations

import functools

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from bot.constants import LANGUAGES

_LINGUA = {
    "fr": Language.FRENCH,
    "en": Language.ENGLISH,
    "ar": Language.ARABIC,
    "es": Language.SPANISH,
}
MIN_WORDS = 4
MIN_CONFIDENCE = 0.9
# Lingua knows no Arabizi or Darija in Latin letters and calls them Spanish or English with high
# confidence. A Latin-script guess therefore also needs two of the language's common words.
_COMMON_WORDS = {
    "fr": "je tu il elle nous vous le la les un une des de du et est pas pour avec que qui dans "
    "mon ma mes sur suis ai aide besoin bonjour",
    "en": "i you he she we the a an of and is are not for with that to in my me on am have can "
    "how what help need please hello",
    "es": "yo tu el ella nosotros la los las un una de del y es no para con que en mi me estoy "
    "tengo quiero como ayuda necesito hola por",
}
COMMON_WORDS: dict[str, frozenset[str]] = {
    code: frozenset(words.split(" ")) for code, words in _COMMON_WORDS.items()
}


@functools.lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(*(_LINGUA[code] for code in LANGUAGES))
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


def clear_language(text: str) -> str | None:
    """The language of ``text`` when it is long enough and unambiguous, else None."""
    if len(text.split()) < MIN_WORDS:
        return None
    best = _detector().compute_language_confidence_values(text)[0]
    if best.value < MIN_CONFIDENCE:
        return None
    code = next(code for code, language in _LINGUA.items() if language == best.language)
    common = COMMON_WORDS.get(code)
    if common is not None and len(common.intersection(text.lower().split())) < 2:
        return None
    return code
