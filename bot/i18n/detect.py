"""Which supported language a message is written in, when that is clear.

Used only to *offer* a switch (one tap), never to switch silently: code-switching is normal
("salam, j'ai besoin d'aide") and a wrong guess must cost nothing.
"""

from __future__ import annotations

import functools

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from bot.constants import LANGUAGES
from bot.languages import languages

# Each registered language's lingua name (data/languages.yml, ``detector``).
_LINGUA = {lang.code: getattr(Language, lang.detector) for lang in languages()}
MIN_WORDS = 4
MIN_CONFIDENCE = 0.9
# Lingua knows no Arabizi or Darija in Latin letters and calls them Spanish or English with high
# confidence. A Latin-script guess therefore also needs two of the language's common words
# (``detector_words`` of the registry).
COMMON_WORDS: dict[str, frozenset[str]] = {
    lang.code: lang.detector_words for lang in languages() if lang.detector_words
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
