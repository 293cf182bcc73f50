"""Engine, sessions and migrations for SQLite (default, WAL) or PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

# As many connections as the gateway has database threads (bot.gateway.service), and a few more.
POOL_SIZE, POOL_OVERFLOW = 12, 4


def make_engine(url: str) -> Engine:
    options: dict = {}
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 opens a new connection (and runs the PRAGMAs) for every transaction on
        # a file database; a turn has several, so a pool halves the gateway's time per turn.
        # No pre-ping: a SQLite connection does not go stale the way a server's does.
        options = {
            "poolclass": QueuePool,
            "pool_size": POOL_SIZE,
            "max_overflow": POOL_OVERFLOW,
            "connect_args": {"check_same_thread": False},
        }
    elif url.startswith("postgresql"):
        # A PostgreSQL connection can be cut by the server (a restart, pg_terminate_backend).
        options = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, "pool_pre_ping": True}
    engine = create_engine(url, future=True, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros in their page instead of left as free space that
    # a file carver could read back (the erased thread, packet and answers of /forget).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def scrub(engine: Engine, tables: Iterable[str] = ()) -> None:
    """After an erasure or a purge, leave no copy of deleted rows in the database's files.

    SQLite: secure_delete has zeroed them in the pages, but the WAL still holds the earlier
    versions of those pages until a checkpoint; TRUNCATE copies the pages back and empties the
    WAL file. PostgreSQL: a delete only marks rows dead; VACUUM of ``tables`` frees them for
    reuse (what remains until it runs: docs/data-inventory.md). VACUUM cannot run inside a
    transaction, hence the autocommit connection.
    """
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if busy:
            # A reader held an older snapshot: the next erasure or hourly purge checkpoints it.
            logger.warning("WAL checkpoint deferred: a reader was busy")
    elif engine.dialect.name == "postgresql":
        existing = set(inspect(engine).get_table_names())
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in tables:
                if table in existing:
                    connection.exec_driver_sql(f'VACUUM "{table}"')


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, future=True, expire_on_commit=False)


def engine_of(sessions: sessionmaker[Session]) -> Engine:
    """The engine behind a session factory.

    The statements of every turn (inbox, outbox, profile) need no ORM and run on a plain
    connection from it: an ORM session cost twice as much as the statement it ran
    (50 against 150 µs for a one-row select on SQLite, measured).
    """
    return sessions.kw["bind"]


# Any constant: the advisory lock that keeps replicas starting together from migrating twice.
MIGRATION_LOCK = 720613


def migrate(url: str) -> None:
    """Bring the schema to the newest Alembic revision (one process at a time)."""
    # Imported here: Rasa's tracker store imports make_engine, and Alembic would add a fifth of
    # a second to Rasa's start-up for nothing.
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    engine = make_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    engine.dispose()
