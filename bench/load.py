"""The whole stack under load: `python bench/load.py [--users 200 --duration 30 --rate 25]`.

What runs: a fake Telegram Bot API (``tests/fakes/bot_api.py``, an HTTP server in a thread of
this process), and, as their own processes started through ``bot.topology``, the gateway in
webhook mode (``python -m bot.cli gateway``), the Rasa server and the action + NLG server, on
loopback, with a throwaway SQLite database (``--database postgresql``: a throwaway database on
the project's PostgreSQL, as the end-to-end tests use; or ``--database postgresql://...``).
``--gateways N`` starts N gateway processes on one database, as ``run --scaled`` does, and posts
the updates to them in turn, as a reverse proxy in front of them would.

What a turn is: this process plays Telegram and the people. It posts an update to the gateway's
webhook, as Telegram would, and the turn's first reply is the first sendMessage for that chat
that reaches the fake Bot API. So every figure covers the full path: webhook -> inbox -> PTB
handlers -> Rasa -> actions and NLG -> outbox -> sender -> Bot API.

The traffic: simulated people, each in one of four languages, who send /start (all at once
before each run, not measured), then ask info questions (the held-out messages of
tests/nlu/<lang>.yml), press menu buttons (/info_*, lang:xx) and go through the
self-assessment (/assessment, begin, an option per question, "no" to the caseworker). A person
waits until their chat is quiet (``--quiet`` s without a new message) before the next turn:
the bot may answer one turn with several messages, and a message arriving late would otherwise
be taken for the next turn's answer.

Figures, in this order:
1. cold start: launching the three processes at once -> the first reply to /start;
2. latency: an open loop at ``--rate`` turns/s (fixed schedule) for ``--duration`` s after
   ``--warmup`` s, with Telegram's limits (30 messages/s for the bot, 1/s per chat) as in
   production (``--latency-limits raised`` lifts them); per turn, the first reply's arrival at
   the fake minus the moment the update was due to be posted (its scheduled time, so a late
   load generator cannot hide queueing);
3. throughput: the gateway restarted with the limits raised to 10000/s (the fake has no limits,
   and the target is twice Telegram's), then ``--users`` people in a closed loop (send, wait
   for the replies, send again) for ``--duration`` s after ``--warmup`` s: turns whose first
   reply arrived in that window, per second;
4. memory: resident memory (RSS) of the gateway, Rasa and action server process trees;
5. CPU: each process's CPU time per turn during each window, this process's included (the
   load generator and the fake share the machine's two cores with the stack under test), and
   what each burns with no traffic at all.
Between the runs the gateway works off whatever the latency run left queued (its /metrics
tells), so that the throughput run starts clean. When the stack answers fewer turns than the
latency run offers, the report says OVERLOADED: its latencies then measure a growing queue.
Ratios to the stock-Rasa baseline come from var/bench/baseline.json (``bench/baseline_rasa.py``)
when it exists. ``--profile DIR`` runs py-spy on each process during the throughput window
(which then slows down a little) and prints where their CPU time goes.

Not part of the test suite. Logs of the processes: var/bench/load/<run>/logs/.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from measure import (  # noqa: E402
    CLOCK_TICKS,
    ROOT,
    closed_loop,
    cpu_seconds_of_tree,
    load_messages,
    open_loop,
    parents,
    percentile,
    rss_of_tree,
)

from bot.cli import model_path, prepare  # noqa: E402
from bot.constants import INFO_INTENTS, LANGUAGES, intent_payload, language_payload  # noqa: E402
from bot.gateway.service import SECRET_HEADER, WEBHOOK_PATH  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402
from bot.topology import (  # noqa: E402
    Service,
    Topology,
    actions_service,
    gateway_service,
    rasa_service,
    stop_processes,
    wait_until_ready,
)
from tests.fakes.bot_api import TOKEN, FakeBotAPI  # noqa: E402
from tests.helpers.ports import free_port, free_ports  # noqa: E402
from tests.helpers.postgres import SKIP_REASON, throwaway_database  # noqa: E402

WORK = ROOT / "var" / "bench" / "load"
BASELINE = ROOT / "var" / "bench" / "baseline.json"
SECRET = "bench-load-secret"
# Telegram's limits (production defaults), and the raised ones for the throughput run.
LIMITS = {
    "telegram": {"TELEGRAM_SEND_RATE": "30", "TELEGRAM_CHAT_SEND_RATE": "1"},
    "raised": {"TELEGRAM_SEND_RATE": "10000", "TELEGRAM_CHAT_SEND_RATE": "10000"},
}
LIMITS_TEXT = {
    "telegram": "Telegram's limits: 30/s for the bot, 1/s a chat",
    "raised": "limits raised to 10000/s: the fake has none",
}
# A turn without any reply by then counts as unanswered (the gateway retries for hours).
TURN_TIMEOUT = 60.0
# The slowest turns of a run, named in the report: where a latency tail comes from.
SLOWEST = 5
# Longest wait for the gateway to work off a backlog between the runs.
DRAIN_TIMEOUT = 600.0
QUEUE_LENGTH = re.compile(r'^bot_queue_length\{queue="(?:inbox|outbox)"\} (\S+)$', re.M)
# Outside a questionnaire, what a person does next (weights); inside, they mostly answer.
IDLE_MIX = {"question": 0.5, "button": 0.3, "questionnaire": 0.2}
ANSWER_SHARE = 0.8
LANGUAGE_BUTTON_SHARE = 0.15  # of the button presses, "lang:xx" (confirmation + menu)
MIB = 1024 * 1024


# -- The fake Bot API, told to report each sendMessage ------------------------------------------


class TimedBotAPI(FakeBotAPI):
    """The fake, calling ``listener(chat_id, monotonic time, params)`` on every sendMessage.

    The time is taken in the fake's server thread as the request is handled, so the bench's
    own event loop, busy posting updates, does not delay it.
    """

    listener: Any = None

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        arrived = time.monotonic()
        message = super()._send_message(params)
        if self.listener is not None:
            self.listener(params["chat_id"], arrived, params)
        return message


def payloads(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or []
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


# -- People and their turns ----------------------------------------------------------------------


@dataclass
class Turn:
    kind: str  # start, question, button, questionnaire
    handed: float  # when the update was handed to the gateway (or was due to be)
    first: asyncio.Future
    what: str = ""  # the text sent or the button pressed: the slowest turns are named by it
    times: list[float] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    activity: asyncio.Event = field(default_factory=asyncio.Event)
    refused: int = 0  # webhook answers other than 200 before one took it

    @property
    def latency(self) -> float | None:
        return self.times[0] - self.handed if self.times else None


@dataclass
class Person:
    """One simulated person: a Telegram user in a language, and where they are in the chat."""

    user_id: int
    language: str
    rng: random.Random
    started: bool = False
    # The buttons of the last assessment message (intro, question, caseworker offer), if any.
    assessment: list[str] = field(default_factory=list)

    def next_move(self, questions: list[str]) -> tuple[str, str, str]:
        """(kind, "text" or "press", what): the next thing this person sends."""
        if not self.started:
            return "start", "text", "/start"
        if self.assessment and self.rng.random() < ANSWER_SHARE:
            return "questionnaire", "press", self._answer()
        roll = self.rng.random()
        if self.assessment or roll < IDLE_MIX["question"]:
            # Inside a questionnaire, an off-topic question: the question comes back after it.
            return "question", "text", self.rng.choice(questions)
        if roll < IDLE_MIX["question"] + IDLE_MIX["button"]:
            if self.rng.random() < LANGUAGE_BUTTON_SHARE:
                return "button", "press", language_payload(self.language)
            return "button", "press", intent_payload(self.rng.choice(INFO_INTENTS))
        return "questionnaire", "text", "/assessment"

    def _answer(self) -> str:
        """Begin, resume, an option (or skip, for a typed question), or "no" to a caseworker."""
        steps = {p.split(":")[2]: p for p in self.assessment if p.count(":") >= 2}
        if "begin" in steps:
            return self.rng.choice([p for p in self.assessment if ":begin:" in p])
        if "resume" in steps:
            return steps["resume"]
        if "cw" in steps:
            return next(p for p in self.assessment if p.endswith(":cw:no"))
        options = [p for p in self.assessment if p.count(":") == 3 and "~" not in p]
        return (
            self.rng.choice(options)
            if options
            else next(p for p in self.assessment if p.endswith("~skip"))
        )

    def learn(self, messages: list[dict[str, Any]]) -> None:
        """Remember the last assessment buttons the turn brought (none: out of the flow)."""
        self.started = True
        shown = [payloads(m) for m in messages]
        last = next((ps for ps in reversed(shown) if any(p.startswith("a:") for p in ps)), [])
        self.assessment = [p for p in last if p.startswith("a:")]


class Traffic:
    """Posts people's updates to the webhook and matches the fake's sendMessage calls to them.

    A person has at most one turn in flight, so every message to their chat belongs to it.
    """

    def __init__(
        self, fake: TimedBotAPI, webhooks: list[str], quiet: float, users: int, seed: int
    ) -> None:
        self.fake = fake
        # As a reverse proxy in front of several gateways would: each update to the next one.
        self.webhooks = itertools.cycle(webhooks)
        self.quiet = quiet
        self.questions: dict[str, list[str]] = collections.defaultdict(list)
        for language, text in load_messages(seed):
            self.questions[language].append(text)
        self.client = httpx.AsyncClient(
            timeout=30.0,
            limits=httpx.Limits(max_connections=users + 16, max_keepalive_connections=users + 16),
        )
        self.in_flight: dict[int, Turn] = {}
        self.turns: list[Turn] = []
        # Arrival of messages to a chat with no turn in flight: a turn's message came later than
        # the quiet window. In a closed loop such a message may be taken for the next turn's.
        self.strays: list[float] = []
        self.gaps: list[float] = []  # between consecutive messages of one turn
        self._update_ids = itertools.count(1)
        self._user_ids = itertools.count(1000)
        self.people = 0
        self._seed = seed
        self._loop = asyncio.get_running_loop()
        fake.listener = self._from_fake_thread

    def person(self, started: bool = False) -> Person:
        self.people += 1
        user_id = next(self._user_ids)
        language = LANGUAGES[user_id % len(LANGUAGES)]
        return Person(user_id, language, random.Random(f"{self._seed}-{user_id}"), started)

    def _from_fake_thread(self, chat_id: int, arrived: float, params: dict[str, Any]) -> None:
        self._loop.call_soon_threadsafe(self._sent, chat_id, arrived, params)

    def _sent(self, chat_id: int, arrived: float, params: dict[str, Any]) -> None:
        turn = self.in_flight.get(chat_id)
        if turn is None:
            self.strays.append(arrived)
            return
        if turn.times:
            self.gaps.append(arrived - turn.times[-1])
        turn.times.append(arrived)
        turn.messages.append(params)
        if not turn.first.done():
            turn.first.set_result(arrived)
        turn.activity.set()

    def update(self, person: Person, how: str, what: str) -> dict[str, Any]:
        language = person.language
        if how == "press":
            update = self.fake.callback_update(person.user_id, what, language_code=language)
        elif what.startswith("/"):
            update = self.fake.command_update(person.user_id, what, language_code=language)
        else:
            update = self.fake.text_update(person.user_id, what, language_code=language)
        update["update_id"] = next(self._update_ids)
        return update

    async def take_turn(self, person: Person, due: float | None = None) -> Turn:
        """One turn: post the update, wait for the first reply, then for the chat to go quiet."""
        kind, how, what = person.next_move(self.questions[person.language])
        update = self.update(person, how, what)
        handed = due if due is not None else time.monotonic()
        turn = Turn(kind, handed, self._loop.create_future(), what)
        self.in_flight[person.user_id] = turn
        self.turns.append(turn)
        try:
            await self._post(update, turn)
            await asyncio.wait_for(asyncio.shield(turn.first), TURN_TIMEOUT)
            while True:
                turn.activity.clear()
                await asyncio.wait_for(turn.activity.wait(), self.quiet)
        except asyncio.TimeoutError:
            pass
        finally:
            del self.in_flight[person.user_id]
        person.learn(turn.messages)
        return turn

    async def _post(self, update: dict[str, Any], turn: Turn) -> None:
        """As Telegram does: again, after a pause, until the gateway takes it (200)."""
        headers = {SECRET_HEADER: SECRET}
        deadline = time.monotonic() + TURN_TIMEOUT
        while time.monotonic() < deadline:
            try:
                response = await self.client.post(next(self.webhooks), json=update, headers=headers)
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            turn.refused += 1
            await asyncio.sleep(0.2)

    async def aclose(self) -> None:
        await self.client.aclose()


# -- The stack -----------------------------------------------------------------------------------


@dataclass
class Stack:
    settings: Settings
    topology: Topology
    fake: TimedBotAPI

    @property
    def gateways(self) -> list[Service]:
        return [s for s in self.topology.services if s.name.startswith("gateway-")]

    @property
    def webhooks(self) -> list[str]:
        return [
            f"http://127.0.0.1:{self.settings.gateway_port + n}{WEBHOOK_PATH}"
            for n in range(len(self.gateways))
        ]

    def pids(self) -> dict[str, int]:
        return {s.name: s.process.pid for s in self.topology.services if s.process is not None}


def environment(
    fake: TimedBotAPI, database: str | None, limits: str, work: Path, gateways: int
) -> dict[str, str]:
    """What ``python -m bot.cli run`` would read, pointed at the fake and a throwaway state."""
    env = {
        "RASA_TELEMETRY_ENABLED": "false",
        "BOT_VAR_DIR": str(work / "var"),
        "BOT_DATA_KEY": Fernet.generate_key().decode(),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        # Never called: the fake only records it. This process posts to the gateway itself.
        "TELEGRAM_WEBHOOK_URL": "https://bench.invalid/telegram",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        # Gateway n listens on GATEWAY_PORT + n - 1 (bot.topology.gateway_service).
        "GATEWAY_PORT": str(free_ports(gateways)),
        "ACTION_SERVER_PORT": str(free_port()),
        # Everything set, so that nothing from the caller's shell (a real database, Redis, other
        # Rasa replicas) is used by mistake.
        "DATABASE_URL": database or f"sqlite:///{work / 'var' / 'bot.db'}",
        "REDIS_URL": "",
        **LIMITS[limits],
    }
    env["RASA_PORT"] = str(free_port())
    env["RASA_URL"] = env["RASA_URLS"] = f"http://127.0.0.1:{env['RASA_PORT']}"
    return env


def build_stack(
    fake: TimedBotAPI, database: str | None, limits: str, work: Path, gateways: int
) -> tuple[Stack, float]:
    """Settings, migrations and the directory import (as ``run`` does before launching)."""
    logs = work / "logs"
    logs.mkdir(parents=True)
    # The processes read their configuration from the environment, as in production.
    os.environ.update(environment(fake, database, limits, work, gateways))
    settings = load_settings()
    started = time.perf_counter()
    model = prepare(settings)
    prepared = time.perf_counter() - started
    services = [
        actions_service(settings, logs),
        rasa_service(settings, model, settings.rasa_url, logs),
        *(gateway_service(settings, n, gateways, logs) for n in range(1, gateways + 1)),
    ]
    # One group: all are launched at once, and the gateways wait for Rasa by themselves.
    return Stack(settings, Topology([services]), fake), prepared


async def cold_start(stack: Stack, traffic: Traffic) -> dict[str, float]:
    """Launch every process at once; ready when a first /start has its reply."""
    launched = time.monotonic()
    await asyncio.to_thread(stack.topology.start)
    healthy = time.monotonic() - launched
    turn = await traffic.take_turn(traffic.person())
    if not turn.times:
        raise RuntimeError("no answer to /start after start-up; see the logs")
    return {"cold_start_s": turn.times[0] - launched, "health_ready_s": healthy}


def restart_gateway(stack: Stack, limits: dict[str, str]) -> float:
    """The gateways alone, stopped as systemd would (SIGTERM) and started with other limits."""
    stop_processes([gateway.process for gateway in stack.gateways])
    started = time.perf_counter()
    for gateway in stack.gateways:
        gateway.env.update(limits)
        gateway.start()
    wait_until_ready(stack.gateways)
    return time.perf_counter() - started


@contextmanager
def database(choice: str | None) -> Iterator[str | None]:
    """The DATABASE_URL: None for SQLite under var/bench/load, the URL given, or for
    "postgresql" a fresh database on the project's PostgreSQL, dropped afterwards."""
    if choice != "postgresql":
        yield choice
        return
    with throwaway_database("bench_load") as url:
        if url is None:
            sys.exit(SKIP_REASON)
        yield url


# -- Measuring -----------------------------------------------------------------------------------


def other_benches() -> list[int]:
    """Other bench/load.py processes: two runs at once skew each other's figures."""
    # This process and its ancestors: `timeout 900 python bench/load.py` is one run.
    parent_of = parents()
    ours, pid = set(), os.getpid()
    while pid > 1 and pid not in ours:
        ours.add(pid)
        pid = parent_of.get(pid, 0)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in ours:
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(part.endswith(b"bench/load.py") for part in command):
            found.append(int(entry.name))
    return found


async def idle_cores(stack: Stack, seconds: float = 5.0) -> dict[str, float]:
    """CPU each process burns with no traffic at all (polling loops, timers), in cores."""
    before = cpu_snapshot(stack)
    await asyncio.sleep(seconds)
    after = cpu_snapshot(stack)
    return {
        name: max(0.0, after[name] - before[name]) / seconds for name in before if name != "bench"
    }


async def drain(stack: Stack) -> float:
    """Seconds until the gateway's inbox and outbox are empty (its /metrics says so)."""
    started = time.monotonic()
    url = f"http://127.0.0.1:{stack.settings.gateway_port}/metrics"
    async with httpx.AsyncClient(timeout=10.0) as client:
        while time.monotonic() - started < DRAIN_TIMEOUT:
            text = (await client.get(url)).text
            waiting = QUEUE_LENGTH.findall(text)
            if len(waiting) != 2:
                raise RuntimeError(f"no inbox and outbox lengths in {url}")
            if all(float(n) == 0 for n in waiting):
                return time.monotonic() - started
            await asyncio.sleep(1.0)
    print(f"warning: the gateway's queues still hold turns after {DRAIN_TIMEOUT:.0f} s")
    return time.monotonic() - started


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy, all cores (the first line of /proc/stat)."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait = ticks[3], ticks[4]
    # user nice system idle iowait irq softirq steal (guest time is already in user).
    return (sum(ticks[:8]) - idle - iowait) / CLOCK_TICKS


def cpu_snapshot(stack: Stack) -> dict[str, float]:
    snapshot = {name: cpu_seconds_of_tree(pid) for name, pid in stack.pids().items()}
    # process_time counts every thread, the fake Bot API's server thread included.
    snapshot["bench"] = time.process_time()
    # Whatever else runs on the machine meanwhile (other people's tests...) skews the figures.
    snapshot["other processes"] = machine_busy_seconds() - sum(snapshot.values())
    return snapshot


@dataclass
class Window:
    """The measured part of a run (after the warm-up), and the CPU each process spent in it."""

    start: float
    end: float
    cpu_s: dict[str, float] = field(default_factory=dict)
    profiles: list[Path] = field(default_factory=list)


async def measure_window(
    stack: Stack,
    args: argparse.Namespace,
    load: Callable[[float], Awaitable[object]],
    profile_into: Path | None = None,
) -> Window:
    """Run ``load(warm-up + duration)``; snapshot CPU (and profile) over the last ``duration``."""
    window = Window(time.monotonic() + args.warmup, time.monotonic() + args.warmup + args.duration)

    async def watch() -> None:
        await asyncio.sleep(max(0.0, window.start - time.monotonic()))
        before = cpu_snapshot(stack)
        if profile_into is not None:
            spies = await asyncio.to_thread(profile, stack, profile_into, args.duration)
            window.profiles.extend(spies)
        await asyncio.sleep(max(0.0, window.end - time.monotonic()))
        after = cpu_snapshot(stack)
        # Counted in whole ticks: "other processes" can come out a hair below zero.
        window.cpu_s = {name: max(0.0, after[name] - before[name]) for name in before}

    watcher = asyncio.create_task(watch())
    await load(args.warmup + args.duration)
    await watcher
    return window


def summarise(turns: list[Turn], strays: list[float], window: Window) -> dict[str, Any]:
    """Figures of the turns handed to the gateway within the window."""
    seconds = window.end - window.start
    measured = [t for t in turns if window.start <= t.handed < window.end]
    answered = [t for t in measured if t.times]
    # An unanswered turn counts as the timeout: percentiles that reach it are lower bounds.
    latencies = [t.latency for t in answered] + [TURN_TIMEOUT] * (len(measured) - len(answered))
    # Throughput: first replies that arrived in the window, whenever their update was posted.
    replied = sum(1 for t in turns if t.times and window.start <= t.times[0] < window.end)
    messages = sum(1 for t in turns for at in t.times if window.start <= at < window.end)
    mix = {}
    for kind, count in collections.Counter(t.kind for t in measured).most_common():
        of_kind = [t for t in answered if t.kind == kind]
        mix[kind] = {
            "share": count / len(measured),
            "p50_ms": percentile([t.latency for t in of_kind], 50) * 1000,
            "p95_ms": percentile([t.latency for t in of_kind], 95) * 1000,
            "messages_per_turn": sum(len(t.times) for t in of_kind) / max(1, len(of_kind)),
        }
    return {
        "turns": len(measured),
        "unanswered": len(measured) - len(answered),
        "refused_posts": sum(t.refused for t in measured),
        "strays": sum(1 for at in strays if window.start <= at < window.end),
        "turns_per_s": replied / seconds,
        "messages_per_s": messages / seconds,
        "messages_per_turn": sum(len(t.times) for t in answered) / max(1, len(answered)),
        "latency_ms": {f"p{p}": percentile(latencies, p) * 1000 for p in (50, 95, 99)}
        | {"max": max(latencies, default=float("nan")) * 1000},
        "mix": mix,
        "slowest": [
            {"kind": t.kind, "what": t.what[:48], "ms": t.latency * 1000}
            for t in sorted(answered, key=lambda t: t.latency)[-SLOWEST:]
        ],
        "cpu_ms_per_turn": {
            name: spent * 1000 / max(1, replied) for name, spent in window.cpu_s.items()
        },
        "cpu_cores": {name: spent / seconds for name, spent in window.cpu_s.items()},
    }


async def sign_up(traffic: Traffic, count: int) -> list[Person]:
    """New people, each past their /start, so that a run's mix is not mostly first contacts."""
    people = [traffic.person() for _ in range(count)]
    await asyncio.gather(*(traffic.take_turn(person) for person in people))
    return people


async def latency_run(stack: Stack, traffic: Traffic, args: argparse.Namespace) -> dict:
    """Open loop at ``args.rate``: a turn is due every 1/rate s, from whoever is idle."""
    idle = collections.deque(await sign_up(traffic, args.users))
    lags: list[float] = []
    first = len(traffic.turns)
    begin = time.monotonic()

    async def one(n: int) -> None:
        due = begin + n / args.rate
        lags.append(time.monotonic() - due)
        # A newcomer if everyone is busy, so that the offered load stays what it says; one who
        # writes straight away (no /start), so that an overload does not change the mix.
        person = idle.popleft() if idle else traffic.person(started=True)
        try:
            await traffic.take_turn(person, due)
        finally:
            idle.append(person)

    window = await measure_window(stack, args, lambda seconds: open_loop(one, args.rate, seconds))
    figures = summarise(traffic.turns[first:], traffic.strays, window)
    figures["generator_lag_p99_ms"] = percentile(lags, 99) * 1000
    figures["people"] = len(idle)
    return figures


async def throughput_run(stack: Stack, traffic: Traffic, args: argparse.Namespace) -> dict:
    """Closed loop: ``args.users`` people, each sending as soon as their chat is quiet."""
    people = await sign_up(traffic, args.users)
    first = len(traffic.turns)

    async def send(worker: int, _turn: int) -> None:
        await traffic.take_turn(people[worker])

    window = await measure_window(
        stack, args, lambda seconds: closed_loop(send, args.users, seconds), args.profile
    )
    figures = summarise(traffic.turns[first:], traffic.strays, window)
    figures["profiles"] = [str(path) for path in window.profiles]
    return figures


def profile(stack: Stack, out: Path, seconds: float) -> list[Path]:
    """py-spy on every process at once for ``seconds``; waits for them (run in a thread).

    Collapsed stacks ("raw"), 50 a second, of the thread holding the GIL only (--gil): here
    py-spy cannot tell idle threads from busy ones (database threads waiting on their queue,
    uvloop waiting in epoll show as busy), so this is the surest view of the Python CPU time.
    C code that releases the GIL (SQLite's own work, numpy) does not show.
    """
    # pip puts py-spy beside this venv's Python, which need not be on PATH.
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        sys.exit("--profile needs py-spy: .venv/bin/pip install py-spy")
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for name, pid in stack.pids().items():
        path = out / f"{name}.txt"
        command = [
            spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "50",
            "--format", "raw", "--output", str(path), "--gil",
        ]  # fmt: skip
        spied = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        runs.append((path, spied))
    for _, spied in runs:
        spied.wait()
    return [path for path, _ in runs if path.exists()]


def top_functions(path: Path, count: int = 15) -> list[tuple[float, float, str]]:
    """From py-spy's collapsed stacks: (self share, total share, function), by self time."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, weight = line.rpartition(" ")
        if not weight.isdigit():
            continue
        frames = stack.split(";")
        samples += int(weight)
        own[frames[-1]] += int(weight)
        for frame in set(frames):
            total[frame] += int(weight)
    return [(n / samples, total[frame] / samples, frame) for frame, n in own.most_common(count)]


def fake_capacity(fake: TimedBotAPI, seconds: float = 3.0) -> dict[str, float]:
    """What the fake takes on its own: sendMessage calls a second from 32 concurrent clients,
    through this process's event loop as during the runs."""

    async def hammer() -> tuple[int, list[float]]:
        url = f"{fake.base_url}{TOKEN}/sendMessage"
        async with httpx.AsyncClient() as client:

            async def call(worker: int, _n: int) -> None:
                await client.post(url, data={"chat_id": str(-1 - worker), "text": "x"})

            return await closed_loop(call, 32, seconds)

    count, latencies = asyncio.run(hammer())
    fake.clear()
    return {"calls_per_s": count / seconds, "p50_ms": percentile(latencies, 50) * 1000}


# -- Reporting -----------------------------------------------------------------------------------


def read_baseline() -> dict[str, Any] | None:
    try:
        return json.loads(BASELINE.read_text())
    except (OSError, ValueError):
        return None


def headline(result: dict[str, Any], baseline: dict[str, Any]) -> list[tuple]:
    """(figure, value, unit, target, stock Rasa's value or None), as the table shows them."""
    latency = result["latency"]["latency_ms"]
    base_memory = baseline.get("rss_after_load_bytes", baseline.get("rss_bytes"))
    if baseline.get("rate") != result["rate"]:
        # Latencies compare only at the same offered rate.
        baseline = {k: v for k, v in baseline.items() if not k.startswith("open_loop_p")}
    return [
        ("cold start, launch -> first reply", result["cold_start_s"], "s", "",
         baseline.get("ready_s")),
        (f"throughput, {result['users']} people, closed loop",
         result["throughput"]["turns_per_s"], "turns/s", ">= 60",
         baseline.get("concurrent_msgs_per_s")),
        (f"latency p50 at {result['rate']:g} turns/s, open loop", latency["p50"], "ms", "<= 50",
         baseline.get("open_loop_p50_ms")),
        ("latency p95", latency["p95"], "ms", "<= 150", baseline.get("open_loop_p95_ms")),
        ("latency p99", latency["p99"], "ms", "", baseline.get("open_loop_p99_ms")),
        ("memory, RSS of all processes", result["rss_total_bytes"] / MIB, "MiB", "",
         base_memory / MIB if base_memory else None),
        ("CPU per turn, all processes (throughput run)", stack_cpu_ms(result["throughput"]),
         "ms", "<= 33", baseline.get("concurrent_cpu_ms_per_msg")),
    ]  # fmt: skip


def stack_cpu_ms(run: dict[str, Any]) -> float:
    """CPU time the stack under test spent per turn: its processes, not this one nor others."""
    outside = ("bench", "other processes")
    return sum(ms for name, ms in run["cpu_ms_per_turn"].items() if name not in outside)


def run_details(name: str, run: dict[str, Any]) -> list[tuple[str, str]]:
    latency = " / ".join(f"{run['latency_ms'][p]:.0f}" for p in ("p50", "p95", "p99", "max"))
    mix = ", ".join(
        f"{kind} {m['share']:.0%} ({m['p50_ms']:.0f} / {m['p95_ms']:.0f} ms, "
        f"{m['messages_per_turn']:.2f})"
        for kind, m in run["mix"].items()
    )
    slowest = ", ".join(f"{t['kind']} {t['what']!r} {t['ms']:.0f} ms" for t in run["slowest"])
    cpu = ", ".join(
        f"{process} {ms:.1f} ({run['cpu_cores'][process]:.2f})"
        for process, ms in run["cpu_ms_per_turn"].items()
    )
    return [
        (name, ""),
        ("  turns measured / unanswered / webhook refusals / late messages",
         f"{run['turns']} / {run['unanswered']} / {run['refused_posts']} / {run['strays']}"),
        ("  turns/s, messages/s, messages per turn",
         f"{run['turns_per_s']:.1f}, {run['messages_per_s']:.1f}, {run['messages_per_turn']:.2f}"),
        ("  latency p50 / p95 / p99 / max", f"{latency} ms"),
        ("  mix (share, p50 / p95 latency, messages per turn)", mix),
        ("  slowest turns", slowest),
        ("  CPU ms per turn (cores busy)", cpu),
    ]  # fmt: skip


def report(result: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    load = " ".join(f"{x:.2f}" for x in result["loadavg_before"])
    print(f"\nfull stack on {result['cpus']} CPUs, {result['database']} database")
    print(f"load average (1, 5, 15 min) before launching: {load}")
    print(f"\n{'figure':46} {'value':>14} {'target':>8} {'x stock Rasa':>13}")
    for label, value, unit, target, base in headline(result, baseline or {}):
        ratio = f"{value / base:.2f}" if base else "-"
        print(f"{label:46} {value:7.1f} {unit:<7}{target:>8} {ratio:>13}")
    print("(CPU target: 2 cores at 60 turns/s leave 33 ms a turn, load generator included)")
    served = result["latency"]["turns_per_s"]
    if served < 0.9 * result["rate"]:
        print(
            f"OVERLOADED: {served:.1f} of the {result['rate']:g} turns/s offered were answered,"
            " so the latency run measures a growing queue (longer --duration, longer latency)"
        )
    bot_limit = float(LIMITS[result["latency_limits"]]["TELEGRAM_SEND_RATE"])
    sent = result["latency"]["messages_per_s"]
    if sent >= 0.95 * bot_limit:
        # Replies then queue behind Telegram's limit for the whole bot: every kind of turn
        # waits, and the tail measures the limit rather than the stack.
        print(
            f"AT TELEGRAM'S LIMIT: the latency run sent {sent:.1f} messages/s against the bot's"
            f" {bot_limit:g}/s; its tail measures that queue (a lower --rate measures the stack)"
        )
    fake = result["fake_bot_api"]
    rss = ", ".join(f"{k} {v / MIB:.0f} MiB" for k, v in result["rss_bytes"].items())
    details = [
        ("prepare (migrations, directory import), before launch", f"{result['prepare_s']:.1f} s"),
        ("launch -> every /health answers 200", f"{result['health_ready_s']:.1f} s"),
        ("CPU with no traffic, in cores",
         ", ".join(f"{name} {cores:.3f}" for name, cores in result["idle_cores"].items())),
        *run_details(f"latency run ({LIMITS_TEXT[result['latency_limits']]})",
                     result["latency"]),
        ("  load generator lag p99 / people used",
         f"{result['latency']['generator_lag_p99_ms']:.1f} ms / {result['latency']['people']}"),
        ("  backlog worked off after the run in", f"{result['drain_s']:.1f} s"),
        ("gateway restart with raised limits -> /health 200",
         f"{result.get('gateway_restart_s', float('nan')):.1f} s"),
        *run_details(f"throughput run ({LIMITS_TEXT['raised']})", result["throughput"]),
        ("RSS after the runs", rss),
        ("gap between messages of one turn p99 / max (quiet window)",
         f"{result['gap_p99_ms']:.0f} / {result['gap_max_ms']:.0f} ms"
         f" ({result['quiet_s'] * 1000:.0f} ms)"),
        ("fake Bot API alone: sendMessage/s, p50",
         f"{fake['calls_per_s']:.0f}/s, {fake['p50_ms']:.1f} ms"),
        ("load average at the end", " ".join(f"{x:.2f}" for x in result["loadavg_after"])),
    ]  # fmt: skip
    print()
    for label, value in details:
        print(f"  {label:62} {value}")
    if result["other_benches"]:
        print(f"\nWARNING: other bench/load.py processes ran meanwhile: {result['other_benches']}")
    if baseline is None:
        print(f"\nno {BASELINE.relative_to(ROOT)} (bench/baseline_rasa.py writes it): no ratios")
    else:
        print(
            f"\nstock Rasa: {baseline.get('stack', '?')}, measured {baseline.get('measured_at')}"
            f" with {baseline.get('concurrency', '?')} concurrent senders, no gateway, no"
            " database. Ratio > 1 is better for throughput, < 1 for the rest."
        )


def print_profiles(paths: list[Path]) -> None:
    for path in paths:
        print(f"\npy-spy, {path.stem} ({path}): self, total, function")
        for own, total, frame in top_functions(path):
            print(f"  {own:6.1%} {total:6.1%}  {frame[:120]}")


# -- Main ----------------------------------------------------------------------------------------


async def bench(stack: Stack, args: argparse.Namespace) -> dict[str, Any]:
    traffic = Traffic(stack.fake, stack.webhooks, args.quiet, args.users, args.seed)
    try:
        figures: dict[str, Any] = await cold_start(stack, traffic)
        figures["other_benches"] = other_benches()
        print(f"first reply {figures['cold_start_s']:.1f} s after launch", flush=True)
        figures["idle_cores"] = await idle_cores(stack)
        figures["latency"] = await latency_run(stack, traffic, args)
        print(f"latency run: p50 {figures['latency']['latency_ms']['p50']:.0f} ms", flush=True)
        # Turns the stack could not keep up with are still queued: let it finish them, so that
        # their replies neither count for nor slow down the next run.
        figures["drain_s"] = await drain(stack)
        stack.fake.clear()  # the fake keeps every call: keep its memory and copies small
        if args.latency_limits != "raised":
            figures["gateway_restart_s"] = await asyncio.to_thread(
                restart_gateway, stack, LIMITS["raised"]
            )
        figures["throughput"] = await throughput_run(stack, traffic, args)
        figures["rss_bytes"] = {name: rss_of_tree(pid) for name, pid in stack.pids().items()}
        figures["rss_total_bytes"] = sum(figures["rss_bytes"].values())
        figures["gap_p99_ms"] = percentile(traffic.gaps, 99) * 1000
        figures["gap_max_ms"] = max(traffic.gaps, default=0.0) * 1000
    finally:
        await traffic.aclose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="simulated people")
    parser.add_argument(
        "--gateways", type=int, default=1, help="gateway processes, the updates spread over them"
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds before measuring")
    parser.add_argument("--rate", type=float, default=25.0, help="turns/s of the latency run")
    parser.add_argument("--quiet", type=float, default=1.5, help="s of silence ending a turn")
    parser.add_argument(
        "--latency-limits",
        choices=sorted(LIMITS),
        default="telegram",
        help="sending limits of the latency run (the throughput run always raises them)",
    )
    parser.add_argument(
        "--database",
        help="postgresql (a throwaway database) or postgresql://... (default: SQLite)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--profile", type=Path, help="py-spy each process into this folder")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not model_path().exists():
        sys.exit(f"{model_path()} does not exist: run `make train` first")

    # Other work on the machine skews every figure: the load average goes with them.
    loadavg_before = os.getloadavg()
    # A folder of its own: another run at the same time must not share its database.
    work = WORK / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    print(f"logs: {work.relative_to(ROOT) / 'logs'}", flush=True)
    with TimedBotAPI() as fake, database(args.database) as url:
        capacity = fake_capacity(fake)
        stack, prepared = build_stack(fake, url, args.latency_limits, work, args.gateways)
        try:
            figures = asyncio.run(bench(stack, args))
        finally:
            stack.topology.stop()
            shutil.rmtree(work / "var", ignore_errors=True)
    figures["other_benches"] = sorted(set(other_benches() + figures["other_benches"]))
    result = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cpus": os.cpu_count(),
        "database": "postgresql" if args.database else "sqlite",
        "model": model_path().name,
        "users": args.users,
        "gateways": args.gateways,
        "rate": args.rate,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "quiet_s": args.quiet,
        "latency_limits": args.latency_limits,
        "loadavg_before": loadavg_before,
        "loadavg_after": os.getloadavg(),
        "prepare_s": prepared,
        "fake_bot_api": capacity,
        **figures,
    }
    report(result, read_baseline())
    print_profiles([Path(p) for p in result["throughput"]["profiles"]])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
