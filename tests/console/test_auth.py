"""Accounts and login: argon2 password, sealed TOTP secret, lockout after repeated failures."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pyotp
import pytest
from cryptography.fernet import MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot import cli
from bot.console import auth
from bot.storage.keys import unseal
from bot.storage.models import AuditEntry, Caseworker
from tests.console.helpers import DEMO_CENTRES, PASSWORD, Account, audit_actions, make_account

NOW = datetime(2026, 11, 26, 10, 0, 0)


def attempt(sessions: sessionmaker, box: MultiFernet, account: Account, **overrides):
    """One login attempt at NOW (or ``now``); returns the account's id or None."""
    now = overrides.pop("now", NOW)
    values = {"password": account.password, "code": account.code(now), **overrides}
    with sessions.begin() as session:
        found = auth.verify_login(
            session, box, account.username, values["password"], values["code"], now
        )
        return found.id if found else None


def test_create_account_hashes_the_password_and_seals_the_totp_secret(sessions, box) -> None:
    with sessions.begin() as session:
        account, enrolment = auth.create_account(
            session, box, "carla", PASSWORD, "admin", "dakar-demo", DEMO_CENTRES
        )
    uri = enrolment.uri

    assert uri.startswith("otpauth://totp/")
    secret = pyotp.parse_uri(uri).secret
    with sessions() as session:
        stored = session.get(Caseworker, account.id)
        assert stored.password_hash.startswith("$argon2")
        assert PASSWORD not in stored.password_hash
        assert secret.encode() not in stored.totp_secret
        assert unseal(box, stored.totp_secret) == secret
        assert (stored.role, stored.centre_code, stored.active) == ("admin", "dakar-demo", True)
        assert [e.username for e in audit_actions(session, "account_created")] == ["carla"]


@pytest.mark.parametrize(
    ("username", "password", "role", "problem"),
    [
        ("dora", "short pass", "caseworker", "at least 12"),
        ("dora", PASSWORD, "boss", "role"),
        ("no spaces allowed", PASSWORD, "caseworker", "username"),
        ("dora", "aaaaaaaaaaaa", "caseworker", "5 different characters"),
        ("dora", "abababababab", "caseworker", "5 different characters"),
        ("dora", "123456789012", "caseworker", "run of keys"),
        ("dora", "abcdefghijklmnop", "caseworker", "run of keys"),
        ("dora", "azertyuiop12", "caseworker", "too common"),
        ("dora", "Password2024!", "caseworker", "too common"),
        ("dora", "motdepasse-2024", "caseworker", "too common"),
        ("dora", "Contraseña.1234", "caseworker", "too common"),
        ("dora", "iloveyouiloveyou", "caseworker", "too common"),
        ("dora", "dora-2024-dora!", "caseworker", "username"),
        ("dora", "x" * 1025, "caseworker", "at most 1024"),
    ],
)
def test_create_account_refuses_bad_input(sessions, box, username, password, role, problem):
    with sessions.begin() as session, pytest.raises(ValueError, match=problem):
        auth.create_account(session, box, username, password, role)


def test_a_reset_refuses_a_weak_password_too(sessions, box, alice) -> None:
    with sessions.begin() as session, pytest.raises(ValueError, match="5 different characters"):
        auth.reset_account(session, box, "alice", "aaaaaaaaaaaa")


def test_create_account_refuses_an_unknown_centre(sessions, box) -> None:
    with sessions.begin() as session, pytest.raises(ValueError, match="no centre 'nowhere'"):
        auth.create_account(session, box, "dora", PASSWORD, "caseworker", "nowhere", DEMO_CENTRES)


def test_the_cli_refuses_an_unknown_centre_and_a_weak_password(
    sessions, env, monkeypatch, capsys
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    def create(*options: str, password: str = PASSWORD) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
        cli.main(["caseworker", "create", "dora", "--password-stdin", *options])

    with pytest.raises(SystemExit, match="no centre 'does-not-exist'"):
        create("--centre", "does-not-exist")
    with pytest.raises(SystemExit, match="at least 5 different characters"):
        create("--centre", "dakar-demo", password="aaaaaaaaaaaa")
    create("--centre", "dakar-demo")
    assert "otpauth://" in capsys.readouterr().out
    with sessions() as session:
        assert [a.centre_code for a in auth.list_accounts(session)] == ["dakar-demo"]


def test_create_account_refuses_a_duplicate_username(sessions, box, alice) -> None:
    with sessions.begin() as session, pytest.raises(ValueError, match="already exists"):
        auth.create_account(session, box, "alice", PASSWORD, "caseworker")


def test_list_and_disable_accounts(sessions, box, alice, bob) -> None:
    with sessions.begin() as session:
        auth.set_active(session, "bob", False)
    with sessions() as session:
        listed = [(a.username, a.active) for a in auth.list_accounts(session)]
    assert listed == [("alice", True), ("bob", False)]
    assert attempt(sessions, box, bob) is None
    with sessions.begin() as session:
        auth.set_active(session, "bob", True)
    assert attempt(sessions, box, bob) == bob.id
    with sessions.begin() as session, pytest.raises(ValueError, match="no account"):
        auth.set_active(session, "nobody", False)


def test_reset_gives_a_new_password_and_a_new_totp_secret(sessions, box, alice) -> None:
    with sessions.begin() as session:
        uri = auth.reset_account(session, box, "alice", "a brand new passphrase").uri
    renewed = Account(alice.id, "alice", "a brand new passphrase", pyotp.parse_uri(uri).secret)

    assert renewed.secret != alice.secret
    assert attempt(sessions, box, alice) is None
    assert attempt(sessions, box, renewed, code=alice.code(NOW)) is None
    assert attempt(sessions, box, renewed) == alice.id
    with sessions.begin() as session, pytest.raises(ValueError, match="at least 12"):
        auth.reset_account(session, box, "alice", "short")


def test_a_right_password_and_code_log_in_and_are_audited(sessions, box, alice) -> None:
    assert attempt(sessions, box, alice) == alice.id
    with sessions() as session:
        (entry,) = audit_actions(session, "login")
    assert (entry.caseworker_id, entry.username, entry.at) == (alice.id, "alice", NOW)


def test_a_code_from_the_previous_period_is_still_accepted(sessions, box, alice) -> None:
    # valid_window=1: a code typed just before it rolled over still works.
    previous = alice.code(NOW - timedelta(seconds=30))
    assert attempt(sessions, box, alice, code=previous) == alice.id


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [("password", "not the password at all", "password"), ("code", "000000", "code")],
)
def test_a_wrong_password_or_code_is_refused_and_audited(
    sessions, box, alice, field, value, reason
) -> None:
    if field == "code" and alice.code(NOW) == value:
        value = "111111"
    assert attempt(sessions, box, alice, **{field: value}) is None
    with sessions() as session:
        (entry,) = audit_actions(session, "login_failed")
        assert session.get(Caseworker, alice.id).failed_logins == 1
        details = [e.detail or "" for e in session.execute(select(AuditEntry)).scalars()]
    assert (entry.username, entry.detail) == ("alice", reason)
    assert not any(value in detail for detail in details)


def test_an_unknown_username_is_audited_without_what_was_typed(sessions, box) -> None:
    # A password typed into the username field, as happens.
    typo = Account(0, "MyS3cret-Passphrase", PASSWORD, pyotp.random_base32())
    assert attempt(sessions, box, typo) is None
    with sessions() as session:
        (entry,) = audit_actions(session, "login_failed")
        kept = [(e.username, e.detail) for e in session.execute(select(AuditEntry)).scalars()]
    assert (entry.caseworker_id, entry.username, entry.detail) == (None, None, "unknown user")
    assert "MyS3cret" not in str(kept)


def test_max_failures_in_a_row_lock_the_account_for_fifteen_minutes(sessions, box, alice) -> None:
    for minute in range(auth.MAX_FAILED_LOGINS):
        now = NOW + timedelta(minutes=minute)
        assert attempt(sessions, box, alice, password="wrong password!!", now=now) is None

    locked_at = NOW + timedelta(minutes=auth.MAX_FAILED_LOGINS - 1)
    with sessions() as session:
        assert session.get(Caseworker, alice.id).locked_until == locked_at + auth.LOCK_DURATION
    # Even the right password and code are refused while locked.
    assert attempt(sessions, box, alice, now=locked_at + timedelta(minutes=14)) is None
    with sessions() as session:
        assert len(audit_actions(session, "login_locked")) == 1
    assert attempt(sessions, box, alice, now=locked_at + timedelta(minutes=16)) == alice.id
    with sessions() as session:
        account = session.get(Caseworker, alice.id)
        assert (account.failed_logins, account.locked_until) == (0, None)


def test_a_success_resets_the_failure_count(sessions, box, alice) -> None:
    for _ in range(auth.MAX_FAILED_LOGINS - 1):
        attempt(sessions, box, alice, password="wrong password!!")
    assert attempt(sessions, box, alice) == alice.id
    attempt(sessions, box, alice, password="wrong password!!")
    with sessions() as session:
        account = session.get(Caseworker, alice.id)
        assert (account.failed_logins, account.locked_until) == (1, None)


def test_reset_unlocks_the_account(sessions, box) -> None:
    erin = make_account(sessions, box, "erin")
    for _ in range(auth.MAX_FAILED_LOGINS):
        attempt(sessions, box, erin, password="wrong password!!")
    with sessions.begin() as session:
        uri = auth.reset_account(session, box, "erin", PASSWORD).uri
    renewed = Account(erin.id, "erin", PASSWORD, pyotp.parse_uri(uri).secret)
    assert attempt(sessions, box, renewed) == erin.id
