"""The inbox: stored once, one chat in order, leases that survive crashes and replicas."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from cryptography.fernet import MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.gateway.inbox import LEASE, MAX_ATTEMPTS, Inbox, Outgoing
from bot.gateway.replies import Reply
from bot.storage.keys import pseudonym, unseal
from bot.storage.models import InboxUpdate, OutboxMessage

KEYS = [b"k" * 32]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 12, 0)

    def __call__(self) -> datetime:
        return self.now


def update(update_id: int, chat: int, text: str = "salut") -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "A"},
            "text": text,
        },
    }


def inbox(sessions, box, owner: str = "a", clock=None) -> Inbox:
    return Inbox(sessions, box, KEYS, owner, clock or Clock())


def test_a_repeated_update_is_stored_once(racing_sessions: sessionmaker, box: MultiFernet) -> None:
    box_inbox = inbox(racing_sessions, box)

    assert box_inbox.store([update(1, 5), update(2, 5)]) == 2
    assert box_inbox.store([update(1, 5)]) == 0
    assert box_inbox.store([update(2, 5), update(3, 6), update(1, 5)]) == 1
    assert box_inbox.waiting() == 3


def test_the_stored_update_is_encrypted_and_keyed_by_pseudonym(
    sessions: sessionmaker, box: MultiFernet
) -> None:
    inbox(sessions, box).store([update(1, 987654, "mon secret")])

    with sessions.begin() as session:
        row = session.execute(select(InboxUpdate)).scalar_one()
        assert b"mon secret" not in row.payload and "987654" not in row.chat_key
        assert row.chat_key == pseudonym(KEYS, 987654)
        assert unseal(box, row.payload)["message"]["text"] == "mon secret"


def test_one_chat_is_taken_in_order_one_update_at_a_time(
    sessions: sessionmaker, box: MultiFernet
) -> None:
    worker = inbox(sessions, box)
    worker.store([update(1, 5), update(2, 5), update(3, 6), update(4, 5)])

    first = worker.claim(10)
    assert [item.update_id for item in first] == [1, 3]
    assert worker.claim(10) == []
    assert worker.complete(first[0], [])
    assert [item.update_id for item in worker.claim(10)] == [2]


def test_completing_queues_the_replies_and_forgets_the_content(
    sessions: sessionmaker, box: MultiFernet
) -> None:
    worker = inbox(sessions, box)
    worker.store([update(1, 5, "mon secret")])
    (item,) = worker.claim(1)
    key = pseudonym(KEYS, 5)

    assert worker.complete(item, [Outgoing(key, 5, Reply("un")), Outgoing(key, 5, Reply("deux"))])

    with sessions.begin() as session:
        row = session.execute(select(InboxUpdate)).scalar_one()
        assert (row.status, row.payload, row.chat_key) == ("done", None, "")
        bodies = session.execute(select(OutboxMessage.body).order_by(OutboxMessage.id)).scalars()
        assert [unseal(box, body) for body in bodies] == ["un", "deux"]
    assert worker.store([update(1, 5)]) == 0, "a handled update is still recognised"


def test_a_dead_workers_lease_runs_out_and_its_late_answer_is_dropped(
    sessions: sessionmaker, box: MultiFernet
) -> None:
    clock = Clock()
    crashed, survivor = inbox(sessions, box, "a", clock), inbox(sessions, box, "b", clock)
    crashed.store([update(1, 5)])
    (taken,) = crashed.claim(1)
    assert survivor.claim(1) == []

    clock.now += LEASE + timedelta(seconds=1)
    (retaken,) = survivor.claim(1)

    assert retaken.update_id == 1 and retaken.attempts == 2
    assert not crashed.complete(taken, [Outgoing("x", 5, Reply("late"))])
    assert survivor.complete(retaken, [Outgoing("x", 5, Reply("on time"))])
    with sessions.begin() as session:
        (body,) = session.execute(select(OutboxMessage.body)).scalars()
        assert unseal(box, body) == "on time"


def test_a_restarted_worker_takes_its_own_updates_back_at_once(
    sessions: sessionmaker, box: MultiFernet
) -> None:
    before = inbox(sessions, box, "gateway-1")
    before.store([update(1, 5)])
    before.claim(1)

    after = inbox(sessions, box, "gateway-1")
    assert after.release_own() == 1
    assert [item.update_id for item in after.claim(1)] == [1]


def test_a_failed_turn_waits_and_holds_back_the_chats_later_updates(
    sessions: sessionmaker, box: MultiFernet
) -> None:
    clock = Clock()
    worker = inbox(sessions, box, clock=clock)
    worker.store([update(1, 5), update(2, 5)])
    (item,) = worker.claim(5)

    assert worker.retry_later(item, Outgoing("x", 5, Reply("patience")))
    assert worker.claim(5) == []
    clock.now += timedelta(seconds=1)
    (again,) = worker.claim(5)
    assert again.update_id == 1 and again.attempts == 2
    with sessions.begin() as session:
        assert session.execute(select(OutboxMessage)).scalar_one() is not None


def test_an_update_is_given_up_on_after_many_attempts(
    sessions: sessionmaker, box: MultiFernet
) -> None:
    clock = Clock()
    worker = inbox(sessions, box, clock=clock)
    worker.store([update(1, 5), update(2, 5)])
    for _ in range(MAX_ATTEMPTS - 1):
        (item,) = worker.claim(1)
        assert worker.retry_later(item)
        clock.now += timedelta(hours=1)

    (item,) = worker.claim(1)
    assert not worker.retry_later(item)
    assert [later.update_id for later in worker.claim(5)] == [2]


def test_replicas_racing_for_updates_take_each_one_once(
    racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    replicas = [inbox(racing_sessions, box, f"replica-{n}") for n in range(4)]
    replicas[0].store([update(n, 100 + n % 7) for n in range(1, 61)])
    taken: list[int] = []
    lock = threading.Lock()

    def work(replica: Inbox) -> None:
        idle = 0
        while idle < 20:
            claimed = replica.claim(3)
            idle = 0 if claimed else idle + 1
            for item in claimed:
                with lock:
                    taken.append(item.update_id)
                assert replica.complete(item, [])

    threads = [threading.Thread(target=work, args=(replica,)) for replica in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(taken) == list(range(1, 61))
    for chat in range(7):
        mine = [n for n in taken if n % 7 == chat]
        assert mine == sorted(mine), "one chat's updates are handled in order"


def test_a_claim_that_ran_out_cannot_finish_even_in_the_same_worker(
    sessions: sessionmaker, box: MultiFernet
) -> None:
    clock = Clock()
    worker = inbox(sessions, box, "gateway-1", clock)
    worker.store([update(1, 5)])
    (slow,) = worker.claim(1)

    clock.now += LEASE + timedelta(seconds=1)
    (again,) = worker.claim(1)

    assert not worker.complete(slow, [Outgoing("x", 5, Reply("twice"))])
    assert worker.complete(again, [Outgoing("x", 5, Reply("once"))])
    with sessions.begin() as session:
        (body,) = session.execute(select(OutboxMessage.body)).scalars()
        assert unseal(box, body) == "once"


def test_an_accepted_update_is_taken_at_once_unless_its_chat_has_one_waiting(
    sessions: sessionmaker, box: MultiFernet
) -> None:
    worker = inbox(sessions, box)

    new, first = worker.accept(update(1, 5), lease=True)
    assert new == 1 and (first.update_id, first.attempts) == (1, 1)
    assert first.data == update(1, 5)
    assert worker.accept(update(2, 5), lease=True) == (1, None), "chat 5 is being handled"
    assert worker.accept(update(1, 5), lease=True) == (0, None), "a repeat is not taken"
    assert worker.accept(update(3, 6), lease=False) == (1, None)

    assert [item.update_id for item in worker.claim(10)] == [3]
    assert worker.complete(first, [])
    assert [item.update_id for item in worker.claim(10)] == [2]


def test_replicas_accepting_one_chats_updates_at_once_take_one_of_them(
    racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    replicas = [inbox(racing_sessions, box, f"replica-{n}") for n in range(4)]
    taken = []
    lock = threading.Lock()

    def accept(replica: Inbox, update_ids: range) -> None:
        for update_id in update_ids:
            _, claimed = replica.accept(update(update_id, 5), lease=True)
            if claimed is not None:
                with lock:
                    taken.append(claimed.update_id)

    threads = [
        threading.Thread(target=accept, args=(replica, range(n, 40, 4)))
        for n, replica in enumerate(replicas)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(taken) == 1, "one person's updates are never handled two at a time"
    assert replicas[0].waiting() == 40


def test_replies_go_to_the_sender_leased_when_nothing_waits_for_their_chat(
    sessions: sessionmaker, box: MultiFernet
) -> None:
    worker = inbox(sessions, box)
    worker.store([update(1, 5), update(2, 5)])
    key = pseudonym(KEYS, 5)
    (first,) = worker.claim(5)

    completed = worker.complete(
        first, [Outgoing(key, 5, Reply("un")), Outgoing(key, 5, Reply("deux"))], "sender-a"
    )

    assert [(p.pseudonym, p.chat_id, p.reply.text) for p in completed.leased] == [
        (key, 5, "un"),
        (key, 5, "deux"),
    ]
    assert completed.leased[0].id < completed.leased[1].id
    (second,) = worker.claim(5)
    later = worker.complete(second, [Outgoing(key, 5, Reply("trois"))], "sender-a")
    assert later.leased == [], "the chat's earlier replies are still waiting"
    with sessions.begin() as session:
        owners = session.execute(select(OutboxMessage.lease_owner).order_by(OutboxMessage.id))
        assert owners.scalars().all() == ["sender-a", "sender-a", None]
