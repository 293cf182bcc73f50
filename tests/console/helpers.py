"""Helpers for the console tests: accounts, queued cases, logging in through the web form."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pyotp
from cryptography.fernet import MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.console import auth
from bot.storage import cases
from bot.storage.models import AuditEntry

PASSWORD = "correct horse battery staple"
DEMO_CENTRES = ("dakar-demo", "rabat-demo", "tunis-demo")  # data/centres.yml
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
# The last TOTP step each secret logged in with here: the console accepts a code once only.
_USED_STEPS: dict[str, int] = {}


@dataclass
class Clock:
    """A clock the test moves: the console's ``clock`` and, as seconds, the throttle's."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def seconds(self) -> float:
        return (self.now - datetime(2000, 1, 1)).total_seconds()

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    password: str
    secret: str
    recovery_codes: tuple[str, ...] = ()

    def code(self, at: datetime | None = None) -> str:
        totp = pyotp.TOTP(self.secret)
        return totp.now() if at is None else totp.at(at.replace(tzinfo=timezone.utc))

    def fresh_code(self) -> str:
        """A code the console has not had yet: the current step's, else the next one's (also
        accepted), else the next period's once it begins."""
        totp = pyotp.TOTP(self.secret)
        current = totp.timecode(time.time())
        step = max(current, _USED_STEPS.get(self.secret, current - 1) + 1)
        if step > current + 1:
            time.sleep(totp.interval - time.time() % totp.interval)
            return self.fresh_code()
        _USED_STEPS[self.secret] = step
        return totp.generate_otp(step)


def make_account(
    sessions: sessionmaker, box: MultiFernet, username: str, role: str = "caseworker",
    centre: str | None = "dakar-demo",
) -> Account:  # fmt: skip
    """An active account; of dakar-demo unless told, like ``queued_case``'s cases."""
    with sessions.begin() as session:
        account, enrolment = auth.create_account(
            session, box, username, PASSWORD, role, centre, DEMO_CENTRES
        )
        account_id = account.id
    return Account(
        account_id, username, PASSWORD, pyotp.parse_uri(enrolment.uri).secret,
        tuple(enrolment.recovery_codes),
    )  # fmt: skip


def queued_case(
    sessions: sessionmaker, box: MultiFernet, packet: dict[str, Any] | None = None,
    pseudonym: str = "p" * 32, language: str = "fr", centre: str | None = "dakar-demo",
    priority: int = cases.NORMAL,
) -> int:  # fmt: skip
    with sessions.begin() as session:
        case = cases.create_draft(
            session, box, pseudonym, language, centre, packet or {"language": language},
            priority, "contact_time",
        )  # fmt: skip
        cases.enqueue(case, datetime.utcnow())
        return case.id


def csrf(client: TestClient, page: str = "/console/") -> str:
    """The CSRF token of the client's session, as a page's forms carry it."""
    match = CSRF_FIELD.search(client.get(page).text)
    assert match, f"no CSRF field on {page}"
    return match.group(1)


def login(client: TestClient, account: Account, code: str | None = None):
    token = csrf(client, "/console/login")
    return client.post(
        "/console/login",
        data={
            "csrf": token,
            "username": account.username,
            "password": account.password,
            "code": code or account.fresh_code(),
        },
    )


def post(client: TestClient, path: str, **fields: str):
    """A form POST with the session's CSRF token, as the browser sends it."""
    return client.post(path, data={"csrf": csrf(client), **fields})


def audit_actions(session: Session, action: str) -> list[AuditEntry]:
    return list(
        session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).scalars()
    )
