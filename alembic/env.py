"""Alembic environment.

``bot.storage.db.migrate`` (run at start-up) hands over an open connection; the ``alembic``
command line migrates DATABASE_URL, or the ini file's default.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from bot.storage.models import Base

config = context.config


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
elif "connection" in config.attributes:
    run(config.attributes["connection"])
else:
    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    with create_engine(url, future=True).begin() as connection:
        run(connection)
