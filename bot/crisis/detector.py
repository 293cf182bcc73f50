"""Finding a crisis in a message: the phrase lists first, then the classifier for what they miss.

The classifier (``bot.crisis.classifier``) decides only when no crisis phrase matched and no
figure of speech or past event did either: "ce dossier me tue" stays an ordinary message
whatever the classifier thinks of it.

Each phrase is indexed by its rarest slot (exact, by prefix, and by its one-letter deletions
for typo tolerance), so a message costs a few dictionary lookups per word, whatever the length
of the lists, and only the phrases whose rarest word is there are checked whole.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.crisis.classifier import CrisisClassifier, laughs, load_classifier, sources
from bot.crisis.kinds import KINDS
from bot.crisis.normalise import is_arabic_script, words
from bot.crisis.phrases import NOT_CRISIS, NOW, PAST, PHRASES_DIR, Phrase, Slot, load_phrases
from bot.settings import content_hash

# Words this long tolerate one typo; shorter ones differ by a letter too often ("viole" and
# "vole", "tue" and "rue").
FUZZY_MIN = 6
# Arabic conjunctions written onto the next word: "وبغيت", "فقتلني".
_ARABIC_CLITICS = ("و", "ف")
# Only the start of a very long message is read: a crisis is said early, and this bounds the
# work a hostile message can cause.
MAX_WORDS = 400
_KIND_ORDER = {kind.id: i for i, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    start: int
    end: int


@dataclass(frozen=True)
class Detection:
    """The crisis kinds a message raises, most pressing first, and what raised them."""

    kinds: tuple[str, ...]
    # The phrases that raised it; none when the classifier did.
    matches: tuple[Match, ...]
    # Whether the phrases found were written in Latin letters (Arabizi, for Arabic ones).
    latin: bool
    # The classifier's probability that this is a crisis, when it decided.
    probability: float | None = None

    def language(self, preferred: str) -> str:
        """The language to answer in: the phrases', so that a person who writes in another
        language than their settings' gets help they can read; ``preferred`` when it is among
        them, and for Arabizi, whose writer may not read the Arabic script."""
        languages = [m.phrase.language for m in self.matches]
        if not languages or preferred in languages or (languages[0] == "ar" and self.latin):
            return preferred
        return languages[0]


@functools.lru_cache(maxsize=2)
def _from_files(fingerprint: str) -> CrisisDetector:
    return CrisisDetector(load_phrases(), load_classifier())


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


@dataclass(frozen=True)
class _Slot:
    """A slot's alternatives sorted for matching one word quickly."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]
    # Words that also match with one typo (crisis phrases only).
    tolerant: tuple[str, ...]

    @classmethod
    def of(cls, slot: Slot, tolerant: bool) -> _Slot:
        plain = [a.word for a in slot.alternatives if not a.prefix]
        return cls(
            frozenset(plain),
            tuple(a.word for a in slot.alternatives if a.prefix),
            tuple(w for w in plain if len(w) >= FUZZY_MIN) if tolerant else (),
        )

    def positions(self, index: dict[str, list[int]]) -> list[int]:
        """Where in the message (its words and their positions) this slot is filled."""
        filled = self.exact & index.keys()
        for word in index:
            if word in filled:
                continue
            if (self.prefixes and word.startswith(self.prefixes)) or (
                self.tolerant
                and len(word) >= FUZZY_MIN - 1
                and any(w[0] == word[0] and _one_edit(word, w) for w in self.tolerant)
            ):
                filled.add(word)
        return sorted({i for word in filled for i in index[word]})


class CrisisDetector:
    """The phrases, indexed by one slot each: the slot whose words are rarest in the lists.

    Common words ("me", "de", "la") stand in hundreds of phrases; looking phrases up by their
    rarest word keeps the candidates for a message to a handful, which are then checked whole.
    """

    def __init__(
        self, phrases: Iterable[Phrase], classifier: CrisisClassifier | None = None
    ) -> None:
        self.phrases = tuple(phrases)
        self.classifier = classifier
        # Phrases share many slots ("me|m", "de"): one object each, matched once a message.
        shared: dict[tuple[Slot, bool], _Slot] = {}
        self._slots = []
        for phrase in self.phrases:
            tolerant = phrase.role in _KIND_ORDER
            for slot in phrase.slots:
                if (slot, tolerant) not in shared:
                    shared[slot, tolerant] = _Slot.of(slot, tolerant)
            self._slots.append([shared[slot, tolerant] for slot in phrase.slots])
        frequency = Counter(
            a.word for phrase in self.phrases for slot in phrase.slots for a in slot.alternatives
        )
        self._exact: dict[str, set[int]] = defaultdict(set)
        self._prefix: dict[str, set[int]] = defaultdict(set)
        # Typo tolerance for crisis phrases only: a figure of speech or a past marker matched
        # by a typo would cancel a real crisis ("killer" is one letter from Spanish "kiero").
        self._near: dict[str, set[str]] = defaultdict(set)
        self._fuzzy: dict[str, set[int]] = defaultdict(set)
        for p, phrase in enumerate(self.phrases):
            anchor = min(
                phrase.slots, key=lambda slot: sum(frequency[a.word] for a in slot.alternatives)
            )
            for alternative in anchor.alternatives:
                word = alternative.word
                if alternative.prefix:
                    self._prefix[word].add(p)
                    continue
                self._exact[word].add(p)
                if phrase.role in _KIND_ORDER and len(word) >= FUZZY_MIN:
                    self._fuzzy[word].add(p)
                    for key in (word, *_deletions(word)):
                        self._near[key].add(word)
        self._prefix_lengths = sorted({len(w) for w in self._prefix})

    @classmethod
    def from_files(cls) -> CrisisDetector:
        """The lists and the classifier from the repository's files, built once per process for
        the same files (loading the lists takes seconds; every gateway a test builds shares
        them, as a detector never changes once built)."""
        return _from_files(content_hash([*sorted(PHRASES_DIR.glob("*.yml")), *sources()]))

    def detect(self, text: str) -> Detection | None:
        message = words(text)[:MAX_WORDS]
        return self.detect_words(message, classify=not laughs(text, message))

    def detect_words(self, message: list[str], classify: bool = True) -> Detection | None:
        """The crisis in ``message`` (normalised words); the classifier is asked only with
        ``classify``, and only when the lists found neither a crisis nor a reason for none."""
        matches = self._matches(message)
        roles = {m.phrase.role for m in matches}
        if PAST in roles and NOW not in roles:
            return None
        crisis = [m for m in matches if m.phrase.role in _KIND_ORDER]
        figures = [m for m in matches if m.phrase.role == NOT_CRISIS]
        crisis = [m for m in crisis if not any(_cancels(f, m) for f in figures)]
        if crisis:
            kinds = sorted({m.phrase.role for m in crisis}, key=_KIND_ORDER.__getitem__)
            latin = not any(is_arabic_script(w) for m in crisis for w in message[m.start : m.end])
            return Detection(tuple(kinds), tuple(crisis), latin)
        if figures or not classify or self.classifier is None or not message:
            return None
        kind, probability = self.classifier.kind(" ".join(message))
        if kind is None:
            return None
        latin = not any(is_arabic_script(w) for w in message)
        return Detection((kind,), (), latin, probability)

    # Matching ---------------------------------------------------------------------------------

    def _candidates(self, word: str) -> set[int]:
        """Phrases whose anchor slot ``word`` may fill."""
        found = set(self._exact.get(word, ()))
        for length in self._prefix_lengths:
            if length > len(word):
                break
            found.update(self._prefix.get(word[:length], ()))
        if len(word) >= FUZZY_MIN - 1:
            for key in (word, *_deletions(word)):
                for near in self._near.get(key, ()):
                    if near[0] == word[0] and _one_edit(word, near):
                        found.update(self._fuzzy[near])
        return found

    def _matches(self, message: list[str]) -> list[Match]:
        index: dict[str, list[int]] = defaultdict(list)
        for i, word in enumerate(message):
            for form in _forms(word):
                index[form].append(i)
        candidates: set[int] = set()
        for word in index:
            candidates |= self._candidates(word)
        matches = []
        filled: dict[int, list[int]] = {}
        for p in candidates:
            slots: dict[int, list[int]] = {}
            for s, slot in enumerate(self._slots[p]):
                key = id(slot)
                if key not in filled:
                    filled[key] = slot.positions(index)
                slots[s] = filled[key]
                if not slots[s]:
                    break
            else:
                span = _walk(self.phrases[p], slots)
                if span is not None:
                    matches.append(Match(self.phrases[p], *span))
        return matches


def _forms(word: str) -> tuple[str, ...]:
    """The word, and without an Arabic conjunction written onto it."""
    if len(word) > 2 and word.startswith(_ARABIC_CLITICS):
        return word, word[1:]
    return (word,)


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


def _cancels(figure: Match, crisis: Match) -> bool:
    """Whether a figure of speech cancels a crisis phrase: one of its own language that it
    overlaps; one of another language only if it holds it whole ("je suis pas suicidaire"),
    never one that says more: "poison for rats" is pest control in English, "du poison pour
    les rats et je vais le boire" is not."""
    if figure.phrase.language == crisis.phrase.language:
        return figure.start < crisis.end and crisis.start < figure.end
    return figure.start <= crisis.start and crisis.end <= figure.end
