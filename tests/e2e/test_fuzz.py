"""A batch of odd updates through the whole gateway, with the real Rasa behind it.

Generated updates (huge and right-to-left texts, emoji sequences, forged and stale buttons,
groups and channels, edits, messages without a sender, wrong types, update types nobody
handles, updates python-telegram-bot cannot even read) arrive the two ways production gets
them: through the fake Bot API, which the gateway polls, and straight into the inbox, as the
webhook stores them. Then:

- every stored update is handled, once (``attempts == 1``), none left pending or given up;
- every message sent is a kind text: not empty, no trace of the code's internals;
- no chat receives the same message twice, and Telegram refuses none of our replies;
- the gateway still answers a plain "bonjour".

The batch is random: a failure names its ``FUZZ_SEED``, and ``FUZZ_SEED=<n>`` replays it.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update

from bot.gateway.inbox import DONE, PENDING, Inbox
from bot.settings import Settings
from bot.storage.db import make_engine, session_factory
from bot.storage.keys import cipher, data_keys
from bot.storage.models import InboxUpdate, OutboxMessage
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers.odd_updates import junk_kinds, leaks_internals, odd_kinds

pytestmark = pytest.mark.e2e

# Rounds through every kind of update (23 of them): about 70 updates.
ROUNDS = 3
SEED = int(os.environ.get("FUZZ_SEED") or random.randrange(2**32))
# People of this test only: other end-to-end tests count up from 1000.
_people = itertools.count(7_000_000)
# The fake Bot API numbers the updates it queues from 1; updates stored straight into the
# inbox take ids far above, which it will never reach.
_direct_ids = itertools.count(1_000_000_000)


@dataclass(frozen=True)
class Pushed:
    update_id: int
    person: int
    kind: str
    update: dict

    def __str__(self) -> str:
        text = json.dumps(self.update, ensure_ascii=False)
        return f"{self.kind} update {self.update_id}: {text[:600]}"


@pytest.fixture
def database(telegram_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(telegram_settings.database_url)
    yield session_factory(engine)
    engine.dispose()


def push_rounds(fake: FakeBotAPI, inbox: Inbox) -> list[Pushed]:
    """Hand ``ROUNDS`` rounds of odd updates to the gateway, without waiting for them.

    Each Hypothesis example is a round through every kind of update, for a new person each:
    left to ``st.one_of``, a batch this small would meet only some kinds. Hypothesis starts
    with the simplest round (empty texts, first choices everywhere), then draws at random.
    """
    pushed: list[Pushed] = []
    odd, junk = list(odd_kinds(0)), list(junk_kinds(0))

    def hand_over(person: int, route: str, kind: str, update: dict) -> None:
        # Telegram only sends the update types the gateway asks for (all those PTB knows);
        # others can only come by webhook.
        if route == "polling" and next(iter(update), None) in Update.ALL_TYPES:
            pushed.append(Pushed(fake.push_update(update), person, kind, update))
            return
        update_id = next(_direct_ids)
        assert inbox.store([{**update, "update_id": update_id}]) == 1
        pushed.append(Pushed(update_id, person, f"{kind} (webhook)", update))

    @seed(SEED)
    @settings(
        max_examples=ROUNDS,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        # A round is a large example, on purpose.
        suppress_health_check=[HealthCheck.large_base_example, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def one_round(data: st.DataObject) -> None:
        for kind in odd + junk:
            person = next(_people)
            route = data.draw(st.sampled_from(["polling", "webhook"]), label="route")
            kinds = {**odd_kinds(person), **junk_kinds(person)}
            hand_over(person, route, kind, data.draw(kinds[kind], label=kind))

    one_round()
    return pushed


def inbox_rows(sessions: sessionmaker[Session], ids: list[int]) -> dict[int, InboxUpdate]:
    with sessions() as session:
        rows = session.execute(select(InboxUpdate).where(InboxUpdate.update_id.in_(ids)))
        return {row.update_id: row for row in rows.scalars()}


def waiting_replies(sessions: sessionmaker[Session], since: datetime) -> int:
    with sessions() as session:
        query = select(func.count()).where(OutboxMessage.created_at >= since)
        return session.execute(query).scalar_one()


async def test_odd_updates_are_each_handled_once_and_kindly(
    bot: FakeBotAPI, telegram_settings: Settings, database: sessionmaker[Session]
) -> None:
    replay = f"(replay with FUZZ_SEED={SEED})"
    keys = data_keys(telegram_settings)
    inbox = Inbox(database, cipher(keys), keys, "fuzz-webhook")
    started = datetime.utcnow()

    batch = push_rounds(bot, inbox)

    by_id = {p.update_id: p for p in batch}
    assert len(by_id) == len(batch) >= ROUNDS * 20, replay

    def unsettled() -> list[int]:
        rows = inbox_rows(database, list(by_id))
        return [i for i in by_id if i not in rows or rows[i].status == PENDING]

    def still_pending() -> str:
        return f"{replay} updates still pending:\n" + "\n".join(str(by_id[i]) for i in unsettled())

    await bot.wait_until(lambda: not unsettled(), timeout=45, description=still_pending)
    await bot.wait_until(
        lambda: waiting_replies(database, started) == 0,
        timeout=15,
        description=f"{replay} the outbox to empty",
    )

    rows = inbox_rows(database, list(by_id))
    handled_twice = [by_id[i] for i, row in rows.items() if row.attempts != 1]
    assert not handled_twice, f"{replay} handled more than once: {handled_twice}"
    assert {row.status for row in rows.values()} == {DONE}, replay

    sent = bot.sent()
    for message in sent:
        text = message["text"]
        assert text.strip() and not leaks_internals(text), f"{replay} unkind reply: {text!r}"
    copies = Counter(
        (str(m["chat_id"]), m["text"], json.dumps(m["reply_markup"], sort_keys=True)) for m in sent
    )
    repeated = [key for key, count in copies.items() if count > 1]
    assert not repeated, f"{replay} the same message twice in a chat: {repeated}"
    # Not even for a forged chat id: such an update is dropped before anything is sent.
    refused = [(f["params"].get("chat_id"), f["description"]) for f in bot.failed("sendMessage")]
    assert not refused, f"{replay} Telegram refused replies: {refused}"
    left = Counter(c["chat_id"] for c in bot.calls("leaveChat"))
    assert all(count == 1 for count in left.values()), f"{replay} left a chat twice: {left}"

    # And the gateway still talks to the next person.
    person = next(_people)
    bot.push_update(bot.text_update(person, "bonjour"))
    (hello, *_) = await bot.wait_for_messages(person, 1)
    assert hello["text"].strip() and not leaks_internals(hello["text"])
