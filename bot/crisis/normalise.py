"""Spelling evened out before phrases are matched: the same folding for the lists and messages.

People in distress type fast on cheap phones: no accents, repeated letters ("pleaseeee",
"ساعدونيييي"), tatweel, hamza and alif variants, ta marbuta written as ha, and Arabic in Latin
letters with digits for the sounds Latin lacks (Arabizi: "3ayez amoot", "n7eb nmout"). Both the
phrase lists and each message go through :func:`words`, so a reviewer writes phrases plainly.
"""

from __future__ import annotations

import re
import unicodedata

# Eastern Arabic and Persian digits read as Western ones.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Letter variants that people use interchangeably, Arabic ones first. Hamza and madda forms of
# alif, waw and ya lose their hamza with the diacritics (NFKD); what is left is unified here.
_LETTERS = str.maketrans(
    {
        "ة": "ه",  # ta marbuta written as ha
        "ى": "ي",  # alif maqsura written as ya
        "ٱ": "ا",  # alif wasla
        "ک": "ك",  # Persian kaf
        "ی": "ي",  # Persian ya
        "ہ": "ه",
        "ء": None,  # a lone hamza is often left out
        "ـ": None,  # tatweel stretches a word, it is not a letter
        # Hooked letters of Pulaar and Wolof, often typed plain: "yiɗi" as "yidi".
        "ɗ": "d",
        "ɓ": "b",
        "ƴ": "y",
        "ŋ": "n",
        # Ligatures that phone keyboards type and NFKD keeps: "sœur" is "soeur".
        "œ": "oe",
        "æ": "ae",
        "ɛ": "e",  # Bambara "yɛrɛ"
        "ɔ": "o",
    }
)
# Arabizi: digits standing for Arabic sounds, inside a word written in Latin letters.
_ARABIZI = {"2": "", "3": "a", "5": "kh", "6": "t", "7": "h", "8": "gh", "9": "q"}
_ARABIZI_DIGIT = re.compile(r"[2356789]")
_LATIN = re.compile(r"[a-z]")
_WORD = re.compile(r"\w+")
# Repeated letters: "mourrir", "aideeeez", "ساعدونيييي". Collapsing every run keeps the lists
# and messages equal whatever people stretch or double. Digits are kept: "11" is not "1".
_RUNS = re.compile(r"([^\W\d_])\1+")


def _arabizi(token: str) -> str:
    if not _LATIN.search(token) or not _ARABIZI_DIGIT.search(token):
        return token
    return _ARABIZI_DIGIT.sub(lambda m: _ARABIZI[m.group()], token)


def words(text: str) -> list[str]:
    """The message as a list of folded words."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_DIGITS))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).translate(_LETTERS)
    # Elisions and hyphens separate words: "j'ai", "m'a", "peut-être".
    folded = re.sub(r"['’`´_-]", " ", folded)
    return [_RUNS.sub(r"\1", _arabizi(token)) for token in _WORD.findall(folded)]


def is_arabic_script(word: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in word)
