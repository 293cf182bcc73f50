"""Finding the phrase lists' crisis phrases in a message.

Every phrase word is indexed once (exact, by prefix, and by its one-letter deletions for typo
tolerance), so a message costs a dictionary lookup or a few per word, whatever the length of
the lists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.crisis.kinds import KINDS
from bot.crisis.normalise import is_arabic_script, words
from bot.crisis.phrases import NOT_CRISIS, NOW, PAST, Phrase, load_phrases

# Words this long tolerate one typo; shorter ones differ by a letter too often ("viole" and
# "vole", "tue" and "rue").
FUZZY_MIN = 6
# Arabic conjunctions written onto the next word: "وبغيت", "فقتلني".
_ARABIC_CLITICS = ("و", "ف")
# Only the start of a very long message is read: a crisis is said early, and this bounds the
# work a hostile message can cause.
MAX_WORDS = 400
_KIND_ORDER = {kind.id: i for i, kind in enumerate(KINDS)}

Hit = tuple[int, int]  # (phrase index, slot index)


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    start: int
    end: int


@dataclass(frozen=True)
class Detection:
    """The crisis kinds a message raises, most pressing first, and what raised them."""

    kinds: tuple[str, ...]
    matches: tuple[Match, ...]
    # Whether the phrases found were written in Latin letters (Arabizi, for Arabic ones).
    latin: bool

    def language(self, preferred: str) -> str:
        """The language to answer in: the phrases', so that a person who writes in another
        language than their settings' gets help they can read; ``preferred`` when it is among
        them, and for Arabizi, whose writer may not read the Arabic script."""
        languages = [m.phrase.language for m in self.matches]
        if preferred in languages or (languages[0] == "ar" and self.latin):
            return preferred
        return languages[0]


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` is ``b`` with one letter wrong, missing, extra, or two neighbours swapped.

    Sharing a one-letter deletion finds the candidates; this drops the ones two edits apart
    ("kiler" and "kiero" both give "kier")."""
    if a == b:
        return True
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )  # fmt: skip
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return len(longer) == len(shorter) + 1 and any(
        longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer))
    )


class CrisisDetector:
    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self.phrases = tuple(phrases)
        self._exact: dict[str, list[Hit]] = defaultdict(list)
        self._prefix: dict[str, list[Hit]] = defaultdict(list)
        # Typo tolerance for crisis phrases only: a figure of speech or a past marker matched
        # by a typo would cancel a real crisis ("killer" is one letter from Spanish "kiero").
        self._fuzzy: dict[str, list[Hit]] = defaultdict(list)
        self._near: dict[str, set[str]] = defaultdict(set)
        for p, phrase in enumerate(self.phrases):
            tolerant = phrase.role in _KIND_ORDER
            for s, slot in enumerate(phrase.slots):
                for alternative in slot.alternatives:
                    word = alternative.word
                    if alternative.prefix:
                        self._prefix[word].append((p, s))
                        continue
                    self._exact[word].append((p, s))
                    if tolerant and len(word) >= FUZZY_MIN:
                        self._fuzzy[word].append((p, s))
                        for key in (word, *_deletions(word)):
                            self._near[key].add(word)
        self._prefix_lengths = sorted({len(w) for w in self._prefix})

    @classmethod
    def from_files(cls) -> CrisisDetector:
        return cls(load_phrases())

    def detect(self, text: str) -> Detection | None:
        message = words(text)[:MAX_WORDS]
        return self.detect_words(message)

    def detect_words(self, message: list[str]) -> Detection | None:
        matches = self._matches(message)
        if not matches:
            return None
        crisis = [m for m in matches if m.phrase.role in _KIND_ORDER]
        if not crisis:
            return None
        figures = [m for m in matches if m.phrase.role == NOT_CRISIS]
        crisis = [m for m in crisis if not any(_overlap(m, f) for f in figures)]
        roles = {m.phrase.role for m in matches}
        if PAST in roles and NOW not in roles:
            return None
        if not crisis:
            return None
        kinds = sorted({m.phrase.role for m in crisis}, key=_KIND_ORDER.__getitem__)
        latin = not any(is_arabic_script(w) for m in crisis for w in message[m.start : m.end])
        return Detection(tuple(kinds), tuple(crisis), latin)

    # Matching ---------------------------------------------------------------------------------

    def _hits(self, word: str) -> set[Hit]:
        found: set[Hit] = set()
        forms = [word]
        if len(word) > 3 and word.startswith(_ARABIC_CLITICS):
            forms.append(word[1:])
        for form in forms:
            found.update(self._exact.get(form, ()))
            for length in self._prefix_lengths:
                if length > len(form):
                    break
                found.update(self._prefix.get(form[:length], ()))
            if len(form) >= FUZZY_MIN - 1:
                for key in (form, *_deletions(form)):
                    for near in self._near.get(key, ()):
                        if near[0] == form[0] and _one_edit(form, near):
                            found.update(self._fuzzy[near])
        return found

    def _matches(self, message: list[str]) -> list[Match]:
        # Where each (phrase, slot) is found in the message.
        positions: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        for i, word in enumerate(message):
            for p, s in self._hits(word):
                positions[p][s].append(i)
        matches = []
        for p, slots in positions.items():
            phrase = self.phrases[p]
            if 0 not in slots or len(slots) < len(phrase.slots):
                continue
            span = _walk(phrase, slots)
            if span is not None:
                matches.append(Match(phrase, *span))
        return matches


def _walk(phrase: Phrase, slots: dict[int, list[int]]) -> tuple[int, int] | None:
    """The first place where the phrase's slots follow each other within their gaps."""
    # Where the match so far ends -> where it started.
    ends = {i: i for i in slots[0]}
    for s in range(1, len(phrase.slots)):
        gap = phrase.slots[s].gap
        following: dict[int, int] = {}
        for j in slots[s]:
            for i, start in ends.items():
                if i < j <= i + 1 + gap:
                    following.setdefault(j, start)
        if not following:
            return None
        ends = following
    end = min(ends)
    return ends[end], end + 1


def _overlap(a: Match, b: Match) -> bool:
    return a.start < b.end and b.start < a.end
