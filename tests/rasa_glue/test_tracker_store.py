"""EncryptedSQLTrackerStore: nothing personal in clear at rest, rotation, erasure, fail loud."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy.exc
from cryptography.fernet import Fernet
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
    deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_glue.tracker_store import (
    RECENT_EVENTS,
    EncryptedSQLTrackerStore,
    TrackerDecryptionError,
    deserialise,
    fail_closed,
)

USER_TEXT = "je suis en danger chez moi"
SLOT_VALUE = "violences conjugales"
SENDER = "pseudonym-1"
DOMAIN_YAML = """
version: "3.1"
intents:
  - emergency
slots:
  situation:
    type: text
    influence_conversation: false
    mappings:
      - type: custom
"""


@pytest.fixture
def domain() -> Domain:
    return Domain.from_yaml(DOMAIN_YAML)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "rasa-tracker.db"


def make_store(db_path: Path, keys: list[bytes], domain: Domain) -> EncryptedSQLTrackerStore:
    return EncryptedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db_path), keys=keys)


def conversation(domain: Domain, sender_id: str = SENDER) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender_id, domain.slots)
    for event in (
        ActionExecuted("action_listen"),
        UserUttered(USER_TEXT, intent={"name": "emergency", "confidence": 0.97}),
        SlotSet("situation", SLOT_VALUE),
        BotUttered("Appelez le 17."),
    ):
        tracker.update(event)
    return tracker


def raw_rows(db_path: Path) -> list[sqlite3.Row]:
    with sqlite3.connect(db_path) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute("SELECT * FROM events ORDER BY id").fetchall()


@pytest.mark.asyncio
async def test_events_are_encrypted_at_rest_and_read_back(db_path: Path, domain: Domain) -> None:
    key = Fernet.generate_key()
    store = make_store(db_path, [key], domain)
    tracker = conversation(domain)

    await store.save(tracker)

    raw = b"".join(p.read_bytes() for p in db_path.parent.iterdir())
    for secret in (USER_TEXT, SLOT_VALUE, "Appelez", "emergency", "situation"):
        assert secret.encode() not in raw
    rows = raw_rows(db_path)
    assert [row["type_name"] for row in rows] == ["action", "user", "slot", "bot"]
    assert all(row["intent_name"] is None and row["action_name"] is None for row in rows)
    assert USER_TEXT.encode() in Fernet(key).decrypt(rows[1]["data"])

    retrieved = await store.retrieve(SENDER)
    assert retrieved is not None
    assert list(retrieved.events) == list(tracker.events)
    assert retrieved.get_slot("situation") == SLOT_VALUE
    full = await store.retrieve_full_tracker(SENDER)
    assert full is not None and list(full.events) == list(tracker.events)
    assert list(await store.keys()) == [SENDER]


@pytest.mark.asyncio
async def test_only_new_events_are_appended(db_path: Path, domain: Domain) -> None:
    store = make_store(db_path, [Fernet.generate_key()], domain)
    tracker = conversation(domain)
    await store.save(tracker)

    tracker.update(UserUttered("merci"))
    await store.save(tracker)

    assert len(raw_rows(db_path)) == 5
    retrieved = await store.retrieve(SENDER)
    assert retrieved is not None and list(retrieved.events) == list(tracker.events)


@pytest.mark.asyncio
async def test_a_save_waiting_for_the_database_leaves_other_turns_running(
    db_path: Path, domain: Domain
) -> None:
    store = make_store(db_path, [Fernet.generate_key()], domain)
    await store.save(conversation(domain, "someone-else"))
    ticks = 0

    async def another_turn() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    # Another process's transaction holds SQLite's write lock, as the gateway's do.
    with sqlite3.connect(db_path, isolation_level=None) as gateway:
        gateway.execute("BEGIN IMMEDIATE")
        running = asyncio.create_task(another_turn())
        saving = asyncio.create_task(store.save(conversation(domain)))
        await asyncio.sleep(0.5)
        assert not saving.done() and ticks >= 20
        gateway.execute("COMMIT")
    await saving
    running.cancel()

    assert len(raw_rows(db_path)) == 8


@pytest.mark.asyncio
async def test_retrieve_returns_the_latest_session_only(db_path: Path, domain: Domain) -> None:
    store = make_store(db_path, [Fernet.generate_key()], domain)
    tracker = conversation(domain)
    for event in (ActionExecuted("action_session_start"), SessionStarted()):
        tracker.update(event)
    tracker.update(UserUttered("bonjour"))
    await store.save(tracker)

    latest = await store.retrieve(SENDER)
    full = await store.retrieve_full_tracker(SENDER)

    assert latest is not None and full is not None
    assert [e.type_name for e in latest.events] == ["session_started", "user"]
    assert list(full.events) == list(tracker.events)


@pytest.mark.asyncio
async def test_rotation_reads_old_key_and_writes_new_one(db_path: Path, domain: Domain) -> None:
    key_a, key_b = Fernet.generate_key(), Fernet.generate_key()
    tracker = conversation(domain)
    await make_store(db_path, [key_a], domain).save(tracker)

    rotated = make_store(db_path, [key_b, key_a], domain)
    retrieved = await rotated.retrieve(SENDER)
    assert retrieved is not None and list(retrieved.events) == list(tracker.events)

    retrieved.update(UserUttered("merci"))
    await rotated.save(retrieved)
    last = raw_rows(db_path)[-1]["data"]
    assert b"merci" in Fernet(key_b).decrypt(last)


@pytest.mark.asyncio
async def test_without_the_writing_key_retrieve_raises(db_path: Path, domain: Domain) -> None:
    await make_store(db_path, [Fernet.generate_key()], domain).save(conversation(domain))
    stranger = make_store(db_path, [Fernet.generate_key()], domain)

    with pytest.raises(TrackerDecryptionError):
        await stranger.retrieve(SENDER)
    with pytest.raises(TrackerDecryptionError):
        await stranger.retrieve_full_tracker(SENDER)


@pytest.mark.asyncio
async def test_clear_rows_from_rasa_sql_store_are_refused(db_path: Path, domain: Domain) -> None:
    db_path.parent.mkdir()
    await SQLTrackerStore(domain=domain, dialect="sqlite", db=str(db_path)).save(
        conversation(domain)
    )

    with pytest.raises(TrackerDecryptionError):
        await make_store(db_path, [Fernet.generate_key()], domain).retrieve(SENDER)


@pytest.mark.asyncio
async def test_delete_removes_every_row_of_the_conversation(db_path: Path, domain: Domain) -> None:
    store = make_store(db_path, [Fernet.generate_key()], domain)
    tracker = conversation(domain)
    for event in (ActionExecuted("action_session_start"), SessionStarted()):
        tracker.update(event)
    await store.save(tracker)
    await store.save(conversation(domain, sender_id="someone-else"))

    deleted = await store.delete(SENDER)

    assert deleted == len(tracker.events)
    assert await store.retrieve_full_tracker(SENDER) is None
    assert list(await store.keys()) == ["someone-else"]
    assert {row["sender_id"] for row in raw_rows(db_path)} == {"someone-else"}


@pytest.fixture
def unreachable_store(db_path: Path, domain: Domain) -> EncryptedSQLTrackerStore:
    # The parent's constructor retries an unreachable database forever, so the database
    # disappears after construction instead.
    store = make_store(db_path, [Fernet.generate_key()], domain)
    store.engine.dispose()
    shutil.rmtree(db_path.parent)
    return store


@pytest.mark.asyncio
async def test_unreachable_database_raises(
    unreachable_store: EncryptedSQLTrackerStore, domain: Domain
) -> None:
    with pytest.raises(sqlalchemy.exc.OperationalError):
        await unreachable_store.retrieve(SENDER)
    with pytest.raises(sqlalchemy.exc.OperationalError):
        await unreachable_store.save(conversation(domain))


@pytest.mark.asyncio
async def test_rasa_failsafe_wrapper_hides_errors_and_fail_closed_removes_it(
    unreachable_store: EncryptedSQLTrackerStore,
) -> None:
    # What Agent._create_tracker_store does to every store: the error becomes "no tracker".
    wrapped = FailSafeTrackerStore(unreachable_store)
    assert await wrapped.retrieve(SENDER) is None

    agent = SimpleNamespace(tracker_store=wrapped, processor=SimpleNamespace(tracker_store=wrapped))
    fail_closed(agent)  # type: ignore[arg-type]
    fail_closed(agent)  # type: ignore[arg-type]

    assert agent.tracker_store is unreachable_store
    assert agent.processor.tracker_store is unreachable_store
    with pytest.raises(sqlalchemy.exc.OperationalError):
        await agent.tracker_store.get_or_create_tracker(SENDER)


@pytest.mark.asyncio
async def test_created_from_endpoints_yml_with_keys_from_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, domain: Domain
) -> None:
    key = Fernet.generate_key()
    monkeypatch.setenv("BOT_DATA_KEY", key.decode())
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "endpoints.yml").write_text(
        "tracker_store:\n"
        "  type: bot.rasa_glue.tracker_store.EncryptedSQLTrackerStore\n"
        "  dialect: sqlite\n"
        "  db: var/rasa-tracker.db\n"
    )
    endpoints = AvailableEndpoints.read_endpoints("endpoints.yml")

    store = TrackerStore.create(endpoints.tracker_store, domain=domain)

    # Not wrapped in AwaitableTrackerStore: Rasa accepted the methods as async.
    assert isinstance(store, EncryptedSQLTrackerStore)
    await store.save(conversation(domain))
    data = raw_rows(tmp_path / "var" / "rasa-tracker.db")[1]["data"]
    assert USER_TEXT.encode() in Fernet(key).decrypt(data)


async def test_a_long_conversation_loads_only_its_recent_turns(
    db_path: Path, domain: Domain
) -> None:
    keys = [Fernet.generate_key()]
    store = make_store(db_path, keys, domain)
    tracker = DialogueStateTracker(SENDER, domain.slots)
    for turn in range(100):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(f"message {turn}", intent={"name": "greet", "confidence": 1}))
        tracker.update(BotUttered(f"answer {turn}"))
    await store.save(tracker)

    recent = await store.retrieve(SENDER)
    assert len(recent.events) <= RECENT_EVENTS
    assert recent.events[0] == ActionExecuted("action_listen"), "starts with a whole turn"
    assert recent.latest_message.text == "message 99"

    # A new turn on the short tracker is appended after everything already stored.
    recent.update(ActionExecuted("action_listen"))
    recent.update(UserUttered("message 100", intent={"name": "greet", "confidence": 1}))
    await store.save(recent)
    await store.save(recent)  # saving twice adds nothing twice

    everything = await store.retrieve_full_tracker(SENDER)
    texts = [e.text for e in everything.events if isinstance(e, UserUttered)]
    assert texts == [f"message {n}" for n in range(101)]
    assert len(raw_rows(db_path)) == 302


def test_events_read_back_are_the_ones_rasa_would_make() -> None:
    stored = [
        event.as_dict()
        for event in (
            ActionExecuted("action_session_start"),
            SessionStarted(),
            UserUttered("bonjour", {"name": "greet", "confidence": 0.9}),
            ActionExecuted("utter_greet"),
            BotUttered("Bonjour !", {"elements": None}),
            SlotSet("language", "fr"),
            ActionExecuted("action_listen"),
        )
    ]

    assert deserialise([*stored, {"no": "event"}]) == deserialise_events(stored)
    with pytest.raises(ValueError):
        deserialise([{"event": "not_an_event"}])
