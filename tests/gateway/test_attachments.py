"""Files a person sends during an open case, through the whole gateway and the fake Bot API:
fetched with getFile, kept encrypted in the thread with their caption, the person told; too
large, not retrievable, outside a case, in a crisis, and erased by /forget."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.fernet import MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from telegram import Message

from bot.crisis.kinds import BY_ID
from bot.gateway import attachments as flow
from bot.gateway import messages, telegram_app
from bot.gateway.conversation import FORGET_CONFIRM
from bot.gateway.telegram_files import sent_file
from bot.i18n import translate
from bot.settings import Settings, load_settings
from bot.storage import attachments, cases, repository
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.keys import cipher, data_keys, pseudonym
from bot.storage.models import Case, CaseAttachment
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.helpers.stack import gateway

PERSON = 4100
CAPTION = "Mon acte de naissance"
JPEG = b"\xff\xd8\xff\xe0" + b"birth-certificate-pixels " * 400


@pytest.fixture
def setup(env: dict[str, str], fake: FakeBotAPI) -> Callable[..., Settings]:
    """Settings for the gateway on the fake Bot API (Rasa unreachable: files need none)."""

    def make(**extra: str) -> Settings:
        settings = load_settings(
            {
                **env,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": fake.base_url,
                "RASA_PORT": "9",
                **extra,
            }
        )
        migrate(settings.database_url)
        return settings

    return make


def storage(settings: Settings) -> tuple[sessionmaker, MultiFernet]:
    keys = data_keys(settings)
    return session_factory(make_engine(settings.database_url)), cipher(keys)


def open_case_for(settings: Settings, user_id: int, status: str = cases.QUEUED) -> int:
    sessions, box = storage(settings)
    who = pseudonym(data_keys(settings), user_id)
    with sessions.begin() as session:
        repository.get_or_create_person(session, who, "fr")
        case = cases.create_draft(session, box, who, "fr", None, {}, cases.NORMAL, "s")
        cases.enqueue(case, case.created_at)
        case.status = status
        return case.id


def thread_with_files(settings: Settings, case_id: int) -> list[tuple[str, list]]:
    sessions, box = storage(settings)
    with sessions() as session:
        files = attachments.of_case(session, box, case_id)
        return [(e.text, files.get(e.id, [])) for e in cases.thread(session, box, case_id)]


async def test_a_photo_with_its_caption_reaches_the_thread_encrypted(
    setup, fake: FakeBotAPI
) -> None:
    settings = setup()
    case_id = open_case_for(settings, PERSON, cases.CLAIMED)
    update = fake.photo_update(PERSON, caption=CAPTION, content=JPEG)
    async with gateway(settings):
        fake.push_update(update)
        (told,) = await fake.wait_for_messages(PERSON, 1)

    assert told["text"] == translate("fr", flow.PASSED_ON)
    # The larger of the two sizes Telegram offered, fetched once.
    largest = update["message"]["photo"][-1]["file_id"]
    assert [c["file_id"] for c in fake.calls("getFile")] == [largest]
    ((caption, (photo,)),) = thread_with_files(settings, case_id)
    assert caption == CAPTION
    assert (photo.kind, photo.mime_type, photo.size) == ("photo", "image/jpeg", len(JPEG))
    sessions, box = storage(settings)
    with sessions() as session:
        (stored,) = session.execute(select(CaseAttachment.content)).scalars()
        assert b"birth-certificate" not in stored and box.decrypt(stored) == JPEG


async def test_outside_a_case_the_kind_answer_stays_and_nothing_is_fetched(
    setup, fake: FakeBotAPI
) -> None:
    settings = setup()
    async with gateway(settings):
        fake.push_update(fake.photo_update(PERSON, caption=CAPTION))
        fake.push_update(fake.voice_update(PERSON))
        photo, voice = await fake.wait_for_messages(PERSON, 2)

    assert photo["text"] == translate("fr", messages.NON_TEXT)
    assert voice["text"] == translate("fr", messages.VOICE)
    assert fake.calls("getFile") == [] and fake.downloads() == []


async def test_a_voice_note_and_a_document_keep_their_kind_type_and_name(
    setup, fake: FakeBotAPI
) -> None:
    settings = setup()
    case_id = open_case_for(settings, PERSON)
    async with gateway(settings):
        fake.push_update(fake.voice_update(PERSON, content=b"OggS voice"))
        fake.push_update(
            fake.document_update(PERSON, file_name="passeport.pdf", content=b"%PDF-1.4")
        )
        await fake.wait_for_messages(PERSON, 2)

    (_, (voice,)), (_, (document,)) = thread_with_files(settings, case_id)
    assert (voice.kind, voice.mime_type, voice.status) == ("voice", "audio/ogg", "kept")
    assert (document.kind, document.file_name, document.size) == ("document", "passeport.pdf", 8)


async def test_a_file_over_the_cap_is_not_kept_and_the_person_is_told_what_to_do(
    setup, fake: FakeBotAPI
) -> None:
    settings = setup(ATTACHMENT_MAX_MB="1")
    case_id = open_case_for(settings, PERSON, cases.CLAIMED)
    async with gateway(settings):
        fake.push_update(
            fake.document_update(PERSON, caption=CAPTION, content=b"x" * (1024 * 1024 + 1))
        )
        (told,) = await fake.wait_for_messages(PERSON, 1)

    assert told["text"] == translate(
        "fr", flow.TOO_LARGE, {"limit": flow.megabytes(1024 * 1024, "fr")}
    )
    ((caption, (missing,)),) = thread_with_files(settings, case_id)
    assert caption == CAPTION and missing.status == attachments.TOO_LARGE
    assert fake.downloads() == []


async def test_a_download_that_fails_once_is_tried_again_from_the_inbox(
    setup, fake: FakeBotAPI
) -> None:
    settings = setup()
    case_id = open_case_for(settings, PERSON)
    fake.fail_next("download", 502)
    async with gateway(settings):
        fake.push_update(fake.photo_update(PERSON, content=JPEG))
        (told,) = await fake.wait_for_messages(PERSON, 1)

    assert told["text"] == translate("fr", flow.PASSED_ON)
    assert len(fake.downloads()) == 2
    ((_, (photo,)),) = thread_with_files(settings, case_id)
    assert photo.status == attachments.KEPT


async def test_a_download_that_fails_for_good_is_recorded_in_the_thread(
    setup, fake: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telegram_app, "DOWNLOAD_ATTEMPTS", 2)
    settings = setup()
    case_id = open_case_for(settings, PERSON)
    fake.fail_next("download", 502, times=10)
    async with gateway(settings):
        fake.push_update(fake.photo_update(PERSON, caption=CAPTION))
        (told,) = await fake.wait_for_messages(PERSON, 1)

    assert told["text"] == translate("fr", flow.NOT_RETRIEVED)
    assert len(fake.downloads()) == 2
    ((caption, (missing,)),) = thread_with_files(settings, case_id)
    assert caption == CAPTION and missing.status == attachments.UNAVAILABLE


async def test_a_crisis_in_the_caption_gets_help_first_and_the_file_is_kept(
    setup, fake: FakeBotAPI
) -> None:
    settings = setup()
    case_id = open_case_for(settings, PERSON, cases.CLAIMED)
    async with gateway(settings):
        fake.push_update(fake.photo_update(PERSON, caption="il me frappe", content=JPEG))
        sent = await fake.wait_for_messages(PERSON, 1)
        await fake.wait_until(lambda: translate("fr", flow.PASSED_ON) in str(fake.sent(PERSON)))

    assert sent[0]["text"].startswith(translate("fr", BY_ID["violence"].text))
    ((caption, (photo,)),) = [e for e in thread_with_files(settings, case_id) if e[1]]
    assert caption == "il me frappe" and photo.status == attachments.KEPT
    sessions, _ = storage(settings)
    with sessions() as session:
        assert session.get(Case, case_id).priority == cases.URGENT


async def test_forget_erases_the_files(setup, fake: FakeBotAPI) -> None:
    settings = setup()
    open_case_for(settings, PERSON)
    async with gateway(settings):
        fake.push_update(fake.photo_update(PERSON, caption=CAPTION, content=JPEG))
        await fake.wait_for_messages(PERSON, 1)
        sessions, _ = storage(settings)
        with sessions() as session:
            assert session.execute(select(CaseAttachment)).first() is not None
        fake.push_update(fake.callback_update(PERSON, FORGET_CONFIRM))
        _, erased = await fake.wait_for_messages(PERSON, 2)

    assert erased["text"] == translate("fr", messages.ERASED)
    with sessions() as session:
        assert session.execute(select(CaseAttachment)).first() is None


@pytest.mark.parametrize(("cap", "width"), [(100_000, 800), (10_000, 90), (1_000, 90)])
def test_of_a_photo_the_largest_size_under_the_cap_is_taken(
    fake: FakeBotAPI, cap: int, width: int
) -> None:
    data = fake.photo_update(PERSON)["message"]
    message = Message.de_json(data, None)

    sent = sent_file(None, message, cap)

    chosen = next(p for p in data["photo"] if p["width"] == width)
    assert sent.incoming.size == chosen["file_size"]


def test_a_forged_size_or_name_is_not_taken_for_one(fake: FakeBotAPI) -> None:
    data = fake.document_update(PERSON)["message"]
    data["document"].update(file_size="50000", file_name=["x"], mime_type="a" * 300)

    sent = sent_file(None, Message.de_json(data, None), 10_000)

    assert sent.incoming.size is None and sent.incoming.file_name is None
    assert len(sent.incoming.mime_type) == 128


async def test_crisis_help_does_not_wait_for_a_file_telegram_cannot_give(
    setup, fake: FakeBotAPI
) -> None:
    settings = setup()
    case_id = open_case_for(settings, PERSON, cases.CLAIMED)
    fake.fail_next("download", 502, times=10)
    async with gateway(settings):
        fake.push_update(fake.photo_update(PERSON, caption="il me frappe"))
        sent = await fake.wait_for_messages(PERSON, 1)
        await fake.wait_until(lambda: translate("fr", flow.NOT_RETRIEVED) in str(fake.sent(PERSON)))

    assert sent[0]["text"].startswith(translate("fr", BY_ID["violence"].text))
    # Tried once, not again and again while the help waited.
    assert len(fake.downloads()) == 1
    ((caption, (missing,)),) = [e for e in thread_with_files(settings, case_id) if e[1]]
    assert caption == "il me frappe" and missing.status == attachments.UNAVAILABLE
