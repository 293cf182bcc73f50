"""Key rotation round trip: every encrypted value moves to the new key, nothing is lost."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select

from bot.cli import rotate_key
from bot.console import auth
from bot.rasa_glue.tracker_store import EncryptedSQLTrackerStore
from bot.settings import load_settings
from bot.storage import attachments, cases
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.keys import cipher, data_keys, pseudonym, seal
from bot.storage.models import (
    Assessment,
    Case,
    CaseAttachment,
    CaseMessage,
    Caseworker,
    OutboxMessage,
    Person,
)
from bot.storage.rotation import ENCRYPTED_COLUMNS


async def test_rotation_reencrypts_everything_and_keeps_it_readable(tmp_path: Path) -> None:
    settings = load_settings({"BOT_VAR_DIR": str(tmp_path / "var")})
    migrate(settings.database_url)
    (old,) = data_keys(settings)
    box = cipher([old])
    sessions = session_factory(make_engine(settings.database_url))
    person = pseudonym([old], 42)
    with sessions.begin() as session:
        session.add(Person(pseudonym=person, language="fr", chat_ref=seal(box, 42)))
        session.add(
            Assessment(
                pseudonym=person, definition_version=1, status="completed",
                progress=seal(box, {"answers": {"prof_town": "Kaolack"}}),
                result=seal(box, {"scores": {}}),
            )
        )  # fmt: skip
        case = cases.create_draft(session, box, person, "fr", None, {"help_with": "x"}, 2, "s")
        cases.add_message(session, box, case, cases.FROM_PERSON, "bonjour", datetime.utcnow())
        document = attachments.Incoming(attachments.DOCUMENT, "application/pdf", 3, "acte.pdf")
        attachments.add(
            session, box, case, "", document, b"PDF", attachments.KEPT, datetime.utcnow()
        )
        cases.send_later(session, box, person, "réponse", [("1", "r:1:1")])
        auth.create_account(session, box, "awa", "a long enough password", "caseworker")
    store = EncryptedSQLTrackerStore(
        domain=Domain.empty(), dialect="sqlite", db=str(settings.var_dir / "bot.db"), keys=[old]
    )
    tracker = DialogueStateTracker.from_events(person, [UserUttered("je suis en danger")])
    await store.save(tracker)

    rotate_key(settings)

    keys = data_keys(settings)
    assert len(keys) == 2 and keys[1] == old, "the new key comes first, the old one stays"
    only_new = Fernet(keys[0])
    with sessions.begin() as session:
        for table, _, columns in ENCRYPTED_COLUMNS:
            for row in session.execute(select(*(table.c[c] for c in columns))).all():
                for token in row:
                    if token:
                        only_new.decrypt(bytes(token))
        assert session.execute(select(Person.pseudonym)).scalar_one() == pseudonym(keys, 42)
        for model in (Assessment, Case, CaseMessage, CaseAttachment, Caseworker, OutboxMessage):
            assert session.execute(select(model)).first() is not None
    reader = EncryptedSQLTrackerStore(
        domain=Domain.empty(), dialect="sqlite", db=str(settings.var_dir / "bot.db"),
        keys=[keys[0]],
    )  # fmt: skip
    restored = await reader.retrieve(person)
    assert restored.latest_message.text == "je suis en danger"
