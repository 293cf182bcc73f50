"""Supervised periodic jobs: a failing tick is logged by name and counted, and the job goes on."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from telegram.error import Forbidden

from bot.gateway import metrics, service
from bot.gateway.jobs import every
from bot.gateway.service import build_core, watch_forever
from bot.settings import Settings
from bot.storage import cases
from bot.storage.models import Case

SECRET = "il me frappe encore"  # stands for personal data an exception might quote


def failures(job: str) -> float:
    return metrics.REGISTRY.get_sample_value("bot_job_failures_total", {"job": job}) or 0.0


async def test_a_failing_tick_is_logged_counted_and_the_job_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ticks: list[int] = []
    done = asyncio.Event()

    async def tick() -> None:
        ticks.append(len(ticks))
        if len(ticks) == 1:
            raise Forbidden(f"Forbidden: {SECRET}")
        if len(ticks) == 3:
            done.set()

    before = failures("test_job")
    job = asyncio.create_task(every("test_job", 0.01, tick))
    try:
        await asyncio.wait_for(done.wait(), 5)
    finally:
        job.cancel()
        await asyncio.gather(job, return_exceptions=True)

    assert failures("test_job") == before + 1
    assert b'bot_job_failures_total{job="test_job"}' in metrics.exposition()
    (record,) = [r for r in caplog.records if r.name == "bot.gateway.jobs"]
    assert record.levelno == logging.ERROR
    assert "test_job" in record.getMessage() and "Forbidden" in record.getMessage()
    assert SECRET not in caplog.text, "no exception text (it may quote a person) in the log"


async def test_a_failing_watcher_job_neither_ends_nor_stops_the_others(
    settings: Settings, sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "WATCH_INTERVAL", 0.01)
    core = build_core(settings)
    long_ago = datetime.utcnow() - timedelta(days=2)
    with sessions.begin() as session:
        for status in (cases.QUEUED, cases.CLAIMED):
            case = Case(
                pseudonym=f"person-{status}", language="fr", priority=cases.NORMAL,
                status=status, packet=b"", queued_at=long_ago, last_activity_at=long_ago,
                claimed_by=7 if status == cases.CLAIMED else None, created_at=long_ago,
            )  # fmt: skip
            session.add(case)
    tries: list[datetime] = []

    def alert_unclaimed(*args) -> None:
        tries.append(args[-1])
        if len(tries) < 3:
            raise OperationalError("SELECT", {}, Exception("database is locked"))
        real_alert_unclaimed(*args)

    real_alert_unclaimed = service.alert_unclaimed
    monkeypatch.setattr(service, "alert_unclaimed", alert_unclaimed)
    before = failures("unclaimed_alerts")
    watcher = asyncio.create_task(watch_forever(core))
    try:
        for _ in range(500):
            await asyncio.sleep(0.01)
            with sessions() as session:
                rows = dict(session.execute(select(Case.pseudonym, Case.supervisors_alerted)).all())
                statuses = set(session.execute(select(Case.status)).scalars())
            if rows["person-queued"] and statuses == {cases.QUEUED}:
                break
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
        await core.aclose()

    assert failures("unclaimed_alerts") == before + 2
    assert statuses == {cases.QUEUED}, "the idle claim went back to the queue meanwhile"
    assert rows["person-queued"], "the unclaimed case was alerted at the next tick"
