"""Which cases an account may see and act on, and what of them it may read.

Caseworkers and supervisors work on their own centre's cases only; admins on every centre's.
An account without a centre sees no case until an admin gives it one: a missing centre must
never widen what an account sees. The handover packet, the most sensitive part of a case, is
shown only to the caseworker who claimed the case and to the supervisors of its centre, and to
nobody while the case waits in the queue (docs/data-inventory.md: "only after claiming").
"""

from __future__ import annotations

from sqlalchemy import false, select, true
from sqlalchemy.sql.elements import ColumnElement

from bot.storage import cases
from bot.storage.models import AuditEntry, Case, Caseworker

ADMIN = "admin"
SUPERVISORS = ("supervisor", ADMIN)
# Roles a case can be handed to: an admin account is for administration, not casework.
CASE_HOLDERS = ("caseworker", "supervisor")


def sees_every_centre(account: Caseworker) -> bool:
    return account.role == ADMIN


def case_filter(account: Caseworker) -> ColumnElement:
    """The SQL condition on ``Case`` for the cases the account may see."""
    if sees_every_centre(account):
        return true()
    if not account.centre_code:
        return false()
    return Case.centre_code == account.centre_code


def in_scope(account: Caseworker, case: Case) -> bool:
    """Whether the case belongs to a centre the account works for."""
    if sees_every_centre(account):
        return True
    return bool(account.centre_code) and case.centre_code == account.centre_code


def may_open(account: Caseworker, case: Case) -> bool:
    """The case page, its thread and its actions: supervisors of the centre, admins, and the
    caseworker holding the case."""
    if not in_scope(account, case):
        return False
    return account.role in SUPERVISORS or case.claimed_by == account.id


def manages_centre(account: Caseworker, centre_code: str | None) -> bool:
    """Whether the account configures this centre (canned replies, labels): its supervisors,
    and admins for every centre."""
    if sees_every_centre(account):
        return bool(centre_code)
    return (
        account.role in SUPERVISORS
        and bool(account.centre_code)
        and account.centre_code == centre_code
    )


def may_read_packet(account: Caseworker, case: Case) -> bool:
    """The claiming caseworker and the supervisors of the case's own centre; an admin of another
    centre only once it claimed the case itself."""
    if case.status == cases.QUEUED or case.claimed_by is None:
        return False
    if case.claimed_by == account.id:
        return True
    return (
        account.role in SUPERVISORS
        and bool(account.centre_code)
        and account.centre_code == case.centre_code
    )


def may_receive(colleague: Caseworker, case: Case) -> bool:
    """Whether a case may be transferred to this account: active, of the case's centre."""
    return (
        colleague.active
        and colleague.role in CASE_HOLDERS
        and bool(colleague.centre_code)
        and colleague.centre_code == case.centre_code
        and colleague.id != case.claimed_by
    )


def audit_filter(account: Caseworker) -> ColumnElement:
    """Audit entries a supervisor may read: about its centre's cases or by its centre's accounts.

    Entries without either (failed logins of unknown names, for instance) are for admins.
    """
    if sees_every_centre(account):
        return true()
    if not account.centre_code:
        return false()
    centre_cases = select(Case.id).where(case_filter(account))
    colleagues = select(Caseworker.id).where(Caseworker.centre_code == account.centre_code)
    return AuditEntry.case_id.in_(centre_cases) | AuditEntry.caseworker_id.in_(colleagues)
