"""The directory and ``data/services.yml`` at start-up: imported when no admin edited the
directory since its last import, else left alone with a line saying how to import."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.orm import sessionmaker

from bot import directory
from bot.centres import CentreDirectory
from bot.directory_sync import IMPORT_COMMAND, differs, import_file, synchronise
from bot.storage.cases import audit

SOURCE = "data/services.yml"


@pytest.fixture
def entries(centres: CentreDirectory) -> list[directory.ServiceEntry]:
    return directory.load_services(directory.DEFAULT_SERVICES_FILE, centres)


def stored_names(sessions: sessionmaker) -> dict[str, str]:
    with sessions() as session:
        return {service.id: service.name for service in directory.list_services(session)}


def edit_in_console(sessions: sessionmaker, centres: CentreDirectory, service_id: str) -> None:
    """What the console does when an admin saves a service."""
    with sessions.begin() as session:
        data = directory.service_data(directory.get_service(session, service_id))
        directory.upsert_service(session, {**data, "name": "Renamed by an admin"}, centres)
        audit(session, "service_updated", 1, "ada", detail=service_id)


def test_an_empty_directory_is_filled_once(sessions: sessionmaker, entries) -> None:
    with sessions.begin() as session:
        line = synchronise(session, entries, SOURCE)
    assert line == f"service directory: imported {len(entries)} services from {SOURCE}"
    with sessions.begin() as session:
        assert not differs(session, entries)
        assert synchronise(session, entries, SOURCE) is None


def test_a_changed_file_is_imported_when_nobody_edited_the_directory(
    sessions: sessionmaker, entries
) -> None:
    with sessions.begin() as session:
        import_file(session, entries, SOURCE)
    added = dataclasses.replace(entries[0], id="new-service", name="Un nouveau service")
    changed = [dataclasses.replace(entries[1], phone="+221 33 000 00 00"), *entries[2:], added]
    with sessions.begin() as session:
        assert synchronise(session, changed, SOURCE) == (
            f"service directory: imported {len(changed)} services from {SOURCE}"
        )
    names = stored_names(sessions)
    assert names["new-service"] == "Un nouveau service"
    assert entries[0].id not in names


def test_console_edits_are_kept_and_the_command_is_named(
    sessions: sessionmaker, centres: CentreDirectory, entries
) -> None:
    with sessions.begin() as session:
        import_file(session, entries, SOURCE)
    edit_in_console(sessions, centres, entries[0].id)

    with sessions.begin() as session:
        line = synchronise(session, entries, SOURCE)
    assert line is not None and "\n" not in line
    assert line.startswith(f"{SOURCE} differs from the service directory")
    assert line.endswith(IMPORT_COMMAND)
    assert stored_names(sessions)[entries[0].id] == "Renamed by an admin"


def test_an_import_by_command_ends_the_console_edits_protection(
    sessions: sessionmaker, centres: CentreDirectory, entries
) -> None:
    with sessions.begin() as session:
        import_file(session, entries, SOURCE)
    edit_in_console(sessions, centres, entries[0].id)
    with sessions.begin() as session:
        import_file(session, entries, SOURCE)
    assert stored_names(sessions)[entries[0].id] == entries[0].name

    fewer = entries[1:]
    with sessions.begin() as session:
        assert synchronise(session, fewer, SOURCE) is not None
    assert entries[0].id not in stored_names(sessions)


def test_a_directory_edited_before_imports_were_audited_is_kept(
    sessions: sessionmaker, centres: CentreDirectory, entries
) -> None:
    # A database from before this check: seeded without an audit entry, then edited.
    with sessions.begin() as session:
        directory.import_services(session, entries)
    edit_in_console(sessions, centres, entries[0].id)
    with sessions.begin() as session:
        assert IMPORT_COMMAND in synchronise(session, entries, SOURCE)
