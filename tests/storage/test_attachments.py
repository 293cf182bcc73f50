"""Files in a case's thread: stored encrypted, read back, and gone with their case under the
retention periods and /forget."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.storage import attachments, cases, repository
from bot.storage.models import Case, CaseAttachment, CaseMessage
from bot.storage.retention import RetentionPolicy, purge_and_scrub
from tests.helpers.carving import carved, database_files

NOW = datetime(2026, 12, 7, 12, 0)
PHOTO_BYTES = b"\xff\xd8\xff\xe0" + b"SecretBirthCertificatePixels" * 40
CAPTION = "Mon acte de naissance"
PHOTO = attachments.Incoming(attachments.PHOTO, "image/jpeg", len(PHOTO_BYTES))
DOCUMENT = attachments.Incoming(attachments.DOCUMENT, "application/pdf", 80, "passeport-Awa.pdf")


def open_case(session, box, pseudonym: str = "person-1") -> Case:
    repository.get_or_create_person(session, pseudonym, "fr")
    case = cases.create_draft(session, box, pseudonym, "fr", None, {}, cases.NORMAL, "s")
    cases.enqueue(case, NOW)
    return case


def stored_files(session) -> int:
    return session.execute(select(func.count()).select_from(CaseAttachment)).scalar_one()


def test_a_file_is_stored_encrypted_with_its_caption_in_the_thread(sessions, box) -> None:
    with sessions.begin() as session:
        case = open_case(session, box)
        kept = attachments.add(
            session, box, case, CAPTION, DOCUMENT, b"%PDF-1.4 x", attachments.KEPT, NOW, 7
        )
        case_id, attachment_id = case.id, kept.id

    with sessions() as session:
        row = session.get(CaseAttachment, attachment_id)
        # Neither the bytes nor the name are in the clear; type and size are.
        assert b"%PDF" not in row.content and b"passeport" not in row.file_name
        assert (row.mime_type, row.size) == ("application/pdf", 10)
        (entry,) = cases.thread(session, box, case_id)
        assert (entry.kind, entry.text) == (cases.FROM_PERSON, CAPTION)
        assert cases.has_message_from(session, case, 7)
        (listed,) = attachments.of_case(session, box, case_id)[entry.id]
        assert listed.file_name == "passeport-Awa.pdf" and listed.status == attachments.KEPT
        described, content = attachments.content(session, box, case_id, attachment_id)
        assert content == b"%PDF-1.4 x" and described == listed
        # Another case's id does not reach it.
        assert attachments.content(session, box, case_id + 1, attachment_id) is None


def test_a_file_not_kept_leaves_a_row_without_content(sessions, box) -> None:
    with sessions.begin() as session:
        case = open_case(session, box)
        attachments.add(session, box, case, "", PHOTO, None, attachments.TOO_LARGE, NOW)
        case_id = case.id

    with sessions() as session:
        ((missing,),) = attachments.of_case(session, box, case_id).values()
        assert missing.status == attachments.TOO_LARGE and missing.size == len(PHOTO_BYTES)
        assert attachments.content(session, box, case_id, missing.id) is None


@pytest.mark.parametrize(
    ("content", "status"),
    [(None, attachments.KEPT), (b"x", attachments.TOO_LARGE)],
    ids=["kept without content", "not kept with content"],
)
def test_content_and_status_must_agree(sessions, box, content, status) -> None:
    with sessions.begin() as session, pytest.raises(ValueError):
        attachments.add(session, box, open_case(session, box), "", PHOTO, content, status, NOW)


def test_forget_erases_the_files_for_real(sessions, box, settings) -> None:
    with sessions.begin() as session:
        erased = open_case(session, box, "erased")
        attachments.add(session, box, erased, CAPTION, PHOTO, PHOTO_BYTES, attachments.KEPT, NOW)
        kept = open_case(session, box, "kept")
        attachments.add(session, box, kept, "", PHOTO, b"OtherPersonsPhoto", attachments.KEPT, NOW)
    with sessions() as session:
        (token,) = session.execute(
            select(CaseAttachment.content).where(CaseAttachment.case_id == erased.id)
        ).scalars()

    with sessions.begin() as session:
        repository.erase_person(session, "erased")
    purge_and_scrub(sessions, NOW, RetentionPolicy(inactive_days=10_000))

    with sessions() as session:
        assert [r.case_id for r in session.execute(select(CaseAttachment)).scalars()] == [kept.id]
        assert (
            session.execute(
                select(func.count())
                .select_from(CaseMessage)
                .where(CaseMessage.case_id == erased.id)
            ).scalar_one()
            == 0
        )
    assert carved(database_files(settings.database_url), ["SecretBirthCertificate"], [token]) == []


def test_closed_case_retention_takes_the_files_with_the_case(sessions, box) -> None:
    policy = RetentionPolicy(inactive_days=10_000, closed_case_days=365)
    with sessions.begin() as session:
        for closed_days_ago in (366, 100):
            case = open_case(session, box, f"closed-{closed_days_ago}")
            attachments.add(session, box, case, "", PHOTO, PHOTO_BYTES, attachments.KEPT, NOW)
            cases.close(session, box, case, "assisted", "", NOW - timedelta(days=closed_days_ago))

    counts = purge_and_scrub(sessions, NOW, policy)

    assert counts["closed_cases"] == 1
    with sessions() as session:
        (left,) = session.execute(select(CaseAttachment)).scalars()
        assert session.get(Case, left.case_id).pseudonym == "closed-100"
        assert stored_files(session) == 1
