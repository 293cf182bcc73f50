"""Periodic background jobs, each supervised.

A job that raises is logged with its name and counted in ``/metrics``, then runs again at its
next tick: before, one failure (a refused alert, the database gone for a moment) ended the job
silently, and with it every later alert, requeue and purge.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.gateway import metrics

logger = logging.getLogger(__name__)

Tick = Callable[[], Awaitable[object]]


async def run_once(name: str, tick: Tick) -> bool:
    """Run one tick of the job ``name``; False when it failed (logged and counted)."""
    try:
        await tick()
    except Exception as error:  # noqa: BLE001 - a failed tick must not end the job
        metrics.JOB_FAILURES.labels(name).inc()
        # The job and the type only: an exception's text can quote personal data.
        logger.error("job %s failed: %s", name, type(error).__name__)
        return False
    return True


async def every(name: str, seconds: float, tick: Tick) -> None:
    """Run ``tick`` now, then every ``seconds``, until cancelled; a failure waits for the next
    tick like a success does."""
    while True:
        await run_once(name, tick)
        await asyncio.sleep(seconds)
