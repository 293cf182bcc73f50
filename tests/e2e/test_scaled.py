"""Scale-out mode under faults, as ``python -m bot.cli run --scaled`` runs it: two gateway
replicas in webhook mode, two Rasa replicas and the action server, on PostgreSQL and Redis.

While simulated people go through the self-assessment, each process type is killed (SIGKILL)
and restarted, and every PostgreSQL connection is terminated. Nothing may be lost or
duplicated: every person finishes, with each answer stored once and right. The test plays
Telegram: it posts each update to a gateway's webhook until one answers 200.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, select, text

from bot.cli import model_path
from bot.constants import intent_payload
from bot.gateway import messages
from bot.gateway.assessment import COUNTRY_VALUE, TOWN_VALUE
from bot.i18n import translate
from bot.nlg.render import Renderer
from bot.questionnaire.engine import SKIPPED
from bot.settings import Settings, load_settings
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.keys import cipher, data_keys, pseudonym, unseal
from bot.storage.models import Assessment, DeadLetter, InboxUpdate, OutboxMessage
from bot.topology import Topology, scaled
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.helpers import redis_server
from tests.helpers.ports import free_port, free_ports
from tests.helpers.postgres import SKIP_REASON, throwaway_database
from tests.helpers.tcp_proxy import TcpProxy

USERS = 50
SECRET = "scaled-test-secret"
# An info question asked by everyone on the way, so that Rasa (and its kills) is on the path.
INFO_QUESTION = "c'est quoi l'aide pour trouver un logement ?"
# Telegram's update ids only grow, across the whole module (a reused id is rightly ignored).
UPDATE_IDS = itertools.count(1)


@dataclass
class Cluster:
    settings: Settings
    topology: Topology
    fake: FakeBotAPI
    redis: TcpProxy
    webhooks: list[str]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not redis_server.reachable():
        pytest.skip(redis_server.SKIP_REASON)
    model = model_path()
    if not model.exists():
        pytest.fail(f"{model} is missing: `make test` trains it before running the suite")
    var = tmp_path_factory.mktemp("scaled")
    gateway_port, rasa_port = free_ports(2), free_ports(2)
    with (
        throwaway_database("scaled_test") as database_url,
        FakeBotAPI() as fake,
        TcpProxy(redis_server.REDIS_HOST, redis_server.REDIS_PORT) as redis_proxy,
        pytest.MonkeyPatch.context() as patch,
    ):
        if database_url is None:
            pytest.skip(SKIP_REASON)
        env = {
            "BOT_VAR_DIR": str(var),
            "BOT_DATA_KEY": Fernet.generate_key().decode(),
            "DATABASE_URL": database_url,
            "REDIS_URL": f"redis://127.0.0.1:{redis_proxy.port}/0",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "GATEWAY_PORT": str(gateway_port),
            "RASA_URLS": f"http://127.0.0.1:{rasa_port},http://127.0.0.1:{rasa_port + 1}",
            "ACTION_SERVER_PORT": str(free_port()),
            # Fast enough per chat for a test of many turns; the limits have their own tests.
            "TELEGRAM_CHAT_SEND_RATE": "5",
        }
        # The replicas read their configuration from the environment, as in production.
        for name, value in env.items():
            patch.setenv(name, value)
        settings = load_settings(env)
        migrate(database_url)
        topology = scaled(settings, model, Path(var))
        try:
            topology.start()
            webhooks = [f"http://127.0.0.1:{gateway_port + n}/telegram" for n in range(2)]
            yield Cluster(settings, topology, fake, redis_proxy, webhooks)
        finally:
            topology.stop()


class Telegram:
    """Delivers updates like Telegram: to a webhook, again and elsewhere until one takes it."""

    def __init__(self, cluster: Cluster) -> None:
        self._fake = cluster.fake
        self._urls = cluster.webhooks
        self._client = httpx.AsyncClient(timeout=10.0)
        self.refused = 0

    async def post(self, update: dict, replica: int | None = None) -> int:
        update_id = update.setdefault("update_id", next(UPDATE_IDS))
        for attempt in range(1200):
            url = self._urls[(replica if replica is not None else update_id + attempt) % 2]
            try:
                response = await self._client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
            # AttributeError: a gateway killed while this client connects can leave anyio's
            # socket closed before httpcore asks for its peer (anyio 4.16, ``getpeername`` on
            # None) instead of raising ConnectError. Telegram would just try again.
            except (httpx.HTTPError, AttributeError):
                pass
            else:
                if response.status_code == 200:
                    return update_id
            self.refused += 1
            await asyncio.sleep(0.1)
        raise AssertionError(f"no gateway took update {update_id}")

    async def text(self, user: int, words: str) -> int:
        return await self.post(self._fake.text_update(user, words))

    async def press(self, user: int, payload: str) -> int:
        return await self.post(self._fake.callback_update(user, payload))

    async def aclose(self) -> None:
        await self._client.aclose()


def payloads(message: dict) -> list[str]:
    keyboard = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [button["callback_data"] for row in keyboard for button in row]


def question_of(message: dict) -> str | None:
    for payload in payloads(message):
        parts = payload.split(":")
        if parts[0] == "a" and len(parts) == 4 and parts[2] not in ("begin", "cw"):
            return parts[2]
    return None


class Inbox:
    """One person's view of the chat: waits for the next bot message that matters."""

    def __init__(self, fake: FakeBotAPI, user: int) -> None:
        self._fake = fake
        self._user = user
        self._seen = 0

    async def next(self, wanted: Callable[[dict], bool], timeout: float = 240.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self._fake.sent(self._user)
            for index in range(self._seen, len(received)):
                if wanted(received[index]):
                    self._seen = index + 1
                    return received[index]
            await asyncio.sleep(0.05)
        raise AssertionError(f"user {self._user}: nothing expected came within {timeout} s")


async def go_through_assessment(
    telegram: Telegram, fake: FakeBotAPI, user: int, answered: list[int]
) -> dict[str, str]:
    """The whole assessment: first option (or skip) everywhere, one info question on the way.
    Returns the answers as they must be stored."""
    chat = Inbox(fake, user)
    await telegram.text(user, "/assessment")
    intro = await chat.next(lambda m: any(p.endswith(":begin:keep") for p in payloads(m)))
    await telegram.press(user, next(p for p in payloads(intro) if p.endswith(":begin:keep")))
    answers: dict[str, str] = {}
    last = None
    while True:
        message = await chat.next(
            lambda m, last=last: (
                question_of(m) not in (None, last) or any(":cw:" in p for p in payloads(m))
            )
        )
        if any(":cw:" in p for p in payloads(message)):
            await telegram.press(user, next(p for p in payloads(message) if p.endswith(":cw:no")))
            await chat.next(lambda m: "/help" in m["text"])
            return answers
        question = question_of(message)
        if len(answers) == 2:
            await telegram.text(user, INFO_QUESTION)
            message = await chat.next(lambda m, q=question: question_of(m) == q)
        options = [p for p in payloads(message) if not p.split(":")[3].startswith("~")]
        choice = options[0] if options else next(p for p in payloads(message) if "~skip" in p)
        if choice.split(":")[3].startswith(COUNTRY_VALUE):
            # Without a centre the town question names the countries first, then their towns.
            await telegram.press(user, choice)
            message = await chat.next(
                lambda m, q=question: (
                    question_of(m) == q
                    and not payloads(m)[0].split(":")[3].startswith(COUNTRY_VALUE)
                )
            )
            choice = payloads(message)[0]
        value = choice.split(":")[3]
        if value.startswith(TOWN_VALUE):
            # A town is stored by its French name, the button's text for a French speaker.
            value = next(
                button["text"]
                for row in message["reply_markup"]["inline_keyboard"]
                for button in row
                if button["callback_data"] == choice
            )
        answers[question] = SKIPPED if value == "~skip" else value
        last = question
        await telegram.press(user, choice)
        answered.append(user)


def outbox_empty(sessions) -> bool:
    with sessions() as session:
        return session.execute(select(OutboxMessage.id).limit(1)).first() is None


def terminate_connections(database_url: str) -> int:
    """Every PostgreSQL connection to the test database, cut from the server side."""
    admin = create_engine(database_url, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    return ended


async def test_fifty_people_finish_through_kills_and_database_cuts(cluster: Cluster) -> None:
    telegram = Telegram(cluster)
    answered: list[int] = []
    faults: list[str] = []
    gateway_kills: list[float] = []
    questions = 25  # about the questions each person answers

    async def inject_faults() -> None:
        schedule: list[tuple[float, str, Callable[[], object]]] = [
            (0.05, "gateway-1", lambda: cluster.topology.restart("gateway-1")),
            (0.15, "rasa-1", lambda: cluster.topology.restart("rasa-1")),
            (0.25, "actions", lambda: cluster.topology.restart("actions")),
            (0.35, "postgresql", lambda: terminate_connections(cluster.settings.database_url)),
            (0.40, "gateway-2", lambda: cluster.topology.restart("gateway-2")),
            (0.50, "rasa-2", lambda: cluster.topology.restart("rasa-2")),
        ]
        for share, name, fault in schedule:
            while len(answered) < share * USERS * questions:
                await asyncio.sleep(0.1)
            faults.append(name)
            if name.startswith("gateway"):
                gateway_kills.append(time.monotonic())
            await asyncio.to_thread(fault)

    users = range(100_001, 100_001 + USERS)
    fault_task = asyncio.create_task(inject_faults())
    try:
        results = await asyncio.gather(
            *(go_through_assessment(telegram, cluster.fake, user, answered) for user in users)
        )
        # Every fault struck while people were still answering.
        assert len(faults) == 6, f"only {faults} struck before everyone finished"
        await fault_task
    finally:
        fault_task.cancel()
        await telegram.aclose()

    assert faults == ["gateway-1", "rasa-1", "actions", "postgresql", "gateway-2", "rasa-2"]
    keys = data_keys(cluster.settings)
    engine = make_engine(cluster.settings.database_url)
    box = cipher(keys)
    # The last replies have reached the people; their rows go once that is recorded.
    await cluster.fake.wait_until(
        lambda: outbox_empty(session_factory(engine)), timeout=30, description="outbox drained"
    )
    with session_factory(engine).begin() as session:
        for user, expected in zip(users, results, strict=True):
            (stored,) = session.execute(
                select(Assessment).where(Assessment.pseudonym == pseudonym(keys, user))
            ).scalars()
            assert stored.status == "completed"
            assert unseal(box, stored.progress)["answers"] == expected, f"user {user}"
        assert session.execute(select(InboxUpdate).where(InboxUpdate.status != "done")).all() == []
        assert session.execute(select(OutboxMessage)).all() == []
        assert session.execute(select(DeadLetter)).all() == []
    engine.dispose()
    for user in users:
        for first_sent in repeated_sends(cluster.fake, user):
            # The one window left: killed after Telegram took the message, before the outbox
            # row was deleted, a gateway sends it again on restart (rather than maybe never).
            # The fake times a request once it has read it: a request the gateway wrote just
            # before its SIGKILL can be timed a little after it (seen: 70 ms).
            assert any(first_sent - 0.5 <= kill <= first_sent + 3 for kill in gateway_kills), (
                f"user {user} got a message twice at {first_sent}, and no gateway was killed "
                f"then (kills at {gateway_kills}): {sends_of(cluster.fake, user)}"
            )


def sends_of(fake: FakeBotAPI, user: int) -> list[tuple[float, str, object]]:
    return [
        (request["at"], request["params"]["text"][:40], request.get("error_code", "pending"))
        for request in fake.requests("sendMessage", chat_id=user)
    ]


def repeated_sends(fake: FakeBotAPI, user: int) -> list[float]:
    """When each message that came twice in a row (delay notices aside) was first sent."""
    delayed = translate("fr", messages.DELAYED)
    sends = [
        (request["at"], request["params"]["text"], request["params"].get("reply_markup"))
        for request in fake.requests("sendMessage", chat_id=user)
        if request.get("error_code", 0) is None and request["params"]["text"] != delayed
    ]
    return [a[0] for a, b in itertools.pairwise(sends) if a[1:] == b[1:]]


async def test_the_same_update_posted_three_times_to_two_replicas_is_answered_once(
    cluster: Cluster,
) -> None:
    telegram = Telegram(cluster)
    user = 200_001
    update = cluster.fake.text_update(user, "/help")
    update["update_id"] = next(UPDATE_IDS)

    await asyncio.gather(*(telegram.post(dict(update), replica=n % 2) for n in range(3)))
    await Inbox(cluster.fake, user).next(lambda m: True)
    await asyncio.sleep(2)
    await telegram.aclose()

    assert len(cluster.fake.sent(user)) == 1


async def test_a_burst_of_twenty_from_one_chat_is_answered_in_order(
    cluster: Cluster, renderer: Renderer
) -> None:
    telegram = Telegram(cluster)
    user = 300_001
    topics = ["info_housing_food", "info_health", "info_transport", "info_business"] * 5

    # In quick succession (as Telegram delivers them), alternately to both replicas, each sent
    # before any answer has come back.
    for n, topic in enumerate(topics):
        await telegram.post(cluster.fake.callback_update(user, intent_payload(topic)), n % 2)
    chat = Inbox(cluster.fake, user)
    answers = [await chat.next(lambda m: True) for _ in topics]
    await telegram.aclose()

    expected = [renderer.render(f"utter_{topic}", "fr").text[:60] for topic in topics]
    assert [answer["text"][:60] for answer in answers] == expected


async def test_redis_away_for_thirty_seconds_delays_then_catches_up(cluster: Cluster) -> None:
    telegram = Telegram(cluster)
    users = range(400_001, 400_011)
    health = httpx.AsyncClient(timeout=5.0)
    cluster.redis.cut()
    cut_at = time.monotonic()
    try:
        for user in users:
            await telegram.text(user, INFO_QUESTION)
        # The replicas say what is wrong while it lasts.
        reported = False
        while not reported and time.monotonic() < cut_at + 25:
            page = await health.get(cluster.webhooks[0].replace("/telegram", "/health"))
            reported = page.json().get("redis") is False
            await asyncio.sleep(0.5)
        assert reported, "/health did not report Redis as down"
        await asyncio.sleep(max(0.0, cut_at + 30 - time.monotonic()))
    finally:
        cluster.redis.restore()

    delayed = translate("fr", messages.DELAYED)
    for user in users:
        answer = await Inbox(cluster.fake, user).next(lambda m: m["text"] != delayed, timeout=120.0)
        assert "logement" in answer["text"]
    await telegram.aclose()
    await health.aclose()
