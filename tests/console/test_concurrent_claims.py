"""Claiming is atomic: of several caseworkers claiming the same case at the same moment, exactly
one gets it. On SQLite (file, WAL) and on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from cryptography.fernet import MultiFernet
from sqlalchemy.orm import sessionmaker

from bot.storage import cases
from bot.storage.models import Case
from tests.console.helpers import queued_case

CONTENDERS = 8
ROUNDS = 5


def race(sessions: sessionmaker, case_id: int) -> list[bool]:
    """CONTENDERS caseworkers (ids 1..N), each with its own connection, claim at once."""
    barrier = threading.Barrier(CONTENDERS)

    def contend(caseworker_id: int) -> bool:
        with sessions() as session:
            session.connection()  # connected before the barrier, so that only the claim races
            barrier.wait(timeout=30)
            won = cases.claim(session, case_id, caseworker_id, datetime.utcnow())
            session.commit()
            return won

    with ThreadPoolExecutor(CONTENDERS) as pool:
        return list(pool.map(contend, range(1, CONTENDERS + 1)))


def test_exactly_one_of_simultaneous_claims_wins(
    database_url: str, racing_sessions: sessionmaker, box: MultiFernet
) -> None:
    for round_number in range(ROUNDS):
        case_id = queued_case(racing_sessions, box, pseudonym=f"{round_number:032d}")

        results = race(racing_sessions, case_id)

        assert results.count(True) == 1, results
        with racing_sessions() as session:
            case = session.get(Case, case_id)
            assert case.status == cases.CLAIMED
            assert case.claimed_by == results.index(True) + 1
