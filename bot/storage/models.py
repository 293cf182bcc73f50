"""Database tables. A person is known only by a pseudonym (keyed hash of the Telegram id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Person(Base):
    __tablename__ = "people"

    pseudonym = Column(String(64), primary_key=True)
    language = Column(String(8), nullable=False)
    centre_code = Column(String(64), nullable=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    last_seen_at = Column(DateTime, nullable=False, default=datetime.utcnow)


class SeenUpdate(Base):
    """Telegram update ids already handled, so a repeated update is not answered twice."""

    __tablename__ = "seen_updates"

    update_id = Column(BigInteger, primary_key=True, autoincrement=False)
    seen_at = Column(DateTime, nullable=False, default=datetime.utcnow)


class Assessment(Base):
    """One run of the self-assessment. Answers and result are encrypted (``bot.storage.keys``)."""

    __tablename__ = "assessments"

    id = Column(Integer, primary_key=True, autoincrement=True)
    pseudonym = Column(String(64), nullable=False, index=True)
    definition_version = Column(Integer, nullable=False)
    # in_progress: answers expected; paused: stopped by the person, resumable; completed.
    status = Column(String(16), nullable=False)
    progress = Column(LargeBinary, nullable=False)
    result = Column(LargeBinary, nullable=True)
    wants_caseworker = Column(Boolean, nullable=True)
    started_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    updated_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    completed_at = Column(DateTime, nullable=True)
