"""Which supported language a message is written in, when that is clear.

Used only to *offer* a switch (one tap), never to switch silently: code-switching is normal
("salam, j'ai besoin d'aide") and a wrong guess must cost nothing.
"""

from __future__ import annotations

import functools
import re
import unicodedata

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


# Share of a message's letters that must be in one script for the script alone to name its
# language ("بغيت نخدم" is Arabic in two words; a French sentence with one Arabic word is not).
SCRIPT_SHARE = 0.8


def _script(letter: str) -> str:
    """The script of a letter as Unicode names it: "ARABIC LETTER BEH" -> ARABIC."""
    return unicodedata.name(letter, "UNKNOWN").split(" ", 1)[0]


def _main_script(text: str) -> str | None:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    scripts = [_script(c) for c in letters]
    top = max(set(scripts), key=scripts.count)
    return top if scripts.count(top) >= SCRIPT_SHARE * len(letters) else None


@functools.lru_cache(maxsize=1)
def _own_scripts() -> dict[str, str]:
    """Scripts that one registered language alone is written in (its native name's script):
    Arabic script names Arabic; Latin, shared by French, English and Spanish, names none."""
    scripts: dict[str, list[str]] = {}
    for lang in languages():
        script = _main_script(lang.native_name)
        if script is not None:
            scripts.setdefault(script, []).append(lang.code)
    return {script: codes[0] for script, codes in scripts.items() if len(codes) == 1}


def clear_language(text: str) -> str | None:
    """The language of ``text`` when it is long enough and unambiguous, else None."""
    script = _main_script(text)
    if script in _own_scripts():
        return _own_scripts()[script]
    if len(text.split()) < MIN_WORDS:
        return None
    best = _detector().compute_language_confidence_values(text)[0]
    if best.value < MIN_CONFIDENCE:
        return None
    code = next(code for code, language in _LINGUA.items() if language == best.language)
    common = COMMON_WORDS.get(code)
    if common is not None and len(common.intersection(_plain_words(text))) < 2:
        return None
    return code


def _plain_words(text: str) -> set[str]:
    """Lower-case words without accents or punctuation: "Cómo," counts as "como"."""
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c)
    )
    return set(re.findall(r"\w+", plain))
