"""Cost of a turn as a conversation grows: `python bench/turn_cost.py [turns]`.

Starts the real Rasa server and action + NLG server on free loopback ports (a throwaway
database), sends one person's messages through the gateway's Rasa client, and prints the median
latency around turn 10 and around the last turn, their ratio, and the throughput of sequential
turns. A rough baseline in the same run: the median of single turns from fresh people.
Not part of the test suite.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cli import model_path  # noqa: E402
from bot.gateway.rasa_client import RasaClient  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.storage.db import migrate  # noqa: E402
from bot.topology import embedded  # noqa: E402
from tests.helpers.ports import free_port  # noqa: E402

MESSAGES = [
    "j'ai besoin d'un médecin",
    "how do I get a new ID card",
    "quiero abrir un negocio",
    "أين يوجد المركز",
    "/help",
    "/info_housing_food",
    "merci",
    "c'est quoi la réintégration",
]


async def timed(client: RasaClient, sender: str, text: str) -> float:
    started = time.perf_counter()
    await client.send(sender, text, {"language": "fr", "centre": None})
    return time.perf_counter() - started


async def measure(client: RasaClient, turns: int) -> None:
    try:
        await measure_turns(client, turns)
    finally:
        await client.aclose()


async def measure_turns(client: RasaClient, turns: int) -> None:
    for i in range(3):
        await timed(client, f"warm-{i}", "bonjour")
    fresh = [await timed(client, f"fresh-{i}", MESSAGES[i % len(MESSAGES)]) for i in range(20)]
    latencies = []
    started = time.perf_counter()
    for turn in range(1, turns + 1):
        latencies.append(await timed(client, "long-conversation", MESSAGES[turn % len(MESSAGES)]))
    elapsed = time.perf_counter() - started
    early = statistics.median(latencies[5:15])
    late = statistics.median(latencies[-10:])
    print(f"baseline: first turn of a new person  p50 {statistics.median(fresh) * 1000:6.1f} ms")
    print(f"turn ~10 of one conversation          p50 {early * 1000:6.1f} ms")
    print(f"turn ~{turns} of the same conversation   p50 {late * 1000:6.1f} ms")
    print(f"ratio late / early                    {late / early:6.2f}")
    print(f"sequential throughput                 {turns / elapsed:6.1f} turns/s")


def main() -> None:
    turns = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    model = model_path()
    if not model.exists():
        sys.exit(f"{model} does not exist: run `make train` first")
    with tempfile.TemporaryDirectory() as var:
        env = {
            "BOT_VAR_DIR": var,
            "BOT_DATA_KEY": Fernet.generate_key().decode(),
            "ACTION_SERVER_PORT": str(free_port()),
            "RASA_PORT": str(free_port()),
        }
        settings = load_settings(env)
        migrate(settings.database_url)
        started = time.perf_counter()
        processes = embedded(settings, model, Path(var))
        try:
            processes.start()
            print(f"cold start (Rasa + actions ready)     {time.perf_counter() - started:6.1f} s")
            client = RasaClient(settings.rasa_urls)
            asyncio.run(measure(client, turns))
        finally:
            processes.stop()


if __name__ == "__main__":
    main()
