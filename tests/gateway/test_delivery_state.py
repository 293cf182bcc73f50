"""A caseworker's message in its case thread follows its outbox rows: queued, sent once Telegram
has every part, failed with the dead letter's reason; sent again from the dead letters, queued
again. Through the real sender and a fake Telegram, and through the outbox's own calls."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from cryptography.fernet import MultiFernet
from sqlalchemy.orm import sessionmaker
from telegram import Bot

from bot.gateway.bot_api_transport import AiohttpRequest
from bot.gateway.outbox import BLOCKED, GAVE_UP, REJECTED, Outbox, requeue
from bot.gateway.ratelimit import Limits, LocalLimiter
from bot.gateway.sender import Sender
from bot.storage import cases
from bot.storage.keys import seal
from bot.storage.models import CaseMessage, DeadLetter, Person
from bot.telegram_limits import MAX_MESSAGE_LENGTH
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.helpers.outbox import person_of

CHAT = 4242
LIMITS = Limits(bot_rate=50.0, bot_burst=10.0, chat_rate=10.0, chat_burst=5.0)


@pytest.fixture
def sessions(racing_sessions: sessionmaker) -> sessionmaker:
    """SQLite, then PostgreSQL when the machine has it: the sender's statements run on both."""
    return racing_sessions


def reply(sessions: sessionmaker, box: MultiFernet, text: str, chat: int = CHAT) -> int:
    """A caseworker's reply in an open case, queued for the person as the console does."""
    with sessions.begin() as session:
        person = person_of(chat)
        if session.get(Person, person) is None:
            session.add(Person(pseudonym=person, language="fr", chat_ref=seal(box, chat)))
        case = cases.create_draft(session, box, person, "fr", None, {}, cases.NORMAL, "x")
        cases.enqueue(case, datetime.utcnow())
        message = cases.add_message(
            session, box, case, cases.FROM_CASEWORKER, text, datetime.utcnow(), 1
        )
        cases.send_later(session, box, person, text, message=message)
        session.flush()
        return message.id


def state(sessions: sessionmaker, entry: int) -> tuple[str | None, str | None]:
    with sessions() as session:
        message = session.get(CaseMessage, entry)
        return message.delivery, message.delivery_reason


def leased(outbox: Outbox) -> list[int]:
    return [pending.id for batch in outbox.claim(10) for pending in batch]


def test_a_reply_is_queued_then_sent_once_its_last_part_is(sessions, box) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    entry = reply(sessions, box, "mot " * (MAX_MESSAGE_LENGTH // 3))  # two messages for Telegram

    first, second = leased(outbox)
    assert state(sessions, entry) == (cases.DELIVERY_QUEUED, None)
    outbox.sent(first)
    assert state(sessions, entry) == (cases.DELIVERY_QUEUED, None)
    outbox.sent(second)
    assert state(sessions, entry) == (cases.DELIVERY_SENT, None)


def test_both_parts_sent_in_one_batch_mark_it_sent(sessions, box) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    entry = reply(sessions, box, "mot " * (MAX_MESSAGE_LENGTH // 3))

    outbox.sent(*leased(outbox))

    assert state(sessions, entry) == (cases.DELIVERY_SENT, None)


def test_a_dead_letter_marks_it_failed_and_sending_again_queued(sessions, box) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    entry = reply(sessions, box, "Votre rendez-vous est lundi.")
    other = reply(sessions, box, "Autre cas", chat=CHAT + 1)

    (row, _) = leased(outbox)
    outbox.dead(row, GAVE_UP, tried=True)

    assert state(sessions, entry) == (cases.DELIVERY_FAILED, GAVE_UP)
    assert state(sessions, other) == (cases.DELIVERY_QUEUED, None)
    with sessions.begin() as session:
        (letter,) = session.query(DeadLetter).all()
        assert letter.case_message_id == entry
        assert requeue(session, letter.id)
    assert state(sessions, entry) == (cases.DELIVERY_QUEUED, None)


def test_a_person_who_blocked_the_bot_fails_every_waiting_reply(sessions, box) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    first = reply(sessions, box, "Un")
    second = reply(sessions, box, "Deux")

    assert outbox.blocked(person_of(CHAT)) == 2

    assert state(sessions, first) == state(sessions, second) == (cases.DELIVERY_FAILED, BLOCKED)


async def test_the_sender_marks_what_telegram_accepted_and_refused(
    sessions, box, fake: FakeBotAPI
) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    refused = reply(sessions, box, "Refusé")
    accepted = reply(sessions, box, "Accepté")
    fake.fail_next("sendMessage", 400, "Bad Request: message is too long", chat_id=CHAT)

    request = AiohttpRequest(connections=8, read_timeout=5.0)
    async with Bot(TOKEN, base_url=fake.base_url, request=request) as bot:
        sender = Sender(outbox, bot, LocalLimiter(LIMITS))
        task = asyncio.create_task(sender.run())
        try:
            await fake.wait_until(lambda: outbox.waiting() == 0, 20.0, "an empty outbox")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    assert [message["text"] for message in fake.sent(CHAT)] == ["Accepté"]
    assert state(sessions, refused) == (cases.DELIVERY_FAILED, REJECTED)
    assert state(sessions, accepted) == (cases.DELIVERY_SENT, None)
