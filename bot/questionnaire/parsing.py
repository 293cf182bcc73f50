"""Understanding typed answers: "2", "oui", "نعم", "sí", "٣", or the option's own words."""

from __future__ import annotations

import re
import unicodedata

from bot.i18n import translate
from bot.questionnaire.definition import NO, YES, Question

YES_WORDS = frozenset(
    "oui ouais ouai wi ui yes yeah yep ya y ok okay si sí claro vale dale نعم اه ايه إيه أيوه "
    "ايوه ah eyh iyeh wah wakha واخا naam na3am".split()
)
NO_WORDS = frozenset("non nan no nope nah n لا لأ la la2 lla nn".split())
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def fold(text: str) -> str:
    """Lower case, no accents, no punctuation, digits in Western form."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_ARABIC_DIGITS))
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", kept))


def _number(text: str) -> int | None:
    digits = re.fullmatch(r"\s*(\d{1,4})[\s.!]*", text.translate(_ARABIC_DIGITS))
    return int(digits.group(1)) if digits else None


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
    if question.type == "yes_no":
        words = set(folded.split())
        if len(words) <= 3:
            if words & {fold(w) for w in YES_WORDS} and not words & {fold(w) for w in NO_WORDS}:
                return YES
            if words & {fold(w) for w in NO_WORDS}:
                return NO
    number = _number(text)
    if number is not None and 1 <= number <= len(question.options):
        return question.options[number - 1].id
    for option in question.options:
        if folded == fold(translate(language, option.text)) or folded == fold(option.text):
            return option.id
    return None
