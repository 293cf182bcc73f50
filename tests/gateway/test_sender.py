"""Fault injection: the outbox sender against a fake Telegram and a real database.

The fake Bot API is a real HTTP server and the bot a real python-telegram-bot ``Bot``; the
faults are Telegram's own answers (429, 502, 403, 400) and a client timeout. Whatever happens,
every queued message is delivered or dead-lettered exactly once, a chat's messages arrive in
the order they were queued, and the requests reaching Telegram keep to the rate limits, also
with two replicas sharing a PostgreSQL database and a Redis limiter.

The rate is measured where Telegram would measure it: at the fake, on every sendMessage
request, failed ones too. A request reaches the fake a little after its token was granted, and
that delay varies (the event loop, the fake's thread sharing the interpreter, the socket), so
two requests granted a window plus that variation apart can arrive just a window apart. The
tests measure the variation rather than guess it: the limiter the sender gets notes when each
token was granted, and each token is matched with its request (one chat's sends are
sequential, so the k-th token of a chat goes with its k-th request). A window's bound is then
``burst + rate * (window + variation)``, rounded down to whole messages.

The client timeout is a request the fake holds without handling it: had Telegram taken the
message before the client gave up, the retry would show it twice, which no client can avoid
(sendMessage has no idempotency key); see ``FakeBotAPI.fail_next``.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from cryptography.fernet import MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from telegram import Bot

from bot.gateway import sender as sender_module
from bot.gateway.alerts import CaseworkerAlerts
from bot.gateway.bot_api_transport import AiohttpRequest
from bot.gateway.inbox import Inbox, Outgoing
from bot.gateway.outbox import BLOCKED, GAVE_UP, REJECTED, Outbox
from bot.gateway.ratelimit import Limits, LocalLimiter, RateLimiter, RedisLimiter
from bot.gateway.replies import Reply
from bot.gateway.sender import Sender
from bot.storage.db import make_engine, session_factory
from bot.storage.models import DeadLetter
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.helpers.outbox import (
    KEYS,
    Letter,
    blocked_at,
    dead_letters,
    duplicates,
    person_of,
    queue,
)
from tests.helpers.rates import most_in_window
from tests.helpers.redis_server import REDIS_URL

A, B, C, D, E, F = 101, 102, 103, 104, 105, 106
# Generous enough to keep the fault tests short, low enough that they are still checked.
FAULT_LIMITS = Limits(bot_rate=50.0, bot_burst=10.0, chat_rate=10.0, chat_burst=3.0)
RATE_LIMITS = Limits(bot_rate=20.0, bot_burst=5.0, chat_rate=2.0, chat_burst=2.0)
WINDOWS = (0.5, 1.0)
# Usually a few milliseconds, some tenths of a second on a busy machine; beyond this the
# rate bounds would say little.
MAX_VARIATION = 1.0
RETRY_PAUSE = 0.2  # pause_after(), shortened
RETRY_AFTER = 1  # seconds, Telegram's 429 (a whole number in the Bot API)
READ_TIMEOUT = 0.5
STALL = 1.5  # an answer this late is a timeout for the client
# The outbox counts pauses with the wall clock, the fake with the monotonic one.
CLOCK_SLACK = 0.01
SETTLE = 20.0
STOP_TIMEOUT = 10.0  # a send in flight is seen through: up to a read timeout


class Metered:
    """The sender's limiter, noting when each token was granted: between the call to
    ``acquire`` and its return (Redis decides the instant itself)."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self.grants: dict[str, list[tuple[float, float]]] = defaultdict(list)

    @property
    def healthy(self) -> bool:
        return self.limiter.healthy

    async def acquire(self, chat_key: str) -> float:
        before = time.monotonic()
        wait = await self.limiter.acquire(chat_key)
        if wait == 0:
            self.grants[chat_key].append((before, time.monotonic()))
        return wait

    async def aclose(self) -> None:
        await self.limiter.aclose()


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sender_module, "pause_after", lambda attempts: RETRY_PAUSE)


@asynccontextmanager
async def telegram(fake: FakeBotAPI, read_timeout: float = 5.0) -> AsyncIterator[Bot]:
    # Above the sender's concurrency: no waiting for a connection.
    request = AiohttpRequest(connections=64, read_timeout=read_timeout)
    async with Bot(TOKEN, base_url=fake.base_url, request=request) as bot:
        yield bot


@asynccontextmanager
async def sending(
    outbox: Outbox, bot: Bot, limiter: RateLimiter, concurrency: int = 32
) -> AsyncIterator[Sender]:
    sender = Sender(outbox, bot, limiter, concurrency)
    task = asyncio.create_task(sender.run())
    try:
        yield sender
    finally:
        task.cancel()
        # A sender that misses its cancellation never stops: fail rather than hang.
        done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT)
        assert done, "the sender did not stop when cancelled"
        if not task.cancelled():
            task.result()


def texts(chat: int, count: int, tag: str = "") -> list[str]:
    return [f"{chat}-{tag}{n}" for n in range(1, count + 1)]


def queue_all(sessions: sessionmaker, box: MultiFernet, queued: dict[int, list[str]]) -> None:
    for chat, chat_texts in queued.items():
        queue(sessions, box, chat, chat_texts)


async def settle(fake: FakeBotAPI, outbox: Outbox) -> None:
    """Until nothing is left to send: every row is sent or dead."""
    await fake.wait_until(lambda: outbox.waiting() == 0, SETTLE, "an empty outbox")


def assert_each_once_in_order(
    fake: FakeBotAPI, sessions: sessionmaker, box: MultiFernet, queued: dict[int, list[str]]
) -> list[Letter]:
    """Every queued text was delivered or dead-lettered, exactly once, and each chat's
    delivered texts came in the order queued; returns the dead letters."""
    delivered = [(message["chat_id"], message["text"]) for message in fake.sent()]
    letters = dead_letters(sessions, box)
    buried = [(letter.chat, letter.text) for letter in letters]
    assert duplicates(delivered) == [], "delivered twice"
    assert duplicates(buried) == [], "dead-lettered twice"
    assert set(delivered) & set(buried) == set(), "delivered and dead-lettered"
    everything = [(chat, text) for chat, chat_texts in queued.items() for text in chat_texts]
    assert sorted(delivered + buried) == sorted(everything)
    for chat, chat_texts in queued.items():
        dead = {letter.text for letter in letters if letter.chat == chat}
        arrived = [message["text"] for message in fake.sent(chat)]
        assert arrived == [text for text in chat_texts if text not in dead], f"chat {chat}"
    return letters


def allowed(burst: float, rate: float, span: float) -> int:
    # The epsilon: a bound landing on a whole number must not round down below it.
    return math.floor(burst + rate * span + 1e-9)


def assert_within_limits(fake: FakeBotAPI, limits: Limits, *meters: Metered) -> float:
    """Every sendMessage request took a token first, and in any window, for the bot and for
    each chat, no more requests arrived than the limits allow; returns the variation."""
    arrivals: dict[int, list[float]] = defaultdict(list)
    for request in fake.requests("sendMessage"):
        arrivals[request["params"]["chat_id"]].append(request["at"])
    grants: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for meter in meters:
        for key, spans in meter.grants.items():
            grants[key].extend(spans)
    assert set(grants) == {person_of(chat) for chat in arrivals}
    shortest, longest = math.inf, -math.inf
    for chat, times in arrivals.items():
        spans = sorted(grants[person_of(chat)])
        assert len(spans) == len(times), f"chat {chat}: {len(times)} requests for {len(spans)}"
        for (before, after), at in zip(spans, times, strict=True):
            shortest, longest = min(shortest, at - after), max(longest, at - before)
    variation = longest - shortest
    assert variation < MAX_VARIATION, "too slow from token to request to judge the rate"
    everyone = [at for times in arrivals.values() for at in times]
    for window in WINDOWS:
        span = window + variation
        bot_most = allowed(limits.bot_burst, limits.bot_rate, span)
        assert most_in_window(everyone, window) <= bot_most, f"bot, {window} s"
        chat_most = allowed(limits.chat_burst, limits.chat_rate, span)
        for chat, times in arrivals.items():
            assert most_in_window(times, window) <= chat_most, f"chat {chat}, {window} s"
    return variation


def letter_attempts(sessions: sessionmaker) -> list[int]:
    with sessions.begin() as session:
        return list(session.execute(select(DeadLetter.attempts).order_by(DeadLetter.id)).scalars())


def outcomes(fake: FakeBotAPI, chat: int) -> list[int | None]:
    """Each request's answer to ``chat``, in order: None for success, the error code, or -1
    while still unanswered."""
    return [request.get("error_code", -1) for request in fake.requests("sendMessage", chat)]


# --- one fault at a time --------------------------------------------------------------------


async def test_a_429_holds_back_only_that_chat_and_its_message_goes_once_after_the_wait(
    sessions: sessionmaker, box: MultiFernet, fake: FakeBotAPI
) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    queued = {A: texts(A, 2), B: texts(B, 1)}
    queue_all(sessions, box, queued)
    fake.fail_next("sendMessage", 429, retry_after=RETRY_AFTER, chat_id=A)
    meter = Metered(LocalLimiter(FAULT_LIMITS))

    async with telegram(fake) as bot, sending(outbox, bot, meter) as sender:
        await fake.wait_until(lambda: fake.failed("sendMessage"), description="the 429")
        # Queued while A waits: they must not wait with it.
        later = {B: texts(B, 2, "late"), C: texts(C, 3, "late")}
        queue_all(sessions, box, later)
        sender.wake()
        await settle(fake, outbox)

    queued[B] += later[B]
    queued[C] = later[C]
    assert assert_each_once_in_order(fake, sessions, box, queued) == []
    assert outcomes(fake, A) == [429, None, None]
    refused, delivered, _ = fake.requests("sendMessage", A)
    assert delivered["params"]["text"] == f"{A}-1"
    assert delivered["at"] - refused["at"] >= RETRY_AFTER - CLOCK_SLACK
    others = [
        request["at"]
        for chat in later
        for request in fake.requests("sendMessage", chat)
        if "late" in request["params"]["text"]
    ]
    assert len(others) == 5 and max(others) < delivered["at"]
    assert_within_limits(fake, FAULT_LIMITS, meter)


@pytest.mark.parametrize("fault", ["502", "timeout"])
async def test_a_failed_send_is_tried_again_and_delivered_once(
    sessions: sessionmaker, box: MultiFernet, fake: FakeBotAPI, quick_retries: None, fault: str
) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    queued = {A: texts(A, 3), B: texts(B, 2)}
    queue_all(sessions, box, queued)
    if fault == "502":
        code, pause = 502, RETRY_PAUSE
        fake.fail_next("sendMessage", code, chat_id=A)
    else:
        # Not processed, only answered late: see FakeBotAPI.fail_next on why.
        code, pause = 504, READ_TIMEOUT + RETRY_PAUSE
        fake.fail_next("sendMessage", code, chat_id=A, delay=STALL)
    meter = Metered(LocalLimiter(FAULT_LIMITS))

    async with telegram(fake, READ_TIMEOUT) as bot, sending(outbox, bot, meter):
        await settle(fake, outbox)
        # The stalled request ends too, and is not delivered late.
        await fake.wait_until(lambda: -1 not in outcomes(fake, A), description="its answer")

    assert assert_each_once_in_order(fake, sessions, box, queued) == []
    assert outcomes(fake, A) == [code, None, None, None]
    failed, retried, *_ = fake.requests("sendMessage", A)
    assert retried["params"]["text"] == f"{A}-1"
    assert retried["at"] - failed["at"] >= pause - CLOCK_SLACK
    if fault == "timeout":
        assert retried["at"] < failed["at"] + STALL  # the client gave up, the fake had not
    assert_within_limits(fake, FAULT_LIMITS, meter)


async def test_a_403_marks_the_person_blocked_and_buries_what_waits_for_them(
    sessions: sessionmaker, box: MultiFernet, fake: FakeBotAPI
) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    queued = {A: texts(A, 3), B: texts(B, 3)}
    queue_all(sessions, box, queued)
    # Blocked for good: a second try would be refused too, and counted.
    fake.fail_next("sendMessage", 403, times=10, chat_id=A)
    meter = Metered(LocalLimiter(FAULT_LIMITS))

    async with telegram(fake) as bot, sending(outbox, bot, meter):
        await settle(fake, outbox)

    letters = assert_each_once_in_order(fake, sessions, box, queued)
    assert letters == [Letter(A, text, BLOCKED) for text in queued[A]]
    assert outcomes(fake, A) == [403]
    assert fake.sent(A) == []
    assert blocked_at(sessions, A) is not None
    assert blocked_at(sessions, B) is None
    assert [message["text"] for message in fake.sent(B)] == queued[B]
    assert_within_limits(fake, FAULT_LIMITS, meter)


async def test_a_400_dead_letters_the_message_and_the_chat_goes_on(
    sessions: sessionmaker, box: MultiFernet, fake: FakeBotAPI
) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    queued = {A: texts(A, 3), B: texts(B, 2)}
    queue_all(sessions, box, queued)
    fake.fail_next("sendMessage", 400, "Bad Request: can't parse entities", chat_id=A)
    meter = Metered(LocalLimiter(FAULT_LIMITS))

    async with telegram(fake) as bot, sending(outbox, bot, meter):
        await settle(fake, outbox)

    letters = assert_each_once_in_order(fake, sessions, box, queued)
    assert letters == [Letter(A, f"{A}-1", REJECTED)]
    assert letter_attempts(sessions) == [1]
    assert outcomes(fake, A) == [400, None, None]
    assert blocked_at(sessions, A) is None
    assert_within_limits(fake, FAULT_LIMITS, meter)


async def test_a_message_that_keeps_failing_is_given_up_once_after_the_last_attempt(
    sessions: sessionmaker,
    box: MultiFernet,
    fake: FakeBotAPI,
    quick_retries: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sender_module, "MAX_ATTEMPTS", 3)
    outbox = Outbox(sessions, box, "replica-a")
    queued = {A: texts(A, 2), B: texts(B, 2)}
    queue_all(sessions, box, queued)
    fake.fail_next("sendMessage", 502, times=3, chat_id=A)
    meter = Metered(LocalLimiter(FAULT_LIMITS))

    async with telegram(fake) as bot, sending(outbox, bot, meter):
        await settle(fake, outbox)

    letters = assert_each_once_in_order(fake, sessions, box, queued)
    assert letters == [Letter(A, f"{A}-1", GAVE_UP)]
    # Every try counted: the console says "gave up after 3 attempts".
    assert letter_attempts(sessions) == [3]
    assert outcomes(fake, A) == [502, 502, 502, None]
    assert [request["params"]["text"] for request in fake.requests("sendMessage", A)] == [
        f"{A}-1", f"{A}-1", f"{A}-1", f"{A}-2"
    ]  # fmt: skip
    assert_within_limits(fake, FAULT_LIMITS, meter)


# --- faults together ------------------------------------------------------------------------


async def test_each_chat_keeps_its_order_whatever_fails_in_the_middle(
    racing_sessions: sessionmaker, box: MultiFernet, fake: FakeBotAPI, quick_retries: None
) -> None:
    outbox = Outbox(racing_sessions, box, "replica-a")
    # E is longer than a lease batch (PER_CHAT): its order spans several claims.
    queued = {A: texts(A, 8), B: texts(B, 8), C: texts(C, 8), D: texts(D, 8), E: texts(E, 25)}
    queued[F] = texts(F, 5)
    queue_all(racing_sessions, box, queued)
    fake.fail_next("sendMessage", 502, times=2, chat_id=A, after=2)
    fake.fail_next("sendMessage", 429, retry_after=RETRY_AFTER, chat_id=B, after=3)
    fake.fail_next("sendMessage", 400, chat_id=C, after=1)
    fake.fail_next("sendMessage", 504, chat_id=D, delay=STALL, after=4)
    fake.fail_next("sendMessage", 502, chat_id=E, after=12)
    fake.fail_next("sendMessage", 403, times=10, chat_id=F, after=2)
    meter = Metered(LocalLimiter(FAULT_LIMITS))

    async with telegram(fake, READ_TIMEOUT) as bot, sending(outbox, bot, meter):
        await settle(fake, outbox)

    letters = assert_each_once_in_order(fake, racing_sessions, box, queued)
    assert sorted((letter.chat, letter.text, letter.reason) for letter in letters) == [
        (C, f"{C}-2", REJECTED),
        *((F, text, BLOCKED) for text in queued[F][2:]),
    ]
    assert outcomes(fake, A) == [None, None, 502, 502] + [None] * 6
    assert outcomes(fake, B) == [None] * 3 + [429] + [None] * 5
    assert outcomes(fake, C) == [None, 400] + [None] * 6
    # The stalled request may still be waiting for its (late) answer.
    assert outcomes(fake, D)[:4] + outcomes(fake, D)[5:] == [None] * 8
    assert outcomes(fake, D)[4] in (504, -1)
    assert outcomes(fake, E) == [None] * 12 + [502] + [None] * 13
    assert outcomes(fake, F) == [None, None, 403]
    assert_within_limits(fake, FAULT_LIMITS, meter)


# --- rate -----------------------------------------------------------------------------------


async def test_the_requests_keep_to_the_bot_and_chat_limits(
    sessions: sessionmaker, box: MultiFernet, fake: FakeBotAPI
) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    chats = range(3001, 3041)
    queued = {chat: texts(chat, 5) for chat in chats}  # 200 messages
    queue_all(sessions, box, queued)
    meter = Metered(LocalLimiter(RATE_LIMITS))

    async with telegram(fake) as bot, sending(outbox, bot, meter):
        await settle(fake, outbox)

    assert assert_each_once_in_order(fake, sessions, box, queued) == []
    assert len(fake.requests("sendMessage")) == 200
    assert_within_limits(fake, RATE_LIMITS, meter)


# --- two replicas ---------------------------------------------------------------------------


@pytest.fixture
def second_replica_sessions(
    database_url: str, racing_sessions: sessionmaker
) -> Iterator[sessionmaker]:
    """The same database through an engine of its own, as another process would have."""
    if racing_sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("replicas share a PostgreSQL database, not a SQLite file")
    engine = make_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


async def test_two_replicas_deliver_each_message_once_within_the_shared_limits(
    racing_sessions: sessionmaker,
    second_replica_sessions: sessionmaker,
    box: MultiFernet,
    fake: FakeBotAPI,
    redis_prefix: str,
    quick_retries: None,
) -> None:
    chats = list(range(4001, 4031))
    queued = {chat: texts(chat, 4) for chat in chats}  # 120 messages
    queue_all(racing_sessions, box, queued)
    # Faults make rows go back to the table, where either replica may take them next.
    fake.fail_next("sendMessage", 502, chat_id=chats[0], after=1)
    fake.fail_next("sendMessage", 502, chat_id=chats[1])
    fake.fail_next("sendMessage", 429, retry_after=RETRY_AFTER, chat_id=chats[2], after=2)
    replicas: list[tuple[Outbox, Metered]] = []
    for name, sessions in (("replica-a", racing_sessions), ("replica-b", second_replica_sessions)):
        limiter = RedisLimiter(REDIS_URL, RATE_LIMITS, replicas=2, prefix=redis_prefix)
        replicas.append((Outbox(sessions, box, name), Metered(limiter)))
    (outbox_a, meter_a), (outbox_b, meter_b) = replicas

    try:
        # Few chats at a time each, so that both keep coming back to the table.
        async with (
            telegram(fake) as bot_a,
            telegram(fake) as bot_b,
            sending(outbox_a, bot_a, meter_a, concurrency=4),
            sending(outbox_b, bot_b, meter_b, concurrency=4),
        ):
            await settle(fake, outbox_a)
    finally:
        for _, meter in replicas:
            await meter.aclose()

    assert meter_a.healthy and meter_b.healthy  # the limits were shared all along
    assert assert_each_once_in_order(fake, racing_sessions, box, queued) == []
    assert all(meter.grants for meter in (meter_a, meter_b)), "both replicas sent"
    assert_within_limits(fake, RATE_LIMITS, meter_a, meter_b)


# --- a finished turn's replies, handed over -------------------------------------------------


async def test_replies_handed_by_a_finished_turn_go_out_without_a_claim(
    sessions: sessionmaker, box: MultiFernet, fake: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No look at the outbox for want of work while the test runs.
    monkeypatch.setattr(sender_module, "IDLE", 60.0)
    outbox = Outbox(sessions, box, "replica-a")
    inbox = Inbox(sessions, box, KEYS, "replica-a")
    inbox.store([{"update_id": 1, **fake.text_update(A, "bonjour")}])
    (turn,) = inbox.claim(1)
    replies = [Outgoing(person_of(A), A, Reply(text)) for text in texts(A, 2)]

    async with telegram(fake) as bot, sending(outbox, bot, LocalLimiter(FAULT_LIMITS), 2) as sender:
        await fake.wait_until(lambda: sender.reserve(), description="a running sender")
        claims = []
        monkeypatch.setattr(outbox, "claim", lambda *args: claims.append(args) or [])
        sender.hand(inbox.complete(turn, replies, sender.owner).leased)
        await settle(fake, outbox)

    assert [message["text"] for message in fake.sent(A)] == texts(A, 2)
    assert claims == []


async def test_a_slot_kept_for_nothing_comes_back(
    sessions: sessionmaker, box: MultiFernet, fake: FakeBotAPI
) -> None:
    outbox = Outbox(sessions, box, "replica-a")

    async with telegram(fake) as bot, sending(outbox, bot, LocalLimiter(FAULT_LIMITS), 1) as sender:
        await fake.wait_until(lambda: sender.reserve(), description="a running sender")
        sender.hand([])
        queue_all(sessions, box, {A: texts(A, 1)})
        sender.wake()
        await settle(fake, outbox)

    assert [message["text"] for message in fake.sent(A)] == texts(A, 1)


async def test_messages_sent_while_one_is_being_recorded_are_recorded_together(
    sessions: sessionmaker, box: MultiFernet, fake: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    chats = [A, B, C, D, E, F]
    queue_all(sessions, box, {chat: texts(chat, 1) for chat in chats})
    recorded: list[tuple[int, ...]] = []
    record = outbox.sent

    def slow_record(*message_ids: int) -> None:
        # The first commit is slow: the other chats' messages reach Telegram meanwhile.
        time.sleep(0.5 if not recorded else 0.0)
        recorded.append(message_ids)
        record(*message_ids)

    monkeypatch.setattr(outbox, "sent", slow_record)
    async with telegram(fake) as bot, sending(outbox, bot, LocalLimiter(FAULT_LIMITS)):
        await settle(fake, outbox)
        await fake.wait_until(lambda: sum(map(len, recorded)) == len(chats), SETTLE, "records")

    assert_each_once_in_order(fake, sessions, box, {chat: texts(chat, 1) for chat in chats})
    assert len(recorded) < len(chats)
    assert len({i for ids in recorded for i in ids}) == len(chats)


# --- stopping -------------------------------------------------------------------------------


async def test_stopping_lets_the_send_in_flight_finish_and_sends_nothing_more(
    sessions: sessionmaker, box: MultiFernet, fake: FakeBotAPI
) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    queue_all(sessions, box, {A: texts(A, 4)})
    # Telegram takes the first message at once but answers late: stopping comes in between.
    fake.answer_late("sendMessage", 0.5, chat_id=A)
    # One message a second: the next ones would still wait for their tokens.
    limiter = LocalLimiter(Limits(chat_rate=1.0, chat_burst=1.0))

    async with telegram(fake) as bot:
        async with sending(outbox, bot, limiter):
            await fake.wait_for_messages(A, 1)
        # Recorded as sent: interrupted, it would have gone again after a restart.
        assert outbox.waiting() == 3
        await asyncio.sleep(1.5)

    assert [request["params"]["text"] for request in fake.requests("sendMessage")] == [f"{A}-1"]
    # The rest was given back at once, for another replica or the next start.
    assert [[item.reply.text for item in batch] for batch in outbox.claim(10)] == [texts(A, 4)[1:]]


# --- caseworker alerts ----------------------------------------------------------------------


ALERTS_CHAT = -777


def queue_alerts(sessions: sessionmaker, box: MultiFernet, alert_texts: list[str]) -> None:
    alerts = CaseworkerAlerts(box, ALERTS_CHAT)
    for text in alert_texts:
        with sessions.begin() as session:
            alerts.queue(session, text)


async def test_a_refused_alert_is_tried_again_and_reaches_the_caseworkers_once(
    sessions: sessionmaker, box: MultiFernet, fake: FakeBotAPI, quick_retries: None
) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    queue_alerts(sessions, box, ["Nouveau cas", "Cas urgent"])
    fake.fail_next("sendMessage", 429, retry_after=RETRY_AFTER, chat_id=ALERTS_CHAT)
    fake.fail_next("sendMessage", 502, chat_id=ALERTS_CHAT, after=1)

    async with telegram(fake) as bot, sending(outbox, bot, LocalLimiter(FAULT_LIMITS)):
        await settle(fake, outbox)

    assert [message["text"] for message in fake.sent(ALERTS_CHAT)] == ["Nouveau cas", "Cas urgent"]
    assert outcomes(fake, ALERTS_CHAT) == [429, None, 502, None]
    assert dead_letters(sessions, box) == []


async def test_an_alert_the_group_refuses_for_good_is_a_dead_letter_not_lost(
    sessions: sessionmaker, box: MultiFernet, fake: FakeBotAPI
) -> None:
    outbox = Outbox(sessions, box, "replica-a")
    queue_alerts(sessions, box, ["Nouveau cas"])
    fake.fail_next("sendMessage", 403, "Forbidden: bot was kicked from the group chat")

    async with telegram(fake) as bot, sending(outbox, bot, LocalLimiter(FAULT_LIMITS)):
        await settle(fake, outbox)

    assert dead_letters(sessions, box) == [Letter(ALERTS_CHAT, "Nouveau cas", BLOCKED)]
