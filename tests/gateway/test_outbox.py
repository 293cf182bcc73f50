"""The outbox: one chat's messages leased in order by one owner at a time, given back to wait,
sent once, or moved to the dead letters; on SQLite and PostgreSQL, also under racing owners."""

from __future__ import annotations

import itertools
import threading
from datetime import datetime, timedelta

import pytest
from cryptography.fernet import MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.gateway.outbox import (
    BLOCKED,
    GAVE_UP,
    LEASE,
    NO_CHAT,
    PER_CHAT,
    REJECTED,
    Outbox,
    Pending,
    requeue,
)
from bot.storage.cases import send_later
from bot.storage.keys import seal
from bot.storage.models import DeadLetter, OutboxMessage, Person
from bot.telegram_limits import UnsendableMessage
from tests.helpers.outbox import Letter, blocked_at, dead_letters, duplicates, person_of, queue

A, B, C = 1001, 1002, 1003


class Clock:
    def __init__(self) -> None:
        # Rows get the real time when queued: ahead of it, they are all due.
        self.now = datetime.utcnow() + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def texts(chat: int, count: int) -> list[str]:
    return [f"{chat}-{n}" for n in range(1, count + 1)]


def shape(batches: list[list[Pending]]) -> list[list[str]]:
    return [[item.reply.text for item in batch] for batch in batches]


def outboxes(sessions: sessionmaker, box: MultiFernet) -> tuple[Outbox, Outbox, Clock]:
    """Two replicas' outboxes on one database, with one clock: it only moves when told."""
    clock = Clock()
    return Outbox(sessions, box, "a", clock), Outbox(sessions, box, "b", clock), clock


def test_a_chat_is_leased_in_order_by_one_owner_at_a_time(
    racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    a, b, _ = outboxes(racing_sessions, box)
    queue(racing_sessions, box, A, texts(A, 3))
    queue(racing_sessions, box, B, texts(B, 2))

    batches = a.claim(10)

    assert shape(batches) == [texts(A, 3), texts(B, 2)]
    first = batches[0][0]
    assert (first.pseudonym, first.chat_id, first.attempts) == (person_of(A), A, 0)
    assert b.claim(10) == [] and a.claim(10) == []


def test_at_most_the_given_number_of_chats_oldest_first(
    racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    a, _, _ = outboxes(racing_sessions, box)
    for chat in (A, B, C):
        queue(racing_sessions, box, chat, texts(chat, 1))

    assert shape(a.claim(2)) == [texts(A, 1), texts(B, 1)]
    assert shape(a.claim(2)) == [texts(C, 1)]


def test_a_long_chat_is_leased_a_batch_at_a_time_and_the_rest_waits_behind_it(
    racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    a, b, _ = outboxes(racing_sessions, box)
    queue(racing_sessions, box, A, texts(A, PER_CHAT + 3))

    [batch] = a.claim(10)
    assert shape([batch]) == [texts(A, PER_CHAT)]
    # The unleased rest must not go out (through another replica) before the first batch.
    assert b.claim(10) == []
    for item in batch:
        a.sent(item.id)
    assert shape(b.claim(10)) == [texts(A, PER_CHAT + 3)[PER_CHAT:]]


def test_sent_deletes_only_a_row_its_owner_holds(
    racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    a, b, _ = outboxes(racing_sessions, box)
    queue(racing_sessions, box, A, texts(A, 1))
    [[item]] = a.claim(10)

    b.sent(item.id)
    assert a.waiting() == 1
    a.sent(item.id)
    assert a.waiting() == 0 and a.dead_letters() == 0


def test_a_message_given_back_holds_back_its_chat_until_its_pause_is_over(
    racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    a, b, clock = outboxes(racing_sessions, box)
    queue(racing_sessions, box, A, texts(A, 3))
    queue(racing_sessions, box, B, texts(B, 1))
    [[first, *rest], [other]] = a.claim(10)

    a.release([first.id], 5.0, attempt=True)
    a.release([item.id for item in rest])
    a.sent(other.id)
    queue(racing_sessions, box, B, [f"{B}-2"])

    # The chat's later messages, free at once, may not overtake the one that waits.
    assert shape(b.claim(10)) == [[f"{B}-2"]]
    clock.advance(5.0)
    batches = b.claim(10)
    assert shape(batches) == [texts(A, 3)]
    assert [item.attempts for item in batches[0]] == [1, 0, 0]


def test_an_expired_lease_lets_another_owner_take_the_chat(
    racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    a, b, clock = outboxes(racing_sessions, box)
    queue(racing_sessions, box, A, texts(A, 1))
    [[item]] = a.claim(10)

    assert b.claim(10) == []
    clock.advance(LEASE.total_seconds() + 1)
    assert shape(b.claim(10)) == [texts(A, 1)]
    # The first owner, back too late, cannot take the row from its new owner.
    a.sent(item.id)
    a.release([item.id], 60.0)
    assert a.claim(10) == []
    b.sent(item.id)
    assert b.waiting() == 0


def test_a_dead_message_keeps_its_content_reason_and_count_of_tries(
    racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    a, _, clock = outboxes(racing_sessions, box)
    queue(racing_sessions, box, A, texts(A, 3))
    [[first, second, third]] = a.claim(10)

    a.dead(first.id, NO_CHAT)
    a.release([second.id], attempt=True)
    a.release([third.id])
    [[second, third]] = a.claim(10)
    # Tried once more, failing for good: that try counts too.
    a.dead(second.id, GAVE_UP, tried=True)

    letters = dead_letters(racing_sessions, box)
    assert letters == [Letter(A, f"{A}-1", NO_CHAT), Letter(A, f"{A}-2", GAVE_UP)]
    with racing_sessions.begin() as session:
        rows = session.execute(select(DeadLetter).order_by(DeadLetter.id)).scalars().all()
        assert [row.attempts for row in rows] == [0, 2]
        assert {(row.pseudonym, row.dead_at) for row in rows} == {(person_of(A), clock.now)}
    assert a.waiting() == 1
    a.sent(third.id)
    assert a.waiting() == 0


def test_a_blocking_person_is_marked_and_all_their_messages_are_buried(
    racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    a, _, clock = outboxes(racing_sessions, box)
    queue(racing_sessions, box, A, texts(A, PER_CHAT + 2))  # some not even leased yet
    queue(racing_sessions, box, B, texts(B, 1))
    a.claim(1)

    assert a.blocked(person_of(A)) == PER_CHAT + 2

    letters = dead_letters(racing_sessions, box)
    assert [letter.text for letter in letters] == texts(A, PER_CHAT + 2)
    assert {letter.reason for letter in letters} == {BLOCKED}
    assert blocked_at(racing_sessions, A) == clock.now
    assert blocked_at(racing_sessions, B) is None
    assert shape(a.claim(10)) == [texts(B, 1)]


def test_a_requeued_dead_letter_is_sent_again(
    racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    a, _, _ = outboxes(racing_sessions, box)
    queue(racing_sessions, box, A, texts(A, 1))
    [[item]] = a.claim(10)
    a.dead(item.id, REJECTED)

    with racing_sessions.begin() as session:
        letter_id = session.execute(select(DeadLetter.id)).scalar_one()
        assert requeue(session, letter_id)
        assert not requeue(session, letter_id + 1000)

    assert shape(a.claim(10)) == [texts(A, 1)]
    assert a.dead_letters() == 0


def test_a_message_without_chat_goes_to_the_persons_chat_if_known(
    racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    a, _, _ = outboxes(racing_sessions, box)
    with racing_sessions.begin() as session:
        session.add(Person(pseudonym=person_of(A), language="ar", chat_ref=seal(box, A)))
        session.add(Person(pseudonym=person_of(B), language="fr"))
        # A caseworker's reply: no chat of its own, reading direction from the language.
        send_later(session, box, person_of(A), "مرحبا")
        send_later(session, box, person_of(B), "bonjour")

    [[to_a], [to_b]] = a.claim(10)

    assert (to_a.chat_id, to_a.reply.text, to_a.reply.rtl) == (A, "مرحبا", True)
    assert (to_b.chat_id, to_b.reply.rtl) == (None, False)


def test_a_console_message_to_an_arabic_speaker_keeps_numbers_in_order(
    sessions: sessionmaker, box: MultiFernet
) -> None:
    a = Outbox(sessions, box, "a", Clock())
    with sessions.begin() as session:
        session.add(Person(pseudonym=person_of(A), language="ar", chat_ref=seal(box, A)))
        send_later(session, box, person_of(A), "اتصل بنا على +212 500 00 00 02", rtl=True)

    [[to_a]] = a.claim(10)

    assert to_a.reply.text == "اتصل بنا على \u2066+212 500 00 00 02\u2069"


def test_a_console_message_too_long_for_one_goes_as_several_buttons_last(
    sessions: sessionmaker, box: MultiFernet
) -> None:
    a = Outbox(sessions, box, "a", Clock())
    paragraphs = [f"{n} " + "x" * 1500 for n in range(4)]
    rating = [("1", "r:7:1"), ("5", "r:7:5")]
    with sessions.begin() as session:
        session.add(Person(pseudonym=person_of(A), language="fr", chat_ref=seal(box, A)))
        send_later(session, box, person_of(A), "\n\n".join(paragraphs), rating)

    [batch] = a.claim(10)

    assert [item.reply.text for item in batch] == [
        "\n\n".join(paragraphs[:2]),
        "\n\n".join(paragraphs[2:]),
    ]
    assert [item.reply.buttons for item in batch] == [(), tuple(rating)]


def test_a_console_message_telegram_would_refuse_is_not_queued(
    sessions: sessionmaker, box: MultiFernet
) -> None:
    with sessions.begin() as session, pytest.raises(UnsendableMessage, match="button data"):
        send_later(session, box, person_of(A), "Note ?", [("1", "r:" + "9" * 70)])
    with sessions.begin() as session:
        assert session.execute(select(OutboxMessage)).first() is None


def test_racing_owners_never_lease_the_same_message_and_keep_each_chat_in_order(
    racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    chats = range(2001, 2013)
    queued = {chat: queue(racing_sessions, box, chat, texts(chat, PER_CHAT + 5)) for chat in chats}
    taken: list[tuple[str, Pending]] = []  # in the order the leases were taken
    lock = threading.Lock()
    errors: list[BaseException] = []

    def replica(owner: str) -> None:
        outbox = Outbox(racing_sessions, box, owner)
        try:
            while outbox.waiting():
                for batch in outbox.claim(3):
                    with lock:
                        taken.extend((owner, item) for item in batch)
                    for item in batch:
                        outbox.sent(item.id)
        except BaseException as error:  # noqa: BLE001 - reported by the test's thread
            errors.append(error)

    threads = [threading.Thread(target=replica, args=(f"replica-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    ids = [item.id for _, item in taken]
    assert duplicates(ids) == []
    assert sorted(ids) == sorted(itertools.chain.from_iterable(queued.values()))
    for chat, chat_ids in queued.items():
        assert [item.id for _, item in taken if item.chat_id == chat] == chat_ids
    assert len({owner for owner, _ in taken}) > 1  # they did race
    with racing_sessions.begin() as session:
        assert session.execute(select(OutboxMessage)).first() is None


def test_a_restarted_sender_takes_its_own_messages_back_at_once(sessions, box) -> None:
    before = Outbox(sessions, box, "gateway-1")
    queue(sessions, box, 5, ["bonjour"])
    assert before.claim(5)

    after = Outbox(sessions, box, "gateway-1")
    assert after.release_own() == 1
    ((item,),) = after.claim(5)
    assert item.reply.text == "bonjour"
