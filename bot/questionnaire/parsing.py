"""Understanding typed answers: "2", "oui", "نعم", "si la tengo", "ما نعرفش", "un peu"...

A typed answer is read in this order: an option's own words, an option's number, "don't know"
or "a little" (for the options marked with that meaning), then yes or no. Words are matched
whole, after folding case, accents, Arabic letter forms and repeated letters ("ouiii", "ايييه").
Yes and no come from the first decisive word; words that are also articles or conjunctions in
another language ("la", "y", "a") count only when they are the whole answer, so "si la tengo" is
yes while "la" alone is the Arabizi no. Each language's yes, no, "don't know" and "a little"
words are in its registry entry (``data/languages.yml``); every language's are read, since
people mix them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from bot.i18n import translate
from bot.languages import words
from bot.questionnaire.definition import A_LITTLE, DONT_KNOW, NO, YES, Question

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Alef maqsura and ta marbuta are written as ya and ha as often as not; tatweel is decoration.
_ARABIC_VARIANTS = str.maketrans({"ى": "ي", "ة": "ه", "ـ": None})

# Yes or no only when nothing else is said: elsewhere they are articles, "and", "oh", "which".
WEAK_YES_WORDS = "y ya ah ee ey eh اي اى"
WEAK_NO_WORDS = "la n nn"
# Words that neither answer nor stop a short answer from being one.
NEUTRAL_WORDS = (
    "merci thanks thank you gracias شكرا choukran chokran shukran chukran euh bah ben bon hmm "
    "well um pues bueno wallah walah wlh والله"
)
# A yes or no qualified by "but" is not a plain yes or no: the person is better asked again.
CONTRAST_WORDS = "mais but pero sauf except لكن ولكن بس walakin lakin bas"

MAX_YES_NO_WORDS = 5
MAX_MEANING_WORDS = 6


def fold(text: str) -> str:
    """Lower case, no accents, no punctuation, digits in Western form."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_ARABIC_DIGITS))
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", kept))


def _words(text: str) -> tuple[str, ...]:
    """Folded words with Arabic letter variants evened out and repeated letters squeezed."""
    folded = fold(text).translate(_ARABIC_VARIANTS)
    return tuple(re.sub(r"(\w)\1+", r"\1", word) for word in folded.split())


def _phrases(items: Iterable[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(filter(None, (_words(item) for item in items)))


def _single(listed: str) -> frozenset[str]:
    return frozenset(word for phrase in _phrases(listed.split()) for word in phrase)


# Yes, no, "don't know" and "a little" in every registered language (data/languages.yml).
_YES_PHRASES = _phrases(words("yes"))
_NO_PHRASES = _phrases(words("no"))
_WEAK_YES = _single(WEAK_YES_WORDS)
_WEAK_NO = _single(WEAK_NO_WORDS)
_NEUTRAL = _single(NEUTRAL_WORDS)
_CONTRAST = _single(CONTRAST_WORDS)
_MEANINGS = {
    DONT_KNOW: _phrases(words("dont_know")),
    A_LITTLE: _phrases(words("a_little")),
}


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(words[i : i + size] == phrase for i in range(len(words) - size + 1))


def _meanings(words: tuple[str, ...]) -> set[str]:
    """ "Don't know" and "a little" said in ``words``, if the answer is short enough."""
    if len(words) > MAX_MEANING_WORDS:
        return set()
    return {
        meaning
        for meaning, phrases in _MEANINGS.items()
        if any(_contains(words, phrase) for phrase in phrases)
    }


def _polarity_at(words: tuple[str, ...], start: int) -> tuple[str | None, int]:
    """Yes, no or None for the longest listed phrase at ``start``, and the words it takes."""
    for size in range(min(4, len(words) - start), 0, -1):
        chunk = words[start : start + size]
        if chunk in _YES_PHRASES:
            return YES, size
        if chunk in _NO_PHRASES:
            return NO, size
    return None, 1


def yes_or_no(text: str) -> str | None:
    """YES or NO when ``text`` is a plain yes or no in any language, else None."""
    words = _words(text)
    if not words or len(words) > MAX_YES_NO_WORDS or _CONTRAST & set(words):
        return None
    said: list[str] = []
    index = 0
    while index < len(words):
        polarity, size = _polarity_at(words, index)
        if polarity:
            said.append(polarity)
        index += size
    if said:
        return said[0] if len(set(said)) == 1 else None
    rest = set(words) - _NEUTRAL
    if rest and rest <= _WEAK_YES:
        return YES
    if rest and rest <= _WEAK_NO:
        return NO
    return None


def _number(text: str) -> int | None:
    digits = re.fullmatch(r"\s*(\d{1,4})[\s.!]*", text.translate(_ARABIC_DIGITS))
    return int(digits.group(1)) if digits else None


def _by_meaning(question: Question, text: str) -> str | None:
    """The option for "don't know" or "a little" in ``text``; "" when said but not offered."""
    said = _meanings(_words(text))
    if not said:
        return None
    offered = [o.id for o in question.options if o.means in said]
    return offered[0] if len(said) == 1 and len(offered) == 1 else ""


def parse_answer(question: Question, text: str, language: str) -> str | None:
    """The answer value ``text`` stands for, or None when it is not an answer."""
    folded = fold(text)
    if not folded:
        return None
    if question.type == "text":
        cleaned = " ".join(text.split())
        return cleaned if 0 < len(cleaned) <= question.max_length else None
    if question.type == "number":
        number = _number(text)
        if number is not None and question.minimum <= number <= question.maximum:
            return str(number)
        return None
    for option in question.options:
        if folded == fold(translate(language, option.text)) or folded == fold(option.text):
            return option.id
    number = _number(text)
    if number is not None:
        return question.options[number - 1].id if 1 <= number <= len(question.options) else None
    meant = _by_meaning(question, text)
    if meant is not None:
        # "No sé" is not a no, and "un peu" not a yes, where the question offers neither.
        return meant or None
    polarity = yes_or_no(text)
    return polarity if polarity and question.option(polarity) else None
