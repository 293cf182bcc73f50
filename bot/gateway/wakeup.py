"""A wake-up call for a polling loop: sleep until woken or until the timeout.

Not ``asyncio.wait_for(event.wait(), timeout)``: on Python 3.10 it can swallow a cancellation
that arrives as the event is set (CPython issue 86296), and a loop that misses its cancellation
never stops.
"""

from __future__ import annotations

import asyncio


class Wakeup:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> None:
        """Return when woken (or after ``timeout`` seconds); the next wait needs a new call."""
        waiter = asyncio.ensure_future(self._event.wait())
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            waiter.cancel()
            self._event.clear()
