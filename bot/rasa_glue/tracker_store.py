"""Rasa tracker store that keeps conversation events encrypted at rest.

Configured in ``endpoints.yml``::

    tracker_store:
      type: bot.rasa_glue.tracker_store.EncryptedSQLTrackerStore
      dialect: sqlite            # or postgresql, with host / port / db / username / password
      db: var/rasa-tracker.db

Rasa imports the class from that path and calls it with ``host`` (the endpoint's ``url``),
``domain``, ``event_broker`` and every other key of the section as keyword arguments
(``_load_from_module_name_in_endpoint_config`` in ``rasa/core/tracker_store.py``), so the
constructor keeps all of ``SQLTrackerStore``'s arguments.

What is stored
    Each event's JSON (user text, entities, slot values, bot answers, metadata) goes into the
    ``data`` column as a Fernet token, written with the newest key of ``BOT_DATA_KEY`` and read
    with any of them (``bot.storage.keys``), so a key rotation needs no re-encryption. ``sender_id``
    (the pseudonym), ``type_name`` and ``timestamp`` stay clear because Rasa's session queries
    filter on them. ``intent_name`` and ``action_name`` are stored as NULL: Rasa 3.6 never reads
    them back, and here they would say what a person asked about (``emergency``,
    ``info_health``...) next to their pseudonym; ``action_name`` also receives slot and reminder
    names. A row that no configured key decrypts (wrong key, or a clear row left by Rasa's own
    ``SQLTrackerStore``) raises :class:`TrackerDecryptionError` instead of being skipped.

    If an event broker is configured, ``SQLTrackerStore.save`` streams the events to it in
    clear: this assistant configures none.

Off the event loop
    Rasa's ``SQLTrackerStore`` runs its queries in the server's event loop, so every turn in
    flight waited while one of them waited for the database: on SQLite for the write lock that
    the gateway's transactions hold, on PostgreSQL for the round trip. Under load the Rasa
    server was found blocked in ``save`` in 7 of 12 stack samples (``py-spy dump``), with a
    core to spare. Reads, appends and deletes run in a worker thread instead; Rasa's lock store
    still keeps one turn at a time per conversation.

What happens when the database fails
    At start-up ``SQLTrackerStore.__init__`` retries every 5 s, forever, until the database
    answers, so Rasa does not start without it. Afterwards this class lets every database or
    decryption error propagate. But ``rasa.core.agent.Agent`` wraps whichever store it is given
    in ``FailSafeTrackerStore`` (``Agent._create_tracker_store``, with no error callback and no
    setting to turn it off). That wrapper catches every ``Exception``: ``retrieve`` and
    ``retrieve_full_tracker`` log it and return None, so the processor starts a new, empty
    tracker and answers from it; ``save`` logs it and saves into an in-memory store instead;
    ``keys`` returns []. After a decryption error the database is still reachable, so the next
    saves append the fresh tracker's events at the wrong offset, after the unreadable ones.
    :func:`fail_closed` removes that wrapper from an agent so that errors reach the request. It
    has to be called by code that holds the agent, which plain ``rasa run`` has none of.
    Even then the REST channel (``/webhooks/rest/webhook``) catches the exception, logs it with
    the user's text and answers HTTP 200 with the messages collected so far (``[]``), not 500.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.fernet import InvalidToken
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.shared.utils.common import all_subclasses
from sqlalchemy import bindparam, func, insert, or_, select
from sqlalchemy.orm import sessionmaker

from bot.settings import load_settings
from bot.storage.db import make_engine
from bot.storage.keys import cipher, data_keys

if TYPE_CHECKING:
    from rasa.core.agent import Agent
    from rasa.core.brokers.broker import EventBroker
    from rasa.shared.core.domain import Domain

logger = logging.getLogger(__name__)


# How many of the latest session's events a turn loads; cut back to the start of a turn.
RECENT_EVENTS = 60
# Set on a tracker this store built or saved: how many of its events are already stored.
WINDOW_MARK = "_stored_event_count"


def _from_turn_start(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop events before the first ``action_listen``, so the window starts with a whole turn."""
    for index, event in enumerate(events):
        if event.get("event") == "action" and event.get("name") == "action_listen":
            return events[index:]
    return events


class TrackerDecryptionError(RasaException):
    """A stored event cannot be decrypted with any configured data key."""


class EncryptedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose ``data`` column holds Fernet tokens instead of JSON.

    ``SQLTrackerStore`` builds and parses that column inline in ``save`` and ``_retrieve``
    (there is no serialisation hook), so those two are overridden; the session queries,
    ``_additional_events``, ``keys``, ``retrieve`` and ``retrieve_full_tracker`` are the
    parent's.
    """

    def __init__(
        self,
        domain: Domain | None = None,
        dialect: str = "sqlite",
        host: str | None = None,
        port: int | None = None,
        db: str = "rasa.db",
        username: str | None = None,
        password: str | None = None,
        event_broker: EventBroker | None = None,
        login_db: str | None = None,
        query: dict[str, Any] | None = None,
        keys: list[bytes] | None = None,
        **kwargs: Any,
    ) -> None:
        # Keys before the database: a missing or invalid key must stop start-up with a
        # ConfigError rather than after a connection, or never if the parent is still retrying.
        self._cipher = cipher(keys if keys is not None else data_keys(load_settings()))
        if dialect.startswith("sqlite") and not host and db and db != ":memory:":
            # SQLite cannot create the directory, and the parent would retry that forever.
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(
            domain=domain,
            dialect=dialect,
            host=host,
            port=port,
            db=db,
            username=username,
            password=password,
            event_broker=event_broker,
            login_db=login_db,
            query=query,
            **kwargs,
        )
        if self.engine.dialect.name == "sqlite":
            # Rasa's engine opens a new SQLite connection for each of a turn's three sessions;
            # ours pools them, in WAL mode (bot.storage.db).
            url = self.engine.url
            self.engine.dispose()
            self.engine = make_engine(str(url))
            self.sessionmaker = sessionmaker(bind=self.engine)
        # Rasa builds its queries anew for every turn; building and hashing them cost more CPU
        # than running them (bench/load.py --profile). These are built once.
        events = self.SQLEvent.__table__
        session_start = (
            select(func.max(events.c.timestamp))
            .where(
                events.c.sender_id == bindparam("sender_id"),
                events.c.type_name == SessionStarted.type_name,
            )
            .scalar_subquery()
        )
        # The latest session's newest events, as Rasa's ``_event_query`` selects the session.
        self._recent_events = (
            select(events.c.id, events.c.data)
            .where(
                events.c.sender_id == bindparam("sender_id"),
                or_(events.c.timestamp >= session_start, session_start.is_(None)),
            )
            .order_by(events.c.id.desc())
            .limit(RECENT_EVENTS)
        )
        self._insert_events = insert(events)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's events the database does not have yet, encrypted."""
        await self.stream_events(tracker)
        await asyncio.to_thread(self._append, tracker)
        setattr(tracker, WINDOW_MARK, len(tracker.events))
        logger.debug("Tracker with sender_id '%s' stored to database", tracker.sender_id)

    def _append(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            loaded = getattr(tracker, WINDOW_MARK, None)
            new_events = (
                list(tracker.events)[loaded:]
                if loaded is not None
                else list(self._additional_events(session, tracker))
            )
            rows = []
            for event in new_events:
                data = event.as_dict()
                rows.append(
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        # See the module docstring: topic and slot names, never read back.
                        "intent_name": None,
                        "action_name": None,
                        "data": self._encrypt(data),
                    }
                )
            if rows:
                session.execute(self._insert_events, rows)
            session.commit()

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """The latest session's recent turns, or every event when all sessions are asked for.

        A long conversation would otherwise cost more at every turn: Rasa replays the events,
        and sends them all to the NLG endpoint and the action server. This assistant's
        dialogue has no slots and one-turn rules, so the last turns hold all its state.
        """
        events = await asyncio.to_thread(self._read, sender_id, fetch_events_from_all_sessions)
        if not fetch_events_from_all_sessions and len(events) == RECENT_EVENTS:
            events = _from_turn_start(events)
        if self.domain and events:
            logger.debug("Recreating tracker from sender id '%s'", sender_id)
            tracker = DialogueStateTracker.from_events(
                sender_id, deserialise(events), self.domain.slots
            )
            if not fetch_events_from_all_sessions:
                # save() then appends what came after these, not what the session holds.
                setattr(tracker, WINDOW_MARK, len(tracker.events))
            return tracker
        logger.debug("No stored tracker for sender id '%s'", sender_id)
        return None

    def _read(self, sender_id: str, fetch_events_from_all_sessions: bool) -> list[dict[str, Any]]:
        with self.session_scope() as session:
            if fetch_events_from_all_sessions:
                rows = self._event_query(session, sender_id, fetch_events_from_all_sessions).all()
            else:
                newest_first = session.execute(self._recent_events, {"sender_id": sender_id})
                rows = list(reversed(newest_first.all()))
            return [self._decrypt(row.id, row.data) for row in rows]

    async def delete(self, sender_id: str) -> int:
        """Delete every stored event of a conversation, all sessions; returns the row count.

        Call it when no turn of that conversation is being processed: a turn in flight saves
        its whole tracker again afterwards, because the table then looks empty to it.
        """
        return await asyncio.to_thread(self._delete, sender_id)

    def _delete(self, sender_id: str) -> int:
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        return deleted

    def _encrypt(self, data: dict[str, Any]) -> str:
        return self._cipher.encrypt(json.dumps(data).encode()).decode("ascii")

    def _decrypt(self, row_id: int, token: str | None) -> dict[str, Any]:
        try:
            if token is None:
                raise ValueError("empty data column")
            return json.loads(self._cipher.decrypt(token))
        # ValueError also covers a clear JSON row that is not even base64.
        except (InvalidToken, ValueError) as error:
            raise TrackerDecryptionError(
                f"Tracker event {row_id} cannot be decrypted with any configured data key "
                "(BOT_DATA_KEY): the key that wrote it is missing, or the row was not written "
                "by EncryptedSQLTrackerStore."
            ) from error


def fail_closed(agent: Agent) -> None:
    """Unwrap the agent's ``FailSafeTrackerStore`` so tracker-store errors reach the caller.

    Idempotent, so it can run on every request: ``PUT /model`` replaces the agent, wrapper
    included. The processor holds its own reference to the store, hence the second assignment.
    """
    store = agent.tracker_store
    if not isinstance(store, FailSafeTrackerStore):
        return
    # Rasa 3.6 has no public accessor for the wrapped store; tests pin this attribute.
    primary = store._tracker_store
    agent.tracker_store = primary
    if agent.processor is not None:
        agent.processor.tracker_store = primary


@functools.cache
def _event_classes() -> dict[str, type[Event]]:
    """Event classes by type name, the first one listed winning, as in Rasa's lookup."""
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def deserialise(stored: list[dict[str, Any]]) -> list[Event]:
    """Rasa's ``deserialise_events``, with the event classes looked up once.

    Rasa walks every ``Event`` subclass, checking each with ``inspect``, for every event it
    reads back: a tenth of its time per turn (``bench/load.py --profile``).
    """
    classes = _event_classes()
    events = []
    for data in stored:
        cls = classes.get(data.get("event"))
        event = cls._from_parameters(data) if cls else Event.from_parameters(data)
        if event is not None:
            events.append(event)
    return events
