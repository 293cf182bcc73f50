"""The file a Telegram message carries (photo, voice note, audio, document, video), as the
attachment flow takes it: what it is, and how to fetch it with ``getFile`` and the file's
download URL through PTB, over the gateway's own HTTP transport.

Telegram's answers become the flow's exceptions: a refusal (400: unknown id, or "file is too
big") will not change, anything else (network, timeout, 5xx, 429) may pass.
"""

from __future__ import annotations

from telegram import Bot, Message
from telegram.error import BadRequest, TelegramError

from bot.gateway.attachments import FileRefused, FileTooLarge, FileUnavailable, SentFile
from bot.storage import attachments

# Seconds to read a file of up to 20 MB on a slow link; calls' own timeout is 5 s.
DOWNLOAD_TIMEOUT = 60.0
# Telegram sends photos as JPEG whatever the phone took.
PHOTO_TYPE = "image/jpeg"
DEFAULT_TYPES = {
    attachments.VOICE: "audio/ogg",
    attachments.AUDIO: "audio/mpeg",
    attachments.DOCUMENT: "application/octet-stream",
    attachments.VIDEO: "video/mp4",
}


def sent_file(bot: Bot, message: Message, max_bytes: int) -> SentFile | None:
    """The message's file, None when it carries none; of a photo, the largest size Telegram
    offers under ``max_bytes`` (the smallest when none fits: then it is too large)."""
    if message.photo:
        sizes = sorted(message.photo, key=lambda p: _size(p) or 0)
        fitting = [p for p in sizes if (_size(p) or max_bytes + 1) <= max_bytes]
        photo = fitting[-1] if fitting else sizes[0]
        incoming = attachments.Incoming(attachments.PHOTO, PHOTO_TYPE, _size(photo))
        return SentFile(incoming, _fetcher(bot, photo.file_id))
    for kind, item in (
        (attachments.VOICE, message.voice),
        (attachments.AUDIO, message.audio),
        (attachments.DOCUMENT, message.document),
        (attachments.VIDEO, message.video),
        (attachments.VIDEO, message.video_note),
    ):
        if item is None:
            continue
        incoming = attachments.Incoming(
            kind,
            _text(getattr(item, "mime_type", None), 128) or DEFAULT_TYPES[kind],
            _size(item),
            _text(getattr(item, "file_name", None), 255),
        )
        return SentFile(incoming, _fetcher(bot, item.file_id))
    return None


def _size(item: object) -> int | None:
    """The size Telegram gave, if it is one: a forged update may put anything there."""
    size = getattr(item, "file_size", None)
    return size if type(size) is int and size >= 0 else None


def _text(value: object, limit: int) -> str | None:
    """A name or type from the update, if it is text, cut to what the table holds."""
    return value[:limit] if isinstance(value, str) else None


def _fetcher(bot: Bot, file_id: str):
    async def fetch(limit: int) -> bytes:
        try:
            file = await bot.get_file(file_id)
            if file.file_size is not None and file.file_size > limit:
                raise FileTooLarge(file.file_size)
            return bytes(await file.download_as_bytearray(read_timeout=DOWNLOAD_TIMEOUT))
        except BadRequest as error:
            # BadRequest is a NetworkError to PTB: told apart first.
            if "too big" in error.message.lower():
                raise FileTooLarge from error
            raise FileRefused(type(error).__name__) from error
        except TelegramError as error:
            raise FileUnavailable(type(error).__name__) from error

    return fetch
