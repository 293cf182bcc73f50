"""Understanding typed answers: "2", "oui", "نعم", "si la tengo", "ما نعرفش", "un peu"...

A typed answer is read in this order: an option's own words, an option's number, "don't know"
or "a little" (for the options marked with that meaning), then yes or no. Words are matched
whole, after folding case, accents, Arabic letter forms and repeated letters ("ouiii", "ايييه").
Yes and no come from the first decisive word; words that are also articles or conjunctions in
another language ("la", "y", "a") count only when they are the whole answer, so "si la tengo" is
yes while "la" alone is the Arabizi no.
"""

from __future__ import annotations

import re
import unicodedata

from bot.i18n import translate
from bot.questionnaire.definition import A_LITTLE, DONT_KNOW, NO, YES, Question

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Alef maqsura and ta marbuta are written as ya and ha as often as not; tatweel is decoration.
_ARABIC_VARIANTS = str.maketrans({"ى": "ي", "ة": "ه", "ـ": None})

# Words and phrases that say yes or no in the four languages, their dialects and Arabizi ("|"
# separates them; a phrase such as "bien sûr" or "pas du tout" is matched as whole words).
YES_WORDS = (
    "oui|ouais|ouai|ouaip|ouep|wi|ui|voui|wai|oe|bien sur|evidemment|absolument|exactement|"
    "carrement|tout a fait|d accord|ok|okay|yes|yeah|yep|yup|sure|of course|definitely|"
    "absolutely|si|claro|vale|dale|sip|simon|aja|por supuesto|obvio|efectivamente|"
    "نعم|ايه|ايوه|ايوا|اه|واه|بلي|بلى|اكيد|طبعا|تمام|صح|واخا|"
    "ih|iyeh|iyyeh|eyh|aywa|aiwa|aywah|aiwah|wah|naam|na3am|wakha|akid|akeed|tab3an"
)
NO_WORDS = (
    "non|nan|nop|nope|pas du tout|jamais|aucun|aucune|no|nah|never|not at all|none|"
    "para nada|nel|tampoco|لا|لأ|لاء|لع|la2|le2|la3"
)
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

DONT_KNOW_PHRASES = (
    # French, spoken and typed.
    "je ne sais pas|je sais pas|jsais pas|j sais pas|jsp|chais pas|chai pas|ché pas|sais pas|"
    "je ne sait pas|je sait pas|je c pas|j en sais rien|j en sais trop rien|aucune idee|"
    "pas d idee|je ne suis pas sur|je suis pas sur|pas sur|pas sure|je sais plus|"
    # English.
    "i don t know|i dont know|i do not know|don t know|dont know|dunno|idk|no idea|not sure|"
    "i m not sure|im not sure|no clue|unsure|"
    # Spanish.
    "no se|no lo se|nose|ni idea|no tengo idea|no tengo ni idea|no sabria|no sabria decir|"
    "no estoy seguro|no estoy segura|quien sabe|ns|"
    # Arabic: standard, Darija, Tunisian, Egyptian, Levantine, Iraqi, Gulf, Sudanese.
    "لا اعرف|لا أعرف|ما اعرف|ماعرف|ما نعرف|ما نعرفش|مانعرفش|منعرفش|ما عرفتش|ماعرفتش|"
    "معرفش|ماعرفش|مش عارف|مش عارفه|مش عارفا|مو عارف|ما عارف|ماني عارف|ما بعرف|مابعرف|"
    "ما بعرفش|ما ادري|مادري|مدري|لا ادري|ما اعرفش|مش متاكد|مش متاكده|مو متاكد|غير متاكد|"
    "لست متاكدا|لست متاكده|ما عنديش فكره|ماعنديش فكره|معنديش فكره|ما عندي فكره|"
    "ماعندي فكره|ما عندي اي فكره|الله اعلم|"
    # Arabizi.
    "ma n3rafch|ma n3rfch|man3rafch|ma na3rafch|ma n3arfch|ma n3raf|ma na3ref|ma n3ref|"
    "ma3rafch|ma3raftch|m3rafch|ma3rfch|ma3rfsh|ma3rafsh|m3rfsh|ma3rf|mesh 3aref|mish 3aref|"
    "msh 3aref|msh 3arf|mosh 3aref|mich 3aref|mabaaref|ma ba3ref|mba3ref|mabaref|ma ba3rif|"
    "ma adri|madri|mdri|ma a3ref|ma a3rf|ma3ndich fikra|ma 3andich fikra|ma 3andi fikra|"
    "ma3ndi fikra|allah a3lam"
)
A_LITTLE_PHRASES = (
    "un peu|un petit peu|un ptit peu|un tout petit peu|peu|moyennement|plus ou moins|"
    "pas beaucoup|"
    "a little|a little bit|a bit|a lil|little|a little|somewhat|kind of|kinda|sort of|"
    "slightly|not much|so so|"
    "un poco|poco|un poquito|poquito|algo|mas o menos|masomenos|no mucho|un pelin|"
    "شويه|شوي|شويا|شوية شوية|بشويه|قليلا|قليل|نوعا ما|الى حد ما|حبه|مش كتير|مو كثير|"
    "ماشي بزاف|مش بزاف|"
    "chwiya|chwia|chwya|chouia|chouiya|chwi|shwaya|shwayya|shwaia|shway|shwi|shwaye|"
    "swiya|chway|qalilan|mashi bzaf|machi bzaf|msh ktir|mish kteer"
)
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


def _phrases(listed: str, separator: str | None = None) -> frozenset[tuple[str, ...]]:
    items = listed.split(separator) if separator else listed.split()
    return frozenset(filter(None, (_words(item) for item in items)))


def _single(listed: str) -> frozenset[str]:
    return frozenset(word for phrase in _phrases(listed) for word in phrase)


_YES_PHRASES = _phrases(YES_WORDS, "|")
_NO_PHRASES = _phrases(NO_WORDS, "|")
_WEAK_YES = _single(WEAK_YES_WORDS)
_WEAK_NO = _single(WEAK_NO_WORDS)
_NEUTRAL = _single(NEUTRAL_WORDS)
_CONTRAST = _single(CONTRAST_WORDS)
_MEANINGS = {
    DONT_KNOW: _phrases(DONT_KNOW_PHRASES, "|"),
    A_LITTLE: _phrases(A_LITTLE_PHRASES, "|"),
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
