"""Telegram's published limits on what the bot sends, kept before a message is queued.

Telegram refuses a message that breaks one, and the sender can only dead-letter it: the person
never reads it. So the limits are kept when replies become outbox rows, not found out when they
are sent: a text too long for one message becomes several, cut where a paragraph or a line ends,
and a button whose data could not fit is a bug that stops the turn (the person is told there was
a technical problem, the log says which rule) rather than a message lost without a word.

Characters are counted as Telegram counts entity offsets, in UTF-16 code units: an emoji beyond
the Basic Multilingual Plane counts 2, so the count is never below Telegram's. The isolate marks
that keep numbers in order in Arabic text (``bot.i18n.bidi``) count like any character, and a
cut never leaves one open: the part it ends is closed and the next part opens it again.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from bot.i18n.bidi import ISOLATE_MARKS, PDI, open_isolates

# sendMessage.text: "1-4096 characters after entities parsing" (the bot sends no markup).
MAX_MESSAGE_LENGTH = 4096
# InlineKeyboardButton.callback_data: "1-64 bytes", in UTF-8.
MAX_CALLBACK_DATA_BYTES = 64
# Where a long text is cut, best first: between paragraphs, between lines, between words.
_BREAKS = ("\n\n", "\n", " ")


class UnsendableMessage(ValueError):
    """A message Telegram would refuse; the text says which limit it breaks."""


def length(text: str) -> int:
    """The text's length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _cut(text: str, end: int) -> tuple[int, int]:
    """Where to cut ``text`` at or before ``end``, and how many separator characters go."""
    for separator in _BREAKS:
        # A separator that starts at ``end`` still leaves a part that fits before it.
        at = text.rfind(separator, 0, end + len(separator))
        if at > 0 and text[:at].strip():
            return at, len(separator)
    # One word longer than a message: cut it, but not between a letter and its marks (Arabic
    # vowel signs, accents typed apart).
    while end > 1 and unicodedata.combining(text[end]):
        end -= 1
    return end, 0


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """``text`` as the messages it takes, in order: unchanged when it fits, else cut at the
    last paragraph break that fits, else the last line break, else the last space."""
    parts: list[str] = []
    # Room to close the isolates a cut leaves open and to open them again in the next part.
    room = 2 * _depth(text)
    while length(text) > limit:
        cut, separator = _cut(text, _fitting(text, limit - room))
        part = text[:cut].rstrip()
        text = text[cut + separator :].lstrip()
        opened = open_isolates(part)
        if opened:
            part += PDI * len(opened)
            text = opened + text
        if part:
            parts.append(part)
    return [*parts, text]


def _depth(text: str) -> int:
    """How deep isolates nest in ``text`` (0 without any)."""
    if not ISOLATE_MARKS.intersection(text):
        return 0
    deepest = depth = 0
    for char in text:
        if char in ISOLATE_MARKS:
            depth = max(depth - 1, 0) if char == PDI else depth + 1
            deepest = max(deepest, depth)
    return deepest


def check_message(text: str, buttons: Iterable[tuple[str, str]] = ()) -> None:
    """Raise ``UnsendableMessage`` unless Telegram would take this text and these buttons."""
    size = length(text.strip())
    if not 1 <= size <= MAX_MESSAGE_LENGTH:
        raise UnsendableMessage(
            f"text of {size} characters; Telegram takes 1-{MAX_MESSAGE_LENGTH} (split it first)"
        )
    for title, data in buttons:
        if not title.strip():
            raise UnsendableMessage(f"button {data!r} has no title")
        data_size = len(data.encode("utf-8"))
        if not 1 <= data_size <= MAX_CALLBACK_DATA_BYTES:
            raise UnsendableMessage(
                f"button data of {data_size} bytes ({data[:24]!r}...); Telegram takes "
                f"1-{MAX_CALLBACK_DATA_BYTES}: carry an id, never free text"
            )
