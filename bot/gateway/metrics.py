"""Prometheus metrics of one gateway process, served at ``/metrics`` in the text format.

Counters and histograms are kept in memory by the process that does the work; queue lengths
are read from the database when scraped, so every replica reports the shared totals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry()
# Seconds; from 5 ms to 30 s, dense where the targets are (50 and 150 ms).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

UPDATES_IN = Counter(
    "bot_updates_received", "Telegram updates stored in the inbox", registry=REGISTRY
)
DUPLICATES = Counter(
    "bot_updates_duplicate", "Telegram updates received again and ignored", registry=REGISTRY
)
TURNS = Counter("bot_turns", "Updates handled, by outcome", ["outcome"], registry=REGISTRY)
MESSAGES_OUT = Counter("bot_messages_sent", "Messages accepted by Telegram", registry=REGISTRY)
SEND_ERRORS = Counter(
    "bot_send_errors", "Telegram refusals and failures, by kind", ["kind"], registry=REGISTRY
)
DEAD_LETTERS = Counter(
    "bot_dead_letters", "Messages given up on, by reason", ["reason"], registry=REGISTRY
)
# The kind only: how often each kind of help is given, to watch the lists' false alarms and
# misses over time. Nothing else about the message.
CRISES = Counter("bot_crises", "Crisis help given, by kind", ["kind"], registry=REGISTRY)
ERRORS = Counter("bot_errors", "Internal errors, by component", ["component"], registry=REGISTRY)
JOB_FAILURES = Counter(
    "bot_job_failures", "Periodic job runs that failed, by job", ["job"], registry=REGISTRY
)
CONSOLE_LOGINS_REFUSED = Counter(
    "bot_console_logins_refused",
    "Console logins refused before any password was checked: throttled, or busy hashing",
    ["reason"],
    registry=REGISTRY,
)
TURN_SECONDS = Histogram(
    "bot_turn_seconds",
    "From an update's arrival to its replies being queued",
    buckets=BUCKETS,
    registry=REGISTRY,
)
DELIVERY_SECONDS = Histogram(
    "bot_delivery_seconds",
    "From a reply being queued to Telegram accepting it",
    buckets=BUCKETS,
    registry=REGISTRY,
)


class QueueCollector(Collector):
    """Queue lengths, read at scrape time (shared by all replicas)."""

    def __init__(self, queues: dict[str, Callable[[], int]]) -> None:
        self._queues = queues

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily("bot_queue_length", "Rows waiting, by queue", labels=["queue"])
        for name, length in self._queues.items():
            try:
                gauge.add_metric([name], length())
            except Exception:  # noqa: BLE001 - a scrape must not fail because the database does
                ERRORS.labels("metrics").inc()
        yield gauge


_queues: QueueCollector | None = None


def watch_queues(queues: dict[str, Callable[[], int]]) -> None:
    """Report these queue lengths (a later call replaces the sources, as tests build apps)."""
    global _queues
    if _queues is not None:
        REGISTRY.unregister(_queues)
    _queues = QueueCollector(queues)
    REGISTRY.register(_queues)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
