"""Login throttling: sliding windows per client address, per typed username and overall, and a
bound on the password hashes computed at once.

A password hash (argon2, 64 MiB) is the console's most expensive operation and what a password
guess costs us, so everything here is decided before hashing:

- ``ALL_ATTEMPTS``: logins tried by anyone, counted before hashing; a flood is refused whole.
- ``ADDRESS_FAILURES``: failed logins from one client address, whatever the usernames tried.
- ``ACCOUNT_FAILURES``: failed logins for one typed username, from any address. With
  ``auth.MAX_FAILED_LOGINS`` well above both, nobody reaches an account's lockout without having
  been refused here first: from one address it takes longer than ``ADDRESS_FAILURES``' window,
  from many, longer than several of ``ACCOUNT_FAILURES``' windows.
- ``HASH_SLOTS``: password hashes computed at once by this process; a login that finds every
  slot taken is refused at once rather than queued, so memory stays bounded.

A refusal says how long to wait. Windows are counted in Redis when it is configured, so that
every gateway replica counts the same attempts, and in this process's memory otherwise (also
while Redis is unreachable). Addresses and usernames are keyed by an HMAC: a typed username may
be a password typed in the wrong field, and it must not sit in Redis or memory as typed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    name: str
    limit: int  # events allowed within ``seconds``
    seconds: float


ALL_ATTEMPTS = Window("all", 100, 60.0)
ADDRESS_FAILURES = Window("address", 10, 15 * 60.0)
ACCOUNT_FAILURES = Window("account", 5, 60.0)
HASH_SLOTS = 2
# Above this many keys, the memory store forgets those with no event in their window.
MAX_MEMORY_KEYS = 10_000
# A Redis that is gone refuses at once; this only bounds one that hangs.
SOCKET_TIMEOUT = 2.0
# While Redis is unreachable, it is tried again at most this often.
RETRY_INTERVAL = 5.0

# (key, window, whether this attempt is added to it when admitted)
Check = tuple[str, Window, bool]


class Windows(Protocol):
    def admit(self, checks: Sequence[Check]) -> float:
        """0.0 when every key is under its window's limit, and then one event is added to the
        keys marked so; otherwise the seconds until all would be, with nothing added."""
        ...

    def add(self, keys: Sequence[tuple[str, Window]]) -> None:
        """One event more in each key's window."""
        ...


class MemoryWindows:
    """Sliding windows in this process: for a single gateway, and while Redis is away."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._events: dict[str, tuple[Window, deque[float]]] = {}
        # Console handlers run in worker threads.
        self._lock = threading.Lock()

    def _live(self, key: str, window: Window, now: float) -> deque[float]:
        _, events = self._events.setdefault(key, (window, deque()))
        while events and events[0] <= now - window.seconds:
            events.popleft()
        return events

    def admit(self, checks: Sequence[Check]) -> float:
        with self._lock:
            now = self._clock()
            wait = 0.0
            for key, window, _ in checks:
                events = self._live(key, window, now)
                if len(events) >= window.limit:
                    # When this event leaves the window, one more fits.
                    wait = max(wait, events[len(events) - window.limit] + window.seconds - now)
            if wait > 0:
                return wait
            for key, window, counted in checks:
                if counted:
                    self._live(key, window, now).append(now)
            self._forget_idle(now)
            return 0.0

    def add(self, keys: Sequence[tuple[str, Window]]) -> None:
        with self._lock:
            now = self._clock()
            for key, window in keys:
                self._live(key, window, now).append(now)
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        if len(self._events) <= MAX_MEMORY_KEYS:
            return
        for key, (window, events) in list(self._events.items()):
            if not events or events[-1] <= now - window.seconds:
                del self._events[key]


# KEYS: the windows. ARGV[1]: a unique member; then per key: limit (-1: add without checking),
# span in ms, 1 to add the event. Returns 0 when admitted, else the milliseconds to wait.
# Times are Redis's own, in milliseconds: the same clock for every replica, and small enough
# to survive Redis's conversion of Lua numbers to 14-digit strings.
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local limit, span = tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - span)
  if limit >= 0 then
    local count = redis.call('ZCARD', key)
    if count >= limit then
      local first = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
      wait = math.max(wait, tonumber(first[2]) + span - now)
    end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  if ARGV[3 * i + 1] == '1' then
    redis.call('ZADD', key, now, ARGV[1] .. ':' .. i)
    redis.call('PEXPIRE', key, tonumber(ARGV[3 * i]) + 1000)
  end
end
return 0
"""

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError)


class RedisWindows:
    """Sliding windows in Redis, shared by every replica; in memory while Redis is away."""

    def __init__(self, url: str, prefix: str = "console") -> None:
        self.client = redis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
        )
        self.prefix = prefix
        self.fallback = MemoryWindows()
        # register_script loads the script again when Redis lost its script cache.
        self._script = self.client.register_script(_SCRIPT)
        self._retry_at = 0.0

    def admit(self, checks: Sequence[Check]) -> float:
        args = [(window.limit, window, counted) for _, window, counted in checks]
        waited = self._run([key for key, _, _ in checks], args)
        return self.fallback.admit(checks) if waited is None else waited

    def add(self, keys: Sequence[tuple[str, Window]]) -> None:
        if self._run([key for key, _ in keys], [(-1, window, True) for _, window in keys]) is None:
            self.fallback.add(keys)

    def _run(self, keys: list[str], args: list[tuple[int, Window, bool]]) -> float | None:
        """Seconds to wait (0.0: admitted); None when Redis could not be asked."""
        if time.monotonic() < self._retry_at:
            return None
        argv: list[str | int] = [secrets.token_hex(8)]
        for limit, window, counted in args:
            argv += [limit, int(window.seconds * 1000), 1 if counted else 0]
        try:
            wait_ms = self._script(keys=[f"{self.prefix}:{key}" for key in keys], args=argv)
        except _UNREACHABLE as error:
            self._retry_at = time.monotonic() + RETRY_INTERVAL
            # The error's type only: its text could name the host or credentials.
            logger.warning(
                "Login throttle: Redis is unreachable (%s); counting in this replica",
                type(error).__name__,
            )
            return None
        return int(wait_ms) / 1000


class LoginThrottle:
    """What the login form asks before it hashes a password, and tells after a failure."""

    def __init__(
        self, windows: Windows | None = None, secret: bytes | None = None,
        hash_slots: int = HASH_SLOTS,
    ) -> None:  # fmt: skip
        self.windows = windows or MemoryWindows()
        # Replicas sharing Redis must share the secret too, or they would count apart.
        self._secret = secret or secrets.token_bytes(32)
        self._slots = threading.BoundedSemaphore(hash_slots)

    def _key(self, window: Window, value: str) -> str:
        digest = hmac.new(self._secret, value.encode(), hashlib.sha256).hexdigest()[:32]
        return f"login:{window.name}:{digest}"

    def _failure_keys(self, address: str, username: str) -> list[tuple[str, Window]]:
        return [
            (self._key(ADDRESS_FAILURES, address), ADDRESS_FAILURES),
            (self._key(ACCOUNT_FAILURES, username), ACCOUNT_FAILURES),
        ]

    def admit(self, address: str, username: str) -> float:
        """0.0 when this login may be tried (and it is counted), else the seconds to wait."""
        checks: list[Check] = [
            (key, window, False) for key, window in self._failure_keys(address, username)
        ]
        checks.append(("login:all", ALL_ATTEMPTS, True))
        return self.windows.admit(checks)

    def failed(self, address: str, username: str) -> None:
        self.windows.add(self._failure_keys(address, username))

    @contextmanager
    def hash_slot(self) -> Iterator[bool]:
        """True while this thread holds one of the hash slots; False, at once, when none is free."""
        acquired = self._slots.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                self._slots.release()
