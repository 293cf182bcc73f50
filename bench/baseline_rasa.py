"""Baseline for our figures: a stock Rasa 3.6 on our NLU data. `python bench/baseline_rasa.py`.

Builds a plain project in var/bench/baseline/project: the default config that `rasa init` trains
with (read from the installed Rasa, so it stays verbatim: DIET, ResponseSelector, TED and
UnexpecTED at 100 epochs), our nlu/<lang>/*.yml, a domain with one text response per intent and
one rule per intent (plus the same pair as a one-turn story, without which TED and UnexpecTED
would have nothing to train on and would cost nothing when serving), and a rule for nlu_fallback.
No custom component, in-memory tracker store, no action server.

Trains it with `rasa train` (the model is cached under var/bench/baseline/models by a hash of
the project and the Rasa version; --retrain forces it), serves it with `rasa run --enable-api`
and its REST channel on a free loopback port, and measures with the held-out messages of
tests/nlu/: launch to ready, RSS of the process tree after warm-up, sequential and concurrent
throughput, and latency at a fixed offered rate (open loop). Prints a table and writes the
figures to var/bench/baseline.json for ratios. Not part of the test suite; training alone takes
a long while on two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from measure import (  # noqa: E402
    ROOT,
    closed_loop,
    cpu_seconds_of_tree,
    load_messages,
    open_loop,
    percentile,
    rss_of_tree,
)

from tests.helpers.ports import free_port  # noqa: E402

WORK = ROOT / "var" / "bench" / "baseline"
PROJECT = WORK / "project"
MODELS = WORK / "models"
RESULTS = ROOT / "var" / "bench" / "baseline.json"
RASA = Path(sys.executable).parent / "rasa"
READY_TIMEOUT = 900.0
# Long enough for a reply queued behind a whole overloaded open-loop run.
REQUEST_TIMEOUT = 300.0
# Short conversations, as people have: a sender id stands for one person for this many turns.
TURNS_PER_PERSON = 5
# In the open loop, at 25 msgs/s, each of these people writes about every 4 s.
OPEN_LOOP_PEOPLE = 100


def rasa_file(relative: str) -> Path:
    """A file shipped inside the installed rasa package, found without importing Rasa."""
    spec = importlib.util.find_spec("rasa")
    assert spec and spec.submodule_search_locations
    return Path(spec.submodule_search_locations[0]) / relative


def our_intents() -> list[str]:
    intents = set()
    for path in (ROOT / "nlu").glob("*/*.yml"):
        for block in yaml.safe_load(path.read_text("utf-8")).get("nlu", []):
            if "intent" in block:
                intents.add(block["intent"])
    return sorted(intents)


def dump(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


def write_project() -> None:
    """Lay the stock project out afresh, so that nothing left from an earlier run leaks in."""
    shutil.rmtree(PROJECT, ignore_errors=True)
    (PROJECT / "data" / "nlu").mkdir(parents=True)
    # The pipeline and policies `rasa init` leaves commented out are the ones this file fills in.
    shutil.copy(rasa_file("engine/recipes/config_files/default_config.yml"), PROJECT / "config.yml")
    (PROJECT / "credentials.yml").write_text("rest:\n", "utf-8")
    for path in sorted((ROOT / "nlu").glob("*/*.yml")):
        shutil.copy(path, PROJECT / "data" / "nlu" / f"{path.parent.name}_{path.name}")
    intents = our_intents()
    responses = {f"utter_{i}": [{"text": f"answer: {i}"}] for i in intents}
    responses["utter_please_rephrase"] = [{"text": "Sorry, I didn't get that. Please rephrase."}]
    dump(
        PROJECT / "domain.yml",
        {
            "version": "3.1",
            "intents": intents,
            "responses": responses,
            "session_config": {
                "session_expiration_time": 60,
                "carry_over_slots_to_new_session": True,
            },
        },
    )
    pairs = [(i, f"utter_{i}") for i in intents]
    rules = [{"rule": f"answer {i}", "steps": [{"intent": i}, {"action": a}]} for i, a in pairs]
    rules.append(
        {
            "rule": "ask to rephrase when NLU is unsure",
            "steps": [{"intent": "nlu_fallback"}, {"action": "utter_please_rephrase"}],
        }
    )
    dump(PROJECT / "data" / "rules.yml", {"version": "3.1", "rules": rules})
    stories = [{"story": f"ask {i}", "steps": [{"intent": i}, {"action": a}]} for i, a in pairs]
    dump(PROJECT / "data" / "stories.yml", {"version": "3.1", "stories": stories})


def project_hash() -> str:
    digest = hashlib.sha256(importlib.metadata.version("rasa").encode())
    for path in sorted(p for p in PROJECT.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(PROJECT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["RASA_TELEMETRY_ENABLED"] = "false"
    # Rasa's fine-grained training cache would turn a retrain into a partial one.
    env["RASA_MAX_CACHE_SIZE"] = "0"
    return env


def train(retrain: bool) -> tuple[Path, float, bool]:
    """The model for the current project, trained unless cached; (model, seconds, cached)."""
    name = f"stock-{project_hash()}"
    model, meta = MODELS / f"{name}.tar.gz", MODELS / f"{name}.json"
    if model.exists() and meta.exists() and not retrain:
        return model, json.loads(meta.read_text())["train_s"], True
    log = WORK / "train.log"
    print(f"training {model.name} (log: {log.relative_to(ROOT)}) ...", flush=True)
    command = [str(RASA), "train", "--out", str(MODELS), "--fixed-model-name", name]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with log.open("wb") as output:
        done = subprocess.run(
            command, cwd=PROJECT, env=child_env(), stdout=output, stderr=subprocess.STDOUT
        )
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not model.exists():
        sys.exit(f"rasa train failed ({done.returncode}); see {log}")
    meta.write_text(
        json.dumps({"train_s": seconds, "trained_at": now(), "loadavg_1min_before": load})
    )
    return model, seconds, False


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def launch(model: Path, port: int) -> subprocess.Popen:
    command = [
        str(RASA), "run", "--enable-api", "--model", str(model),
        "--credentials", "credentials.yml", "--interface", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    # Its own process group, so that stopping it reaches any child it started.
    with (WORK / "rasa.log").open("wb") as log:
        return subprocess.Popen(
            command, cwd=PROJECT, env=child_env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_until_ready(process: subprocess.Popen, url: str) -> None:
    """Until GET / answers 200 and a first message gets a reply: both, as a person needs."""
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        if process.poll() is not None:
            sys.exit(f"rasa run exited with {process.returncode}; see {WORK / 'rasa.log'}")
        if time.monotonic() > deadline:
            sys.exit(f"rasa run not ready after {READY_TIMEOUT:.0f} s")
        try:
            if httpx.get(f"{url}/", timeout=2.0).status_code == 200:
                reply = httpx.post(
                    f"{url}/webhooks/rest/webhook",
                    json={"sender": "ready", "message": "hello"},
                    timeout=REQUEST_TIMEOUT,
                )
                if reply.status_code == 200 and reply.json():
                    return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)


class Sender:
    """Posts held-out messages to the REST channel and counts what went wrong."""

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self.client = client
        self.url = f"{url}/webhooks/rest/webhook"
        self.messages = [text for _, text in load_messages()]
        self.sent = self.errors = self.unanswered = 0

    async def __call__(self, sender: str, n: int) -> None:
        self.sent += 1
        text = self.messages[n % len(self.messages)]
        try:
            reply = await self.client.post(self.url, json={"sender": sender, "message": text})
        except httpx.HTTPError:
            self.errors += 1
            return
        if reply.status_code != 200:
            self.errors += 1
        elif not any(m.get("text") for m in reply.json()):
            self.unanswered += 1


async def measure(url: str, pid: int, args: argparse.Namespace) -> dict[str, float]:
    figures: dict[str, float] = {}
    limits = httpx.Limits(max_connections=max(args.concurrency, 64), max_keepalive_connections=64)
    async with httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT) as client:
        send = Sender(client, url)
        for n in range(args.warmup):
            await send(f"warm-{n // TURNS_PER_PERSON}", n)
        figures["rss_bytes"] = rss_of_tree(pid)

        # Each phase starts where the previous one stopped in the message list, so that the
        # whole run walks through the held-out messages rather than repeating their start.
        offset = args.warmup

        async def run_closed(label: str, concurrency: int) -> None:
            nonlocal offset
            base = offset

            async def one(worker: int, turn: int) -> None:
                person = f"{label}-{worker}-{turn // TURNS_PER_PERSON}"
                await send(person, base + worker * 1000 + turn)

            cpu, started = cpu_seconds_of_tree(pid), time.perf_counter()
            count, latencies = await closed_loop(one, concurrency, args.duration)
            elapsed = time.perf_counter() - started
            offset += count
            figures[f"{label}_cpu_ms_per_msg"] = (cpu_seconds_of_tree(pid) - cpu) / count * 1000
            figures[f"{label}_msgs_per_s"] = count / elapsed
            figures[f"{label}_p50_ms"] = percentile(latencies, 50) * 1000
            figures[f"{label}_p95_ms"] = percentile(latencies, 95) * 1000
            figures[f"{label}_p99_ms"] = percentile(latencies, 99) * 1000

        await run_closed("sequential", 1)
        await run_closed("concurrent", args.concurrency)

        async def one_open(n: int) -> None:
            await send(f"open-{n % OPEN_LOOP_PEOPLE}", offset + n)

        cpu, started = cpu_seconds_of_tree(pid), time.perf_counter()
        latencies = await open_loop(one_open, args.rate, args.duration)
        figures["open_loop_elapsed_s"] = time.perf_counter() - started
        cpu_ms = (cpu_seconds_of_tree(pid) - cpu) * 1000
        figures["open_loop_cpu_ms_per_msg"] = cpu_ms / len(latencies)
        figures["open_loop_sent"] = len(latencies)
        figures["open_loop_p50_ms"] = percentile(latencies, 50) * 1000
        figures["open_loop_p95_ms"] = percentile(latencies, 95) * 1000
        figures["open_loop_p99_ms"] = percentile(latencies, 99) * 1000
        figures["open_loop_max_ms"] = max(latencies) * 1000
        figures["rss_after_load_bytes"] = rss_of_tree(pid)
        figures["errors"] = send.errors
        figures["unanswered"] = send.unanswered
        figures["messages_sent"] = send.sent
    return figures


def report(result: dict) -> None:
    mib = 1024 * 1024
    rows = [
        ("training time (rasa train)", f"{result['train_s']:8.1f} s"),
        ("launch to ready (GET / + first reply)", f"{result['ready_s']:8.1f} s"),
        ("RSS of the process tree after warm-up", f"{result['rss_bytes'] / mib:8.0f} MiB"),
        ("RSS after the load phases", f"{result['rss_after_load_bytes'] / mib:8.0f} MiB"),
        ("sequential throughput", f"{result['sequential_msgs_per_s']:8.1f} msgs/s"),
        ("  latency p50 / p95 / p99", _pair(result, "sequential")),
        ("  Rasa CPU time per message", _cpu(result, "sequential")),
        (
            f"concurrent throughput ({result['concurrency']} senders)",
            f"{result['concurrent_msgs_per_s']:8.1f} msgs/s",
        ),
        ("  latency p50 / p95 / p99", _pair(result, "concurrent")),
        ("  Rasa CPU time per message", _cpu(result, "concurrent")),
        (f"open loop at {result['rate']:g} msgs/s for {result['duration_s']:g} s", ""),
        ("  latency p50 / p95 / p99", _pair(result, "open_loop")),
        ("  latency max", f"{result['open_loop_max_ms']:8.0f} ms"),
        ("  Rasa CPU time per message", _cpu(result, "open_loop")),
        ("errors / replies without text", f"{result['errors']:8d} / {result['unanswered']}"),
    ]
    print(f"\nstock Rasa {result['rasa_version']} ({result['pipeline']})")
    print(f"1-min load average before serving: {result['loadavg_1min_before']:.2f}")
    for name, value in rows:
        print(f"{name:42} {value}")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


def _cpu(result: dict, label: str) -> str:
    return f"{result[f'{label}_cpu_ms_per_msg']:8.1f} ms"


def _pair(result: dict, label: str) -> str:
    p50, p95, p99 = (result[f"{label}_p{p}_ms"] for p in (50, 95, 99))
    return f"{p50:8.0f} / {p95:.0f} / {p99:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrain", action="store_true", help="train even if a model is cached")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent senders")
    parser.add_argument("--rate", type=float, default=25.0, help="open-loop msgs/s")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of each phase")
    parser.add_argument("--warmup", type=int, default=20, help="messages before measuring")
    args = parser.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    MODELS.mkdir(exist_ok=True)
    write_project()
    model, train_s, cached = train(args.retrain)
    print(f"model {model.name}: trained in {train_s:.1f} s{' (cached)' if cached else ''}")

    # Other work on the machine skews every figure: the load average goes with them.
    load = os.getloadavg()[0]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = launch(model, port)
    try:
        wait_until_ready(process, url)
        ready_s = time.perf_counter() - started
        print(f"rasa run ready in {ready_s:.1f} s on {url}; measuring ...", flush=True)
        figures = asyncio.run(measure(url, process.pid, args))
    finally:
        stop(process)

    result = {
        "stack": "stock rasa run --enable-api, REST channel, in-memory tracker store",
        "pipeline": "rasa init default config.yml, DIET/TED/UnexpecTED 100 epochs",
        "rasa_version": importlib.metadata.version("rasa"),
        "measured_at": now(),
        "cpus": os.cpu_count(),
        "model": model.name,
        "train_s": train_s,
        "train_cached": cached,
        "ready_s": ready_s,
        "loadavg_1min_before": load,
        "concurrency": args.concurrency,
        "rate": args.rate,
        "duration_s": args.duration,
        **figures,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    report(result)


if __name__ == "__main__":
    main()
