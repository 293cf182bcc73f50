"""Files in a case's thread: stored encrypted with the thread message that holds their caption.

A file arrives with a message of the person (its caption, or empty); the file itself is a row
of ``case_attachments``. Its bytes and its original name are sealed with the data key like the
thread's texts; the kind, the type Telegram gave and the size stay clear. A file that could not
be kept leaves a row without content, so the caseworker sees that something came and why it is
missing. Attachments go with their case: retention and ``/forget`` delete them with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage import cases
from bot.storage.keys import seal, unseal
from bot.storage.models import Case, CaseAttachment

PHOTO, VOICE, AUDIO, DOCUMENT, VIDEO = "photo", "voice", "audio", "document", "video"
KINDS = (PHOTO, VOICE, AUDIO, DOCUMENT, VIDEO)
KEPT, TOO_LARGE, UNAVAILABLE = "kept", "too_large", "unavailable"


@dataclass(frozen=True)
class Attachment:
    """A file of the thread as the console shows it, without its bytes."""

    id: int
    message_id: int
    kind: str
    status: str
    mime_type: str
    size: int | None
    file_name: str | None


@dataclass(frozen=True)
class Incoming:
    """A file as it arrived: what Telegram says of it, and its bytes once fetched."""

    kind: str
    mime_type: str
    size: int | None
    file_name: str | None = None


def add(
    session: Session, box: MultiFernet, case: Case, caption: str, incoming: Incoming,
    content: bytes | None, status: str, now: datetime, update_id: int | None = None,
) -> CaseAttachment:  # fmt: skip
    """The person's message (``caption``, maybe empty) and its file in the case's thread;
    ``content`` None with a ``status`` saying why it was not kept."""
    if incoming.kind not in KINDS:
        raise ValueError(f"unknown attachment kind {incoming.kind!r}")
    if (content is None) == (status == KEPT):
        raise ValueError("a kept file has content, and only a kept file")
    message = cases.add_message(
        session, box, case, cases.FROM_PERSON, caption, now, update_id=update_id
    )
    session.flush()
    attachment = CaseAttachment(
        case_id=case.id,
        message_id=message.id,
        kind=incoming.kind,
        status=status,
        mime_type=incoming.mime_type,
        size=len(content) if content is not None else incoming.size,
        file_name=seal(box, incoming.file_name) if incoming.file_name else None,
        content=box.encrypt(content) if content is not None else None,
        created_at=now,
    )
    session.add(attachment)
    session.flush()
    return attachment


def of_case(
    session: Session, box: MultiFernet, case_id: int, message_ids: Iterable[int] | None = None
) -> dict[int, list[Attachment]]:
    """The case's files by the id of the thread message they came with, without their bytes;
    only those of ``message_ids`` when given (a page's new entries)."""
    wanted = CaseAttachment.case_id == case_id
    if message_ids is not None:
        wanted &= CaseAttachment.message_id.in_(list(message_ids))
    rows = session.execute(
        select(
            CaseAttachment.id,
            CaseAttachment.message_id,
            CaseAttachment.kind,
            CaseAttachment.status,
            CaseAttachment.mime_type,
            CaseAttachment.size,
            CaseAttachment.file_name,
        )
        .where(wanted)
        .order_by(CaseAttachment.id)
    ).all()
    found: dict[int, list[Attachment]] = defaultdict(list)
    for row in rows:
        name = unseal(box, row.file_name) if row.file_name else None
        found[row.message_id].append(
            Attachment(row.id, row.message_id, row.kind, row.status, row.mime_type, row.size, name)
        )
    return dict(found)


def content(
    session: Session, box: MultiFernet, case_id: int, attachment_id: int
) -> tuple[Attachment, bytes] | None:
    """A kept file of that case with its bytes; None when the case has no such file."""
    row = session.get(CaseAttachment, attachment_id)
    if row is None or row.case_id != case_id or row.content is None:
        return None
    name = unseal(box, row.file_name) if row.file_name else None
    described = Attachment(
        row.id, row.message_id, row.kind, row.status, row.mime_type, row.size, name
    )
    return described, box.decrypt(row.content)
