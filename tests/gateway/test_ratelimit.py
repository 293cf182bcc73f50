"""The outbox's rate limiter: token buckets in-process and shared in Redis, and the fallback
from one to the other. Tests that need Redis (127.0.0.1:6379) skip when it is not there."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError

from bot.gateway import ratelimit
from bot.gateway.ratelimit import Limits, LocalLimiter, RedisLimiter, build_limiter
from tests.helpers.rates import most_in_window
from tests.helpers.redis_server import REDIS_URL

UNREACHABLE_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def local(limits: Limits) -> tuple[LocalLimiter, FakeClock]:
    clock = FakeClock()
    return LocalLimiter(limits, clock=clock), clock


# --- LocalLimiter -------------------------------------------------------------------------


async def test_one_chat_gets_its_burst_then_one_message_a_second() -> None:
    limiter, clock = local(Limits(chat_rate=1.0, chat_burst=3.0))
    assert [await limiter.acquire("chat") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert await limiter.acquire("chat") == pytest.approx(1.0)
    clock.advance(0.5)
    assert await limiter.acquire("chat") == pytest.approx(0.5)
    clock.advance(0.5)
    assert await limiter.acquire("chat") == 0.0
    assert await limiter.acquire("chat") == pytest.approx(1.0)
    # A long silence refills only up to the burst.
    clock.advance(3600)
    assert [await limiter.acquire("chat") for _ in range(4)][:3] == [0.0, 0.0, 0.0]


async def test_the_bot_wide_limit_holds_across_many_chats() -> None:
    limiter, clock = local(Limits(bot_rate=30.0, bot_burst=30.0))
    results = [await limiter.acquire(f"chat-{i}") for i in range(100)]
    assert results.count(0.0) == 30
    assert results[30] == pytest.approx(1 / 30)
    # Over the next second, 30 more and no more, whichever chats ask.
    granted = 0
    for step in range(100):
        clock.advance(0.01)
        granted += await limiter.acquire(f"other-{step}") == 0.0
    assert granted == 30


async def test_a_chat_out_of_tokens_takes_no_bot_token() -> None:
    limiter, _ = local(Limits(bot_rate=1.0, bot_burst=2.0, chat_rate=1.0, chat_burst=1.0))
    assert await limiter.acquire("busy") == 0.0
    for _ in range(10):
        assert await limiter.acquire("busy") > 0.0
    # The refusals above left the bot's second token where it was.
    assert await limiter.acquire("quiet") == 0.0
    assert await limiter.acquire("third") > 0.0


async def test_a_bot_out_of_tokens_takes_no_chat_token() -> None:
    limiter, clock = local(Limits(bot_rate=1.0, bot_burst=1.0, chat_rate=0.1, chat_burst=3.0))
    assert await limiter.acquire("first") == 0.0
    for _ in range(10):
        assert await limiter.acquire("second") == pytest.approx(1.0)
    # The chat's three tokens are all still there: one second buys one (from the bot).
    for _ in range(3):
        clock.advance(1.0)
        assert await limiter.acquire("second") == 0.0


@pytest.mark.parametrize(
    "limits, chats",
    [
        (Limits(bot_rate=100.0, bot_burst=100.0, chat_rate=0.7, chat_burst=2.0), ["one"]),
        (Limits(bot_rate=3.0, bot_burst=2.0, chat_rate=5.0, chat_burst=5.0), ["a", "b", "c"]),
    ],
    ids=["chat-limited", "bot-limited"],
)
async def test_the_advised_wait_is_exactly_long_enough(limits: Limits, chats: list[str]) -> None:
    limiter, clock = local(limits)
    checked = 0
    for round_ in range(30):
        chat = chats[round_ % len(chats)]
        wait = await limiter.acquire(chat)
        if wait == 0.0:
            continue
        checked += 1
        clock.advance(wait * 0.99)
        assert await limiter.acquire(chat) > 0.0, "granted before the advised wait"
        clock.advance(wait * 0.01)
        assert await limiter.acquire(chat) == 0.0, "refused after the advised wait"
    assert checked >= 10


async def test_build_limiter_picks_redis_only_with_a_url() -> None:
    assert isinstance(build_limiter(None, Limits(), 2), LocalLimiter)
    shared = build_limiter(REDIS_URL, Limits(), 2)
    assert isinstance(shared, RedisLimiter)
    await shared.aclose()


# --- RedisLimiter -------------------------------------------------------------------------


async def test_two_replicas_together_keep_to_the_limits(redis_prefix: str) -> None:
    limits = Limits(bot_rate=20.0, bot_burst=5.0, chat_rate=1.0, chat_burst=2.0)
    duration = 2.0
    chats = [f"chat-{i}" for i in range(30)]  # together they could take far more than the bot
    replicas = [RedisLimiter(REDIS_URL, limits, replicas=2, prefix=redis_prefix) for _ in range(2)]
    grants: list[tuple[float, str]] = []
    latency = 0.0  # the longest acquire: a grant happened at most this long before we saw it

    async def worker(limiter: RedisLimiter, offset: int) -> None:
        nonlocal latency
        turn = offset
        while time.monotonic() < deadline:
            chat = chats[turn % len(chats)]
            turn += 1
            asked = time.monotonic()
            wait = await limiter.acquire(chat)
            answered = time.monotonic()
            latency = max(latency, answered - asked)
            if wait == 0.0:
                grants.append((answered, chat))
            else:
                # Another chat may be ready sooner than this one: come back quickly.
                await asyncio.sleep(min(wait, 0.005))

    deadline = time.monotonic() + duration
    try:
        await asyncio.gather(
            *(worker(limiter, 7 * n) for n, limiter in enumerate(replicas) for _ in range(4))
        )
    finally:
        for limiter in replicas:
            await limiter.aclose()

    assert all(limiter.healthy for limiter in replicas)
    times = [at for at, _ in grants]
    by_chat: dict[str, list[float]] = defaultdict(list)
    for at, chat in grants:
        by_chat[chat].append(at)
    for window in (0.5, 1.0):
        # Seen times lag the true ones by up to `latency`, so a window of seen times spans at
        # most window + latency of true time.
        span = window + latency
        assert most_in_window(times, window) <= limits.bot_burst + limits.bot_rate * span
        for chat, chat_times in by_chat.items():
            most = most_in_window(chat_times, window)
            assert most <= limits.chat_burst + limits.chat_rate * span, chat
    capacity = limits.bot_burst + limits.bot_rate * duration
    assert len(grants) >= 0.8 * capacity, f"only {len(grants)} of {capacity} granted"
    assert len(grants) <= capacity + limits.bot_rate * latency


async def test_shared_buckets_expire_once_they_would_be_full(redis_prefix: str) -> None:
    limits = Limits(chat_rate=1.0, chat_burst=3.0)
    limiter = RedisLimiter(REDIS_URL, limits, prefix=redis_prefix)
    try:
        assert await limiter.acquire("idle") == 0.0
        ttl = await limiter.client.pttl(f"{redis_prefix}:chat:idle")
    finally:
        await limiter.aclose()
    # One token to refill at one a second, plus the script's one-second margin.
    assert 1000 < ttl <= 2000


async def test_a_lost_script_cache_falls_back_to_eval(
    redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limiter = RedisLimiter(REDIS_URL, Limits(), prefix=redis_prefix)

    async def flushed(*args: object) -> None:
        raise NoScriptError("NOSCRIPT No matching script.")

    monkeypatch.setattr(limiter.client, "evalsha", flushed)
    try:
        assert await limiter.acquire("chat") == 0.0
        assert limiter.healthy is True
    finally:
        await limiter.aclose()


async def test_unreachable_redis_falls_back_to_a_share_of_the_bot_limit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limits = Limits(bot_rate=4.0, bot_burst=6.0, chat_rate=1.0, chat_burst=3.0)
    limiter = RedisLimiter(UNREACHABLE_URL, limits, replicas=2, prefix="unused")
    caplog.set_level(logging.INFO, logger=ratelimit.__name__)
    try:
        results = [await limiter.acquire(f"chat-{i}") for i in range(10)]
        assert limiter.healthy is False
        # Half the burst of 6 for each of 2 replicas, then half the rate: 1 token per 0.5 s.
        assert results.count(0.0) == 3
        assert 0.4 < results[3] <= 0.5
        # Still down at the next try: the warning is not repeated.
        await asyncio.sleep(ratelimit.RETRY_INTERVAL + 0.05)
        assert await limiter.acquire("chat-0") == 0.0
        assert limiter.healthy is False
    finally:
        await limiter.aclose()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "chat-" not in caplog.text


async def test_recovers_when_redis_comes_back(
    redis_prefix: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RedisLimiter(REDIS_URL, Limits(), replicas=2, prefix=redis_prefix)
    caplog.set_level(logging.INFO, logger=ratelimit.__name__)
    calls = 0

    async def outage(*args: object) -> None:
        nonlocal calls
        calls += 1
        raise RedisConnectionError("Connection refused")

    try:
        assert await limiter.acquire("chat") == 0.0
        assert limiter.healthy is True

        monkeypatch.setattr(limiter.client, "evalsha", outage)
        monkeypatch.setattr(limiter.client, "eval", outage)
        for _ in range(5):
            assert await limiter.acquire("chat") >= 0.0
        assert limiter.healthy is False
        assert calls == 1, "Redis was retried within the retry interval"

        monkeypatch.undo()
        await asyncio.sleep(ratelimit.RETRY_INTERVAL + 0.05)
        # The chat's shared bucket still holds the tokens left before the outage.
        assert await limiter.acquire("chat") == 0.0
        assert limiter.healthy is True
    finally:
        await limiter.aclose()
    levels = [r.levelno for r in caplog.records]
    assert levels.count(logging.WARNING) == 1
    assert levels.count(logging.INFO) == 1


async def test_reachable_asks_redis_now() -> None:
    limiter = RedisLimiter("redis://127.0.0.1:1/0")

    assert not await limiter.reachable()
    await limiter.aclose()
