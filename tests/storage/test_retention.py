"""Retention periods, with a controllable clock."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from bot.constants import CONSENT_KEEP
from bot.settings import load_settings
from bot.storage import cases, labels, repository
from bot.storage.keys import seal
from bot.storage.models import (
    Assessment,
    AuditEntry,
    Case,
    CaseLabel,
    DeadLetter,
    InboxUpdate,
    Label,
    Person,
)  # fmt: skip
from bot.storage.retention import PURGED_TABLES, RetentionPolicy, purge, purge_and_scrub
from tests.helpers.carving import carved, database_files

NOW = datetime(2026, 11, 26, 12, 0)
POLICY = RetentionPolicy(inactive_days=30, closed_case_days=365, delivered_days=7, audit_days=365)


def person(session, box, pseudonym: str, last_seen: datetime, keep: bool | None = None) -> None:
    session.add(Person(pseudonym=pseudonym, language="fr", last_seen_at=last_seen))
    session.add(
        Assessment(
            pseudonym=pseudonym, definition_version=1, status="completed",
            progress=seal(box, {"answers": {}}),
        )
    )  # fmt: skip
    if keep is not None:
        repository.record_consent(session, pseudonym, CONSENT_KEEP, keep, "fr", last_seen)


def count(session, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return session.execute(query).scalar_one()


def test_inactive_people_without_keep_consent_are_erased(sessions, box) -> None:
    with sessions.begin() as session:
        person(session, box, "recent", NOW - timedelta(days=29))
        person(session, box, "silent", NOW - timedelta(days=31))
        person(session, box, "refused", NOW - timedelta(days=31), keep=False)
        person(session, box, "keeper", NOW - timedelta(days=400), keep=True)

    with sessions.begin() as session:
        counts = purge(session, NOW, POLICY)

    assert counts["people"] == 2
    with sessions.begin() as session:
        remaining = set(session.execute(select(Person.pseudonym)).scalars())
        assert remaining == {"recent", "keeper"}
        assert count(session, Assessment, pseudonym="silent") == 0


def test_people_waiting_for_a_caseworker_are_kept(sessions, box) -> None:
    with sessions.begin() as session:
        person(session, box, "waiting", NOW - timedelta(days=60))
        case = cases.create_draft(session, box, "waiting", "fr", None, {}, cases.NORMAL, "s")
        cases.enqueue(case, NOW - timedelta(days=60))

    with sessions.begin() as session:
        assert purge(session, NOW, POLICY)["people"] == 0


def test_closed_cases_after_a_year_dead_letters_and_handled_updates_after_a_week(
    sessions, box
) -> None:
    with sessions.begin() as session:
        for closed_days_ago in (366, 100):
            case = cases.create_draft(session, box, None, "fr", None, {}, cases.NORMAL, "s")
            cases.close(session, box, case, "assisted", "", NOW - timedelta(days=closed_days_ago))
        for days_ago in (8, 1):
            at = NOW - timedelta(days=days_ago)
            session.add(
                DeadLetter(pseudonym="x", body=b"t", reason="blocked", created_at=at, dead_at=at)
            )
            session.add(
                InboxUpdate(update_id=days_ago, status="done", available_at=at, received_at=at)
            )
        old = NOW - timedelta(days=9)
        # Still waiting (the database was down for long): kept, whatever its age.
        session.add(InboxUpdate(update_id=3, status="pending", available_at=old, received_at=old))

    with sessions.begin() as session:
        counts = purge(session, NOW, POLICY)

    assert counts == {
        "people": 0, "closed_cases": 1, "dead_letters": 1, "handled_updates": 1,
        "audit_entries": 0,
    }  # fmt: skip
    with sessions.begin() as session:
        assert count(session, Case) == 1
        assert count(session, DeadLetter) == 1
        assert set(session.execute(select(InboxUpdate.update_id)).scalars()) == {1, 3}


def test_a_deleted_closed_case_takes_its_labels_links_not_the_labels(sessions, box) -> None:
    with sessions.begin() as session:
        label = Label(centre_code="dakar-demo", name="logement")
        session.add(label)
        case_ids = []
        for closed_days_ago in (366, 100):
            case = cases.create_draft(session, box, None, "fr", None, {}, cases.NORMAL, "s")
            cases.close(session, box, case, "assisted", "", NOW - timedelta(days=closed_days_ago))
            session.flush()
            labels.put_on(session, case.id, label.id)
            case_ids.append(case.id)

    with sessions.begin() as session:
        purge(session, NOW, POLICY)

    with sessions.begin() as session:
        assert list(session.execute(select(CaseLabel.case_id)).scalars()) == case_ids[1:]
        assert count(session, Label) == 1


def test_the_audit_log_is_kept_for_its_own_period(sessions, settings, env) -> None:
    policy = RetentionPolicy.from_settings(load_settings({**env, "AUDIT_RETENTION_DAYS": "90"}))
    with sessions.begin() as session:
        for days_ago in (91, 89):
            cases.audit(session, "login", 1, "alice", now=NOW - timedelta(days=days_ago))

    with sessions.begin() as session:
        assert purge(session, NOW, policy)["audit_entries"] == 1

    with sessions() as session:
        (left,) = session.execute(select(AuditEntry.at)).scalars()
    assert left == NOW - timedelta(days=89)
    assert RetentionPolicy.from_settings(settings).audit_days == 365, "a year unless told"


def test_the_service_directorys_history_outlives_the_audit_period(sessions, settings) -> None:
    """bot.directory_sync reads it to keep an admin's edits: purged, they would be overwritten."""
    policy = RetentionPolicy.from_settings(settings)
    old = NOW - timedelta(days=policy.audit_days + 1)
    with sessions.begin() as session:
        for action in cases.DIRECTORY_HISTORY:
            cases.audit(session, action, 1, "ada", now=old)

    with sessions.begin() as session:
        assert purge(session, NOW, policy)["audit_entries"] == 0

    with sessions() as session:
        kept = set(session.execute(select(AuditEntry.action)).scalars())
    assert kept == set(cases.DIRECTORY_HISTORY)


def test_a_purge_leaves_nothing_of_the_erased_in_the_sqlite_files(sessions, box, settings) -> None:
    with sessions.begin() as session:
        person(session, box, "silent", NOW - timedelta(days=31))
        person(session, box, "recent", NOW - timedelta(days=1))
    with sessions() as session:
        tokens = {a.pseudonym: a.progress for a in session.query(Assessment)}

    assert purge_and_scrub(sessions, NOW, POLICY)["people"] == 1

    raw = database_files(settings.database_url)
    assert carved(raw, [], [tokens["silent"]]) == []
    assert carved(raw, [], [tokens["recent"]]), "the carving finds what is still stored"


def test_after_a_purge_the_wal_is_emptied_or_the_tables_vacuumed(
    racing_sessions, database_url: str, box
) -> None:
    with racing_sessions.begin() as session:
        person(session, box, "silent", NOW - timedelta(days=31))

    purge_and_scrub(racing_sessions, NOW, POLICY)

    if database_url.startswith("sqlite"):
        wal = database_url.removeprefix("sqlite:///") + "-wal"
        assert Path(wal).stat().st_size == 0
        return
    engine = racing_sessions.kw["bind"]
    query = text("SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL")
    vacuumed: set[str] = set()
    # VACUUM's statistics reach the view shortly after it ends.
    deadline = time.monotonic() + 10
    while not {"people", "assessments", "cases"} <= vacuumed and time.monotonic() < deadline:
        with engine.connect() as connection:
            vacuumed = set(connection.execute(query).scalars())
        time.sleep(0.2)
    assert {"people", "assessments", "cases"} <= vacuumed
    assert vacuumed <= set(PURGED_TABLES)
