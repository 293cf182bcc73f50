"""Alembic environment: migrates the database named by DATABASE_URL (or the ini default)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from bot.storage.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not config.attributes.get("url_from_caller") and os.environ.get("DATABASE_URL"):
    url = os.environ["DATABASE_URL"]

if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()
