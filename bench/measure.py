"""Measuring helpers shared by the bench scripts, so that their figures compare like with like.

Memory and CPU time of a process tree, percentiles, an open-loop and a closed-loop load
generator, and the held-out messages of tests/nlu/ as the traffic. Imports nothing from Rasa or
the bot.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def parents() -> dict[int, int]:
    """Each running process's parent, by pid (Linux /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        # The command name may hold spaces and parentheses: fields start after the last ")".
        parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    return parents


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux /proc, no psutil in the venv)."""
    children: dict[int, list[int]] = {}
    for child, parent in parents().items():
        children.setdefault(parent, []).append(child)
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, []))
    return tree


def rss_of_tree(pid: int) -> int:
    """Resident memory in bytes of ``pid`` and all its descendants, summed."""
    total = 0
    for member in descendants(pid):
        try:
            resident_pages = int(Path(f"/proc/{member}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        total += resident_pages * PAGE_SIZE
    return total


def cpu_seconds_of_tree(pid: int) -> float:
    """CPU time (user + system) spent so far by ``pid`` and its descendants, summed.

    Unlike wall-clock throughput, CPU time per message barely moves when other work shares the
    machine, so it is the figure to compare across runs on a busy box.
    """
    ticks = 0
    for member in descendants(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        # utime and stime are fields 14 and 15 of stat(5); ``fields`` starts at field 3.
        ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0-100), linear between closest ranks as numpy's default."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


async def open_loop(
    send: Callable[[int], Awaitable[object]], rate: float, duration: float
) -> list[float]:
    """Call ``send(n)`` ``rate`` times a second for ``duration`` s, whether or not replies came.

    Each latency is counted from the moment the message was due, not from when it left: a client
    that falls behind would otherwise hide the queueing it suffers (coordinated omission).
    """
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def timed(n: int, due: float) -> float:
        await send(n)
        return loop.time() - due

    tasks = []
    for n in range(int(rate * duration)):
        due = start + n / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        tasks.append(asyncio.create_task(timed(n, due)))
    return list(await asyncio.gather(*tasks))


async def closed_loop(
    send: Callable[[int, int], Awaitable[object]], concurrency: int, duration: float
) -> tuple[int, list[float]]:
    """``concurrency`` workers each call ``send(worker, turn)`` back to back for ``duration`` s.

    A worker never has two messages in flight, so it can stand for one person at a time.
    Returns the number of completed calls and their latencies; a call started before the end
    is waited for, so time the whole call for the throughput.
    """
    deadline = time.perf_counter() + duration
    latencies: list[float] = []

    async def worker(index: int) -> None:
        turn = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await send(index, turn)
            latencies.append(time.perf_counter() - started)
            turn += 1

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return len(latencies), latencies


def load_messages(seed: int = 0) -> list[tuple[str, str]]:
    """Every held-out message of tests/nlu/<lang>.yml as (lang, text), in a seeded shuffle.

    Shuffled so that any stretch of traffic mixes languages and topics the way real traffic
    does, and seeded so that two runs send the same messages in the same order.
    """
    pairs = []
    for path in sorted((ROOT / "tests" / "nlu").glob("*.yml")):
        document = yaml.safe_load(path.read_text("utf-8"))
        for block in document["nlu"]:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    pairs.append((path.stem, line.strip()[2:].strip()))
    random.Random(seed).shuffle(pairs)
    return pairs
