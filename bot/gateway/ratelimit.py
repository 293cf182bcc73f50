"""Keeping outgoing Telegram messages within Telegram's limits, across every gateway replica.

Telegram allows a bot about 30 messages a second overall and 1 a second per chat (short bursts
are tolerated in private chats). The outbox sender asks a :class:`RateLimiter` before each send:
``acquire`` takes one token from the bot's bucket and one from the chat's bucket, both or
neither, and otherwise says how long to wait.

With several replicas the buckets live in Redis (:class:`RedisLimiter`), refilled and taken
from by one Lua script so that concurrent replicas cannot both spend the last token. Without
Redis, or while it is unreachable, each replica uses in-process buckets (:class:`LocalLimiter`);
the degraded one gets only its share of the bot-wide budget so the replicas together still keep
to it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Refilling by (elapsed * rate) rarely lands exactly on 1.0; without this slack a caller that
# waited exactly the advised time could be told to wait again for a few nanoseconds.
EPSILON = 1e-9
# A Redis that is gone refuses at once; this only bounds one that hangs. Shorter, a busy machine
# (seen at load 10 on 2 cores) flips replicas to local limits for nothing.
SOCKET_TIMEOUT = 2.0
# While degraded, Redis is tried again at most this often.
RETRY_INTERVAL = 1.0
# Above this many chat buckets, the LocalLimiter forgets the full ones (a full bucket and a
# missing one behave the same) so memory does not grow with every chat ever seen.
MAX_LOCAL_CHATS = 10_000


@dataclass(frozen=True)
class Limits:
    bot_rate: float = 30.0  # tokens per second, whole bot
    bot_burst: float = 30.0  # bucket capacity, whole bot
    chat_rate: float = 1.0  # tokens per second, one chat
    chat_burst: float = 3.0  # bucket capacity, one chat (private chats tolerate short bursts)


class RateLimiter(Protocol):
    healthy: bool  # False while the shared store is unreachable

    async def acquire(self, chat_key: str) -> float:
        """0.0 when a token was taken from both the bot's and the chat's bucket; otherwise the
        seconds to wait before trying again, with nothing taken."""
        ...

    async def aclose(self) -> None: ...


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        # max(): a clock that steps back must not drain the bucket.
        elapsed = max(0.0, now - self.stamp)
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.stamp = now

    def wait(self) -> float:
        return max(0.0, (1.0 - self.tokens) / self.rate)


class LocalLimiter:
    """Token buckets in this process only: right for a single replica, and the fallback."""

    healthy = True

    def __init__(
        self, limits: Limits = Limits(), clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._bot = _Bucket(limits.bot_rate, limits.bot_burst, limits.bot_burst, clock())
        self._chats: dict[str, _Bucket] = {}

    async def acquire(self, chat_key: str) -> float:
        # No await inside: on one event loop, checking and taking cannot interleave.
        now = self._clock()
        chat = self._chats.get(chat_key)
        if chat is None:
            chat = self._chats[chat_key] = _Bucket(
                self.limits.chat_rate, self.limits.chat_burst, self.limits.chat_burst, now
            )
        self._bot.refill(now)
        chat.refill(now)
        if self._bot.tokens >= 1.0 - EPSILON and chat.tokens >= 1.0 - EPSILON:
            self._bot.tokens -= 1.0
            chat.tokens -= 1.0
            if len(self._chats) > MAX_LOCAL_CHATS:
                self._forget_full(now)
            return 0.0
        return max(self._bot.wait(), chat.wait())

    def _forget_full(self, now: float) -> None:
        for key, bucket in list(self._chats.items()):
            bucket.refill(now)
            if bucket.tokens >= bucket.burst:
                del self._chats[key]

    async def aclose(self) -> None:
        return None


# KEYS: the bot's bucket, the chat's bucket. ARGV: bot rate, bot burst, chat rate, chat burst.
# Returns {1, 0} when both tokens were taken, else {0, microseconds to wait}. Each bucket is a
# hash of tokens and the time (µs, Redis's clock) they were counted at. Numbers are formatted by
# hand because Redis would turn a Lua number into a 14-digit string, losing microseconds.
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local epsilon = 1e-9

local function level(key, rate, burst)
  local v = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens, ts = tonumber(v[1]), tonumber(v[2])
  if tokens == nil or ts == nil then return burst end
  return math.min(burst, tokens + math.max(0, now - ts) * rate / 1000000)
end

local function take(key, tokens, rate, burst)
  tokens = tokens - 1
  redis.call('HSET', key,
    'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', now))
  -- Once the bucket would be full again it is the same as no bucket: let it go.
  redis.call('PEXPIRE', key, math.ceil((burst - tokens) / rate * 1000) + 1000)
end

local bot_rate, bot_burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local chat_rate, chat_burst = tonumber(ARGV[3]), tonumber(ARGV[4])
local bot = level(KEYS[1], bot_rate, bot_burst)
local chat = level(KEYS[2], chat_rate, chat_burst)
if bot >= 1 - epsilon and chat >= 1 - epsilon then
  take(KEYS[1], bot, bot_rate, bot_burst)
  take(KEYS[2], chat, chat_rate, chat_burst)
  return {1, 0}
end
local wait = math.max(0, (1 - bot) / bot_rate, (1 - chat) / chat_rate)
return {0, math.ceil(wait * 1000000)}
"""
_SCRIPT_SHA = hashlib.sha1(_SCRIPT.encode()).hexdigest()

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, asyncio.TimeoutError)


class RedisLimiter:
    """Buckets shared by every replica in Redis, with a local fallback while Redis is away."""

    def __init__(
        self, url: str, limits: Limits = Limits(), replicas: int = 2, prefix: str = "ratelimit"
    ) -> None:
        self.limits = limits
        self.healthy = True
        self.client = aioredis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
        )
        self._bot_key = f"{prefix}:bot"
        self._chat_prefix = f"{prefix}:chat:"
        self._args = (limits.bot_rate, limits.bot_burst, limits.chat_rate, limits.chat_burst)
        # Each replica may fall back at once, so each takes only its share of the bot budget;
        # a burst below one token would never let anything through.
        share = max(1, replicas)
        self.fallback = LocalLimiter(
            replace(
                limits,
                bot_rate=limits.bot_rate / share,
                bot_burst=max(1.0, limits.bot_burst / share),
            )
        )
        self._retry_at = 0.0

    async def acquire(self, chat_key: str) -> float:
        if not self.healthy:
            now = time.monotonic()
            if now < self._retry_at:
                return await self.fallback.acquire(chat_key)
            # Set before trying so that concurrent callers don't all probe Redis at once.
            self._retry_at = now + RETRY_INTERVAL
        try:
            granted, wait_us = await self._run(chat_key)
        except _UNREACHABLE as error:
            self._degrade(error)
            return await self.fallback.acquire(chat_key)
        if not self.healthy:
            self.healthy = True
            logger.info("Rate limiter: Redis is reachable again; limits are shared once more")
        return 0.0 if int(granted) else int(wait_us) / 1_000_000

    async def _run(self, chat_key: str) -> list[int]:
        keys = (self._bot_key, self._chat_prefix + chat_key)
        try:
            return await self.client.evalsha(_SCRIPT_SHA, 2, *keys, *self._args)
        except NoScriptError:
            # First use, or Redis restarted and lost its script cache; EVAL caches it again.
            return await self.client.eval(_SCRIPT, 2, *keys, *self._args)

    def _degrade(self, error: Exception) -> None:
        self._retry_at = time.monotonic() + RETRY_INTERVAL
        if self.healthy:
            self.healthy = False
            # The error's type only: its text could name the host or credentials.
            logger.warning(
                "Rate limiter: Redis is unreachable (%s); using local limits for this replica",
                type(error).__name__,
            )

    async def reachable(self) -> bool:
        """Whether Redis answers now (for the readiness check; the limits are unaffected)."""
        try:
            return bool(await self.client.ping())
        except _UNREACHABLE:
            return False

    async def aclose(self) -> None:
        await self.client.close(close_connection_pool=True)


def build_limiter(redis_url: str | None, limits: Limits, replicas: int) -> RateLimiter:
    """Shared limits when a Redis URL is configured, in-process ones otherwise."""
    if redis_url:
        return RedisLimiter(redis_url, limits, replicas)
    return LocalLimiter(limits)
