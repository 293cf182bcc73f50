"""Caseworker accounts and login: an argon2 password and a TOTP second factor.

Each function takes a session and leaves committing to the caller, like ``bot.storage.cases``.
The TOTP secret is sealed with the data key, so a copy of the database alone cannot produce
codes. Each TOTP secret comes with one-time recovery codes (``bot.console.recovery_codes``),
each accepted once instead of a TOTP code. Every login attempt is written to the audit log,
never with the password, and with the typed username only when it names an account.
Whatever changes what an account may do (disabling, a reset, a new role or centre) ends its
open console sessions (``bot.console.login_sessions``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import MultiFernet
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.console import login_sessions, passwords, recovery_codes
from bot.storage import cases
from bot.storage.keys import seal, unseal
from bot.storage.models import Caseworker

ROLES = ("caseworker", "supervisor", "admin")
# Well above what ``bot.console.throttle`` lets anyone try before refusing them: an account is
# locked only by someone who kept guessing after being slowed down, for 3 minutes at least
# (15 from one address).
MAX_FAILED_LOGINS = 20
LOCK_DURATION = timedelta(minutes=15)
TOTP_ISSUER = "Returnee assistant"
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MAX_AUDIT_DETAIL = 200  # the audit log's detail column

_hasher = PasswordHasher()
# Verified against when the username is unknown or the account locked, so that every answer
# costs one hash and response times do not reveal which usernames exist or are locked.
_DUMMY_HASH = _hasher.hash("not a real password, only for constant time")


def _check_password(password: str, username: str) -> None:
    problem = passwords.weakness(password, username)
    if problem:
        raise ValueError(problem)


@dataclass(frozen=True)
class Enrolment:
    """What the caseworker is given once, at creation or reset: the URI their authenticator
    app scans, and the recovery codes to keep somewhere safe."""

    uri: str
    recovery_codes: list[str]


def _enrol(session: Session, box: MultiFernet, account: Caseworker) -> Enrolment:
    """Give the (flushed) account a fresh TOTP secret and recovery codes for it."""
    secret = pyotp.random_base32()
    account.totp_secret = seal(box, secret)
    uri = pyotp.TOTP(secret).provisioning_uri(name=account.username, issuer_name=TOTP_ISSUER)
    return Enrolment(uri, recovery_codes.replace(session, box, account, datetime.utcnow()))


def find_account(session: Session, username: str) -> Caseworker | None:
    return session.execute(
        select(Caseworker).where(Caseworker.username == username)
    ).scalar_one_or_none()


def _existing(session: Session, username: str) -> Caseworker:
    account = find_account(session, username)
    if account is None:
        raise ValueError(f"no account named {username!r}")
    return account


def _audit(
    session: Session, action: str, account: Caseworker, by: Caseworker | None,
    detail: str | None = None,
) -> None:  # fmt: skip
    """An audit entry about ``account``: in its own name from the command line, in the admin's
    (naming the account) from the console."""
    if by is None:
        cases.audit(session, action, account.id, account.username, detail=detail)
        return
    about = f"{account.username} {detail}" if detail else account.username
    cases.audit(session, action, by.id, by.username, detail=about[:MAX_AUDIT_DETAIL])


def _check_role_and_centre(role: str, centre: str | None, known_centres: Collection[str]) -> None:
    if role not in ROLES:
        raise ValueError(f"the role must be one of {', '.join(ROLES)}")
    # A mistyped centre would leave the account seeing no case at all, silently.
    if centre is not None and centre not in known_centres:
        known = ", ".join(sorted(known_centres)) or "none"
        raise ValueError(f"no centre {centre!r} (known: {known})")


def create_account(
    session: Session, box: MultiFernet, username: str, password: str, role: str,
    centre: str | None = None, known_centres: Collection[str] = (), by: Caseworker | None = None,
) -> tuple[Caseworker, Enrolment]:  # fmt: skip
    """A new active account, with its TOTP provisioning URI ("otpauth://...") and recovery
    codes.

    ``centre``, when given, must be one of ``known_centres`` (the centres file's codes). ``by``
    is the admin who creates it in the console (None from the command line), as in every
    function below that changes an account.
    """
    if not USERNAME.match(username):
        raise ValueError("the username must be 1-64 characters from A-Z a-z 0-9 _ . @ -")
    _check_role_and_centre(role, centre, known_centres)
    _check_password(password, username)
    if find_account(session, username) is not None:
        raise ValueError(f"an account named {username!r} already exists")
    account = Caseworker(
        username=username,
        password_hash=_hasher.hash(password),
        role=role,
        centre_code=centre,
        active=True,
        failed_logins=0,
        created_at=datetime.utcnow(),
        totp_secret=b"",
    )
    session.add(account)
    session.flush()
    enrolment = _enrol(session, box, account)
    _audit(session, "account_created", account, by, role)
    return account, enrolment


def _set_password(account: Caseworker, password: str) -> None:
    """The new password; unlocks, since a reset is also how a locked-out person gets back."""
    _check_password(password, account.username)
    account.password_hash = _hasher.hash(password)
    account.failed_logins = 0
    account.locked_until = None


def _new_second_factor(session: Session, box: MultiFernet, account: Caseworker) -> Enrolment:
    account.totp_last_step = None  # the steps of the old secret mean nothing for the new one
    return _enrol(session, box, account)


def reset_account(session: Session, box: MultiFernet, username: str, password: str) -> Enrolment:
    """New password, new TOTP secret and new recovery codes (a lost phone is the usual
    reason); unlocks."""
    _check_password(password, username)
    account = _existing(session, username)
    _set_password(account, password)
    enrolment = _new_second_factor(session, box, account)
    _audit(session, "account_reset", account, None)
    _end_sessions(session, account, "reset")
    return enrolment


def reset_password(
    session: Session, username: str, password: str, by: Caseworker | None = None
) -> None:
    """A new password only (forgotten, not a lost phone); unlocks and ends the sessions."""
    account = _existing(session, username)
    _set_password(account, password)
    _audit(session, "password_reset", account, by)
    _end_sessions(session, account, "reset")


def reset_second_factor(
    session: Session, box: MultiFernet, username: str, by: Caseworker | None = None
) -> Enrolment:
    """A new TOTP secret and new recovery codes (a lost phone); ends the sessions."""
    account = _existing(session, username)
    enrolment = _new_second_factor(session, box, account)
    _audit(session, "totp_reset", account, by)
    _end_sessions(session, account, "reset")
    return enrolment


def unlock(session: Session, username: str, by: Caseworker | None = None) -> None:
    """Lifts a lock after too many failed logins, before it runs out."""
    account = _existing(session, username)
    account.failed_logins = 0
    account.locked_until = None
    _audit(session, "account_unlocked", account, by)


def set_active(session: Session, username: str, active: bool, by: Caseworker | None = None) -> None:
    account = _existing(session, username)
    account.active = active
    _audit(session, "account_enabled" if active else "account_disabled", account, by)
    if not active:
        _end_sessions(session, account, "disabled")


def change_account(
    session: Session, username: str, role: str, centre: str | None,
    known_centres: Collection[str], by: Caseworker | None = None,
) -> bool:  # fmt: skip
    """Gives the account this role and centre; True when either changed (its sessions end)."""
    _check_role_and_centre(role, centre, known_centres)
    account = _existing(session, username)
    if (account.role, account.centre_code) == (role, centre):
        return False
    account.role, account.centre_code = role, centre
    _audit(session, "account_changed", account, by, f"{role} {centre or '-'}")
    _end_sessions(session, account, "changed")
    return True


def end_sessions(session: Session, username: str) -> int:
    """Ends every open console session of the account (an admin's decision); returns how many."""
    return _end_sessions(session, _existing(session, username), "ended by an admin")


def _end_sessions(session: Session, account: Caseworker, reason: str) -> int:
    ended = login_sessions.end_all(session, account.id)
    if ended:
        cases.audit(
            session, "sessions_ended", account.id, account.username, detail=f"{ended}: {reason}"
        )
    return ended


def list_accounts(session: Session) -> list[Caseworker]:
    return list(session.execute(select(Caseworker).order_by(Caseworker.username)).scalars())


def _password_matches(account: Caseworker | None, password: str) -> bool:
    """Always one hash: against the dummy hash when there is no account to check."""
    try:
        return _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False


def _code_step(box: MultiFernet, account: Caseworker, code: str, now: datetime) -> int | None:
    """The time step whose code was typed (the previous, current or next one), or None."""
    secret = unseal(box, account.totp_secret)
    # pyotp reads a naive datetime as local time; ours are UTC.
    moment = now.replace(tzinfo=timezone.utc)
    try:
        return pyotp.TOTP(secret).verify_and_get_timecode(
            code.replace(" ", ""), for_time=moment, valid_window=1
        )
    except pyotp.OTPVerificationError:
        return None


def _use_step(session: Session, account: Caseworker, step: int) -> bool:
    """Records the step as used unless it, or a later one, already was.

    One conditional UPDATE, so that two logins racing with the same code cannot both pass. A
    step at or before the last used one is refused too: once a code is used, the previous
    window's code, still valid for a while, is no longer accepted either.
    """
    used = session.execute(
        update(Caseworker)
        .where(
            Caseworker.id == account.id,
            or_(Caseworker.totp_last_step.is_(None), Caseworker.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1


def _refuse(session: Session, account: Caseworker | None, reason: str, now: datetime) -> None:
    """Count a failure; the MAX_FAILED_LOGINS-th in a row locks the account for LOCK_DURATION.

    What was typed as a username is kept only when it names an account: anything else may be a
    password typed in the wrong field.
    """
    if account is None:
        cases.audit(session, "login_failed", detail=reason, now=now)
        return
    account.failed_logins = (account.failed_logins or 0) + 1
    if account.failed_logins >= MAX_FAILED_LOGINS:
        # The counter restarts so that, once the lock expires, as many tries are allowed again.
        account.failed_logins = 0
        account.locked_until = now + LOCK_DURATION
        reason += ", now locked"
    cases.audit(session, "login_failed", account.id, account.username, detail=reason, now=now)


def verify_login(
    session: Session, box: MultiFernet, username: str, password: str, code: str, now: datetime
) -> Caseworker | None:
    """The account when password and code are right and it is active and unlocked, else None."""
    account = find_account(session, username)
    locked = account is not None and account.locked_until and account.locked_until > now
    too_long = len(password) > passwords.MAX_LENGTH
    # While locked, the password is checked against the dummy hash, so guessing gains nothing;
    # a password too long to hash is replaced by an empty one for the same work.
    checked = None if locked or too_long else account
    matches = _password_matches(checked, "" if too_long else password)
    if locked:
        cases.audit(session, "login_locked", account.id, username, now=now)
        return None
    if not matches or account is None:
        _refuse(session, account, "unknown user" if account is None else "password", now)
        return None
    if recovery_codes.looks_like_one(code):
        return _recover(session, box, account, code, now)
    step = _code_step(box, account, code, now)
    if step is None:
        _refuse(session, account, "code", now)
        return None
    if not account.active:
        _refuse(session, account, "inactive", now)
        return None
    if not _use_step(session, account, step):
        _refuse(session, account, "code reused", now)
        return None
    return _logged_in(session, account, now)


def _recover(
    session: Session, box: MultiFernet, account: Caseworker, code: str, now: datetime
) -> Caseworker | None:
    """The login's second factor is a recovery code: checked, then used up (audited)."""
    if not recovery_codes.is_valid(session, box, account, code):
        _refuse(session, account, "recovery code", now)
        return None
    if not account.active:
        # Refused before the code is used up: it still works once the account is enabled.
        _refuse(session, account, "inactive", now)
        return None
    if not recovery_codes.use(session, box, account, code):
        _refuse(session, account, "recovery code reused", now)
        return None
    left = recovery_codes.remaining(session, account.id)
    cases.audit(
        session, "recovery_code_used", account.id, account.username, detail=f"{left} left", now=now
    )
    return _logged_in(session, account, now)


def _logged_in(session: Session, account: Caseworker, now: datetime) -> Caseworker:
    account.failed_logins = 0
    account.locked_until = None
    cases.audit(session, "login", account.id, account.username, now=now)
    return account
