"""Left-to-right runs kept in their order inside right-to-left text.

In an Arabic reply the Unicode bidi algorithm lays out "+212 500 00 00 02" as
"02 00 00 500 212+" and "/forget" as "forget/": a person may dial the wrong number or type a
command that does not exist. Each run that reads left to right (a number, a phone number, a time,
a command, a URL, a Latin name) is wrapped in a left-to-right isolate (LRI ... PDI): inside it the
run keeps its order, and outside it counts as one neutral character, so it neither reorders the
Arabic around it nor decides a paragraph's direction.

This is done once, on the rendered text of a reply to a right-to-left language, never in the
catalogues: translators write plain text, and a run already isolated (a centre's phone number)
is left as it is, so wrapping twice changes nothing.
"""

from __future__ import annotations

import re
import unicodedata

LRI, FSI, RLI, PDI = "\u2066", "\u2068", "\u2067", "\u2069"
ISOLATE_INITIATORS = LRI + RLI + FSI
ISOLATE_MARKS = frozenset(ISOLATE_INITIATORS + PDI)

_LATIN = "A-Za-z\u00c0-\u024f"
_DIGITS = "0-9\u0660-\u0669\u06f0-\u06f9"
_START = f"[{_LATIN}{_DIGITS}]"
# What a run may hold between its first and last letters or digits: "09:00–17:00", "t.me/x?a=b",
# "agent·e", "d'accord", "5,0", "+212-500".
_INNER = rf"[{_LATIN}{_DIGITS}.,:;/\\\-_?=&%#@+'’·–~]"
_END = f"[{_LATIN}{_DIGITS}%/]"
# A word: an optional lead ("+212", "/forget", "#1", "@bot") then letters or digits. Brackets
# stay outside: the Arabic around them mirrors them, and one inside an isolate would not be.
_WORD = rf"[+/#@]?{_START}(?:{_INNER}*{_END})?"
# Words joined by single spaces make one run: "+212 500 00 00 02", "Centre Dakar Démo", and so
# does a bracket of such words that follows one ("Service d'accueil (fictif)"), so that a Latin
# name keeps its parts in order; a bracket that Arabic opens stays outside.
_GROUP = rf"\({_WORD}(?:[ \u00a0]{_WORD})*\)"
_RUN = re.compile(rf"{_WORD}(?:[ \u00a0](?:{_WORD}|{_GROUP}))*")
_ALREADY_ISOLATED = re.compile(f"[{ISOLATE_INITIATORS}][^{PDI}]*{PDI}")


def isolate_ltr(text: str) -> str:
    """``text`` with every left-to-right run wrapped in LRI ... PDI (runs already isolated kept).

    A text without any right-to-left letter (a French fallback, a town's Latin name on a button)
    is laid out left to right anyway and stays as it is.
    """
    if not any(unicodedata.bidirectional(char) in ("R", "AL") for char in text):
        return text
    pieces: list[str] = []
    position = 0
    for isolated in _ALREADY_ISOLATED.finditer(text):
        pieces.append(_RUN.sub(_wrap, text[position : isolated.start()]))
        pieces.append(isolated.group())
        position = isolated.end()
    pieces.append(_RUN.sub(_wrap, text[position:]))
    return "".join(pieces)


def _wrap(run: re.Match[str]) -> str:
    return f"{LRI}{run.group()}{PDI}"


def directed(text: str, rtl: bool) -> str:
    """The text as a reply in a language of that direction shows it."""
    return isolate_ltr(text) if rtl else text


def open_isolates(text: str) -> str:
    """The isolate initiators left open at the end of ``text``, innermost last."""
    opened: list[str] = []
    for char in text:
        if char in ISOLATE_INITIATORS:
            opened.append(char)
        elif char == PDI and opened:
            opened.pop()
    return "".join(opened)


def without_isolates(text: str) -> str:
    """``text`` without isolate marks (for a comparison, or a renderer that predates them)."""
    return "".join(char for char in text if char not in ISOLATE_MARKS)
