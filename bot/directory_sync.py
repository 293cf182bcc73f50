"""Keeping the service directory in the database in step with ``data/services.yml``.

The file seeds the directory; admins then edit it in the console. At start-up the launcher
compares the two. When they differ and no admin has edited the directory since it was last
imported, the file is imported, so a service added to the file appears without a command.
When an admin has edited it, their edits are kept and the launcher says how to replace them
with the file.

The audit log tells the two cases apart: every import writes ``services_imported`` to it, and
the console writes ``service_created``, ``service_updated`` or ``service_deleted`` for each
edit. The audit log's retention keeps these entries, so the answer holds for the database's
whole life.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.directory import ServiceEntry, entry_data, import_services, list_services, service_data
from bot.storage.cases import SERVICE_EDITS, SERVICES_IMPORTED, audit
from bot.storage.models import AuditEntry

IMPORT_COMMAND = "python -m bot.cli services import"


def differs(session: Session, entries: Sequence[ServiceEntry]) -> bool:
    """Whether the stored directory is not exactly the file's entries."""
    stored = {service.id: service_data(service) for service in list_services(session)}
    return stored != {entry.id: entry_data(entry) for entry in entries}


def edited_in_console(session: Session) -> bool:
    """Whether an admin changed the directory in the console after its last import."""
    last_import = select(func.coalesce(func.max(AuditEntry.id), 0)).where(
        AuditEntry.action == SERVICES_IMPORTED
    )
    edit = select(AuditEntry.id).where(
        AuditEntry.action.in_(SERVICE_EDITS), AuditEntry.id > last_import.scalar_subquery()
    )
    return session.execute(edit.limit(1)).first() is not None


def import_file(session: Session, entries: Sequence[ServiceEntry], source: str) -> int:
    """Replace the directory with the file's entries, and audit it; return their number."""
    count = import_services(session, entries)
    audit(
        session,
        SERVICES_IMPORTED,
        detail=f"{count} services from {source}"[:200],
        now=datetime.utcnow(),
    )
    return count


def synchronise(session: Session, entries: Sequence[ServiceEntry], source: str) -> str | None:
    """Bring the directory in step with the file when no admin edited it; return one line
    saying what was done or what to do, or None when the two already agree."""
    if not differs(session, entries):
        return None
    if edited_in_console(session):
        return (
            f"{source} differs from the service directory, which was edited in the console; "
            f"to replace the directory with the file: {IMPORT_COMMAND}"
        )
    count = import_file(session, entries, source)
    return f"service directory: imported {count} services from {source}"
