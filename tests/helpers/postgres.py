"""Throwaway databases on the project machines' PostgreSQL (127.0.0.1:5432, trust auth)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

POSTGRES_SERVER = "127.0.0.1:5432"
POSTGRES_USERS = ("postgres", "root")
SKIP_REASON = (
    f"PostgreSQL is not reachable at {POSTGRES_SERVER} as {' or '.join(POSTGRES_USERS)} "
    "(trust authentication, database 'test')"
)


def _admin_url() -> str | None:
    for user in POSTGRES_USERS:
        url = f"postgresql://{user}@{POSTGRES_SERVER}/test"
        engine = create_engine(url, future=True, connect_args={"connect_timeout": 3})
        try:
            with engine.connect():
                return url
        except OperationalError:
            continue
        finally:
            engine.dispose()
    return None


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str | None]:
    """A fresh, empty database's URL (None when PostgreSQL is unreachable); dropped after."""
    admin_url = _admin_url()
    if admin_url is None:
        yield None
        return
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
