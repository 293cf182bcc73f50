"""/forget erases for real: after it, the database's files (``bot.db`` and its WAL and shared
memory) hold neither the plain text nor the ciphertext of what was erased, so that nothing can
be carved from them and decrypted with the data key."""

from __future__ import annotations

import uuid
from datetime import datetime

from cryptography.fernet import MultiFernet
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from bot.gateway.conversation import FORGET_CONFIRM, Conversation, Turn
from bot.settings import Settings
from bot.storage import attachments, cases, repository
from bot.storage.keys import seal
from bot.storage.models import Assessment, Case, CaseAttachment, CaseMessage, OutboxMessage
from tests.helpers.carving import carved, database_files

ERASED, KEPT = "erased-person", "kept-person"
# Rasa's tracker store keeps its (encrypted) events in the same database, in a table of its own.
RASA_EVENTS = "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)"


def plant(sessions: sessionmaker, box: MultiFernet, pseudonym: str) -> list[str]:
    """A person with answers, a queued case (packet, thread, a file, a message waiting to be
    sent) and tracker events, all with secret words of their own; returns those words."""
    words = [f"Secret{uuid.uuid4().hex}" for _ in range(8)]
    now = datetime.utcnow()
    with sessions.begin() as session:
        repository.get_or_create_person(session, pseudonym, "fr")
        repository.create_assessment(session, pseudonym, 1, seal(box, {"town": words[0]}))
        # Bigger than a page: the packet goes to overflow pages, freed apart from the row.
        packet = {"help_with": words[1], "story": words[1] * 200}
        case = cases.create_draft(session, box, pseudonym, "fr", None, packet, cases.NORMAL, "s")
        cases.enqueue(case, now)
        cases.add_message(session, box, case, cases.FROM_PERSON, words[2], now)
        cases.add_message(session, box, case, cases.FROM_PERSON, words[3] * 50, now)
        cases.send_later(session, box, pseudonym, words[4])
        # A photo the person sent, bigger than a page too, with its original name.
        photo = attachments.Incoming(attachments.DOCUMENT, "image/jpeg", None, words[6])
        content = (words[7] * 200).encode()
        attachments.add(session, box, case, "", photo, content, attachments.KEPT, now)
        session.execute(
            text("INSERT INTO events (sender_id, data) VALUES (:who, :data)"),
            {"who": pseudonym, "data": seal(box, {"text": words[5]}).decode()},
        )
    return words


def ciphertexts(sessions: sessionmaker, pseudonym: str) -> list[bytes]:
    """Every encrypted value stored about the person."""
    with sessions() as session:
        case_ids = [c.id for c in session.query(Case).filter(Case.pseudonym == pseudonym)]
        tokens = [
            *(a.progress for a in session.query(Assessment).filter_by(pseudonym=pseudonym)),
            *(c.packet for c in session.query(Case).filter(Case.id.in_(case_ids))),
            *(m.body for m in session.query(CaseMessage).filter(CaseMessage.case_id.in_(case_ids))),
            *(m.body for m in session.query(OutboxMessage).filter_by(pseudonym=pseudonym)),
            *(
                token
                for f in session.query(CaseAttachment).filter(CaseAttachment.case_id.in_(case_ids))
                for token in (f.file_name, f.content)
            ),
            *(
                row.encode()
                for row in session.execute(
                    text("SELECT data FROM events WHERE sender_id = :who"), {"who": pseudonym}
                ).scalars()
            ),
        ]
    assert len(tokens) == 9
    return tokens


async def test_nothing_of_an_erased_person_can_be_carved_from_the_database_files(
    offline_conversation: Conversation, sessions: sessionmaker, box: MultiFernet,
    settings: Settings,
) -> None:  # fmt: skip
    with sessions.begin() as session:
        session.execute(text(RASA_EVENTS))
    erased_words = plant(sessions, box, ERASED)
    kept_words = plant(sessions, box, KEPT)
    erased_tokens, kept_tokens = ciphertexts(sessions, ERASED), ciphertexts(sessions, KEPT)
    # The carving finds what is there: every piece of what is stored, encrypted.
    assert len(carved(database_files(settings.database_url), [], erased_tokens)) > 100

    await offline_conversation.button(Turn(ERASED, "fr", 1234, update_id=1), FORGET_CONFIRM)

    raw = database_files(settings.database_url)
    assert carved(raw, erased_words, erased_tokens) == []
    # Someone else's data is untouched, and still readable where it was.
    assert len(carved(raw, [], kept_tokens)) > 100
    assert not carved(raw, kept_words, [])
    with sessions() as session:
        assert session.query(Case).filter_by(pseudonym=KEPT).count() == 1
