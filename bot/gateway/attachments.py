"""Files a person sends while a case of theirs is open: fetched from Telegram and kept in the
case's thread (``bot.storage.attachments``), with the caption as the message's text.

The flow knows nothing of Telegram: the front gives it a ``SentFile`` whose ``fetch`` raises
``FileUnavailable`` when Telegram cannot give the file now (the update is then handled again
later, from the inbox) and ``FileRefused`` when it never will. Outside an open case it answers
None, and the caller gives its usual kind answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from babel.units import format_unit
from cryptography.fernet import MultiFernet
from sqlalchemy.orm import Session, sessionmaker

from bot.gateway.assessment import Who
from bot.gateway.replies import Reply
from bot.i18n import N_, babel_locale, is_rtl, translate
from bot.storage import attachments, cases

PASSED_ON = N_(
    "Merci, votre fichier est transmis à votre référent, qui le verra avec votre demande et "
    "vous répondra ici."
)
TOO_LARGE = N_(
    "Ce fichier est trop lourd pour que je le transmette (au-delà de {limit}). Vous pouvez "
    "envoyer une photo de la page plutôt que le document entier, ou un message vocal plus court. "
    "Vous pouvez aussi décrire ici ce qu'il contient, ou l'apporter au centre."
)
NOT_RETRIEVED = N_(
    "Désolé, je n'ai pas pu récupérer votre fichier. Pouvez-vous l'envoyer à nouveau ? Votre "
    "référent sait qu'un fichier n'a pas pu être reçu."
)
STATUS_REPLIES = {
    attachments.KEPT: PASSED_ON,
    attachments.TOO_LARGE: TOO_LARGE,
    attachments.UNAVAILABLE: NOT_RETRIEVED,
}


class FileUnavailable(Exception):
    """Telegram could not give the file now (network, timeout, 5xx): try the update again."""


class FileRefused(Exception):
    """Telegram will never give the file (an unknown or expired file id)."""


class FileTooLarge(FileRefused):
    """Over the cap, as Telegram says when asked for it (the update did not give its size)."""


@dataclass(frozen=True)
class SentFile:
    """A file as the front received it: what it is, and how to fetch its bytes (at most
    ``limit`` of them, else ``FileTooLarge``)."""

    incoming: attachments.Incoming
    fetch: Callable[[int], Awaitable[bytes]]


def megabytes(size: int, language: str) -> str:
    """A size limit in the reader's words and digits: "10 Mo", "10 MB", "١٠ م.ب"."""
    return format_unit(
        round(size / (1024 * 1024), 1), "digital-megabyte", "short", locale=babel_locale(language)
    )


class AttachmentFlow:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        box: MultiFernet,
        max_bytes: int,
        clock: Callable[[], datetime] = datetime.utcnow,
    ) -> None:
        self._sessions = sessions
        self._box = box
        self._max_bytes = max_bytes
        self._clock = clock

    async def receive(
        self, who: Who, sent: SentFile, caption: str, final: bool
    ) -> list[Reply] | None:
        """Keep the file in the open case's thread and say so; None without an open case.

        ``final``: a file Telegram cannot give now is recorded as not retrieved instead of
        raising ``FileUnavailable`` (the last attempt, or a turn that must not wait: crisis
        help).
        """
        if not who.case_open:
            return None
        state = await asyncio.to_thread(self._state, who)
        if state is None:
            return None
        if state:
            # Handled again after its file was kept: say it again, keep nothing twice.
            return [self._reply(who, PASSED_ON)]
        content, status = await self._fetch(sent, final)
        return await asyncio.to_thread(self._store, who, sent, caption, content, status)

    async def _fetch(self, sent: SentFile, final: bool) -> tuple[bytes | None, str]:
        if sent.incoming.size is not None and sent.incoming.size > self._max_bytes:
            return None, attachments.TOO_LARGE
        try:
            content = await sent.fetch(self._max_bytes)
        except FileTooLarge:
            return None, attachments.TOO_LARGE
        except FileRefused:
            return None, attachments.UNAVAILABLE
        except FileUnavailable:
            if not final:
                raise
            return None, attachments.UNAVAILABLE
        if len(content) > self._max_bytes:
            return None, attachments.TOO_LARGE
        return content, attachments.KEPT

    def _state(self, who: Who) -> bool | None:
        """None without a queued or claimed case; else whether this update is in its thread."""
        with self._sessions() as session:
            case = cases.open_case(session, who.pseudonym)
            if case is None or case.status not in cases.OPEN_STATUSES:
                return None
            return who.update_id is not None and cases.has_message_from(
                session, case, who.update_id
            )

    def _store(
        self, who: Who, sent: SentFile, caption: str, content: bytes | None, status: str
    ) -> list[Reply] | None:
        with self._sessions.begin() as session:
            case = cases.open_case(session, who.pseudonym)
            # Closed by the caseworker while the file was on its way.
            if case is None or case.status not in cases.OPEN_STATUSES:
                return None
            attachments.add(
                session, self._box, case, caption, sent.incoming, content, status,
                self._clock(), who.update_id,
            )  # fmt: skip
        limit = megabytes(self._max_bytes, who.language)
        return [self._reply(who, STATUS_REPLIES[status], limit=limit)]

    def _reply(self, who: Who, message: str, **values: str) -> Reply:
        return Reply(translate(who.language, message, values or None), rtl=is_rtl(who.language))
