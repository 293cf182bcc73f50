"""How the console shows and names the files of a case's thread (``bot.storage.attachments``).

The type the person's app declared is only a hint: ``routes.attachments`` checks the bytes of
an image before serving it inline. Here it chooses how the thread shows a file: an image, a
player for sound or video, or a link; and a file that was not kept says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from babel.units import format_unit

from bot.i18n import babel_locale
from bot.storage import attachments

# Inline images, each with what its bytes begin with.
IMAGES: dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": lambda data: data.startswith(b"\xff\xd8\xff"),
    "image/png": lambda data: data.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/webp": lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP",
}
# Played by the page's <audio> and <video>; served as downloads all the same.
MEDIA = frozenset(
    (
        *("audio/ogg", "audio/mpeg", "audio/mp4", "audio/x-m4a", "audio/aac", "audio/wav"),
        *("audio/webm", "video/mp4", "video/webm", "video/quicktime"),
    )
)
MAX_NAME = 80
DEFAULT_NAMES = {
    attachments.PHOTO: "photo.jpg",
    attachments.VOICE: "message-vocal.ogg",
    attachments.AUDIO: "audio",
    attachments.DOCUMENT: "document",
    attachments.VIDEO: "video.mp4",
}


@dataclass(frozen=True)
class ShownFile:
    """A file as the thread shows it."""

    id: int
    kind: str
    status: str
    # image, audio, video, file (a link) or missing.
    shown: str
    name: str
    size: str


def mime(declared: str) -> str:
    return declared.split(";")[0].strip().lower()


def shown_as(file: attachments.Attachment) -> str:
    """How the thread shows a file: image, audio, video, file (a link) or missing."""
    if file.status != attachments.KEPT:
        return "missing"
    kind = mime(file.mime_type)
    if kind in IMAGES:
        return "image"
    if kind in MEDIA:
        return kind.split("/")[0]
    return "file"


def file_name(file: attachments.Attachment) -> str:
    """The name to save it under: the original one without what a file system or a header
    could take for something else, else a plain one for its kind."""
    name = (file.file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c != '"').strip(" .")
    return name[:MAX_NAME] or f"{file.id}-{DEFAULT_NAMES[file.kind]}"


def file_size(size: int | None, language: str) -> str:
    """A file's size in the reader's words: "2,5 Mo", "300 kB"."""
    if size is None:
        return "–"
    unit, amount = (
        ("digital-megabyte", size / (1024 * 1024))
        if size >= 1024 * 1024
        else ("digital-kilobyte", max(1, size / 1024))
    )
    return format_unit(round(amount, 1), unit, "short", locale=babel_locale(language))


def shown_files(
    files: dict[int, list[attachments.Attachment]], language: str
) -> dict[int, list[ShownFile]]:
    """The thread's files by message id, as the page shows them."""
    return {
        message_id: [
            ShownFile(
                f.id, f.kind, f.status, shown_as(f), file_name(f), file_size(f.size, language)
            )
            for f in listed
        ]
        for message_id, listed in files.items()
    }
