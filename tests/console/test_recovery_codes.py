"""One-time recovery codes (issue 17): given at enrolment, stored as keyed hashes, each logs in
once instead of a TOTP code, audited when used, replaced by a reset."""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.console import auth, recovery_codes
from bot.storage.models import Caseworker, RecoveryCode
from tests.console.helpers import Account, audit_actions, login, make_account
from tests.console.test_auth import NOW, attempt

CODE_FORMAT = re.compile(r"[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}")


def stored_hashes(sessions, account: Account) -> set[str]:
    with sessions() as session:
        query = select(RecoveryCode.code_hash).where(RecoveryCode.caseworker_id == account.id)
        return set(session.execute(query).scalars())


def test_enrolment_gives_ten_codes_stored_only_as_keyed_hashes(sessions, alice) -> None:
    codes = alice.recovery_codes

    assert len(codes) == len(set(codes)) == recovery_codes.COUNT == 10
    assert all(CODE_FORMAT.fullmatch(code) for code in codes)
    hashes = stored_hashes(sessions, alice)
    assert len(hashes) == 10
    for code in codes:
        plain = code.replace("-", "")
        assert not any(plain in h or code in h for h in hashes)
        # Keyed: the plain SHA-256 of a code, which anyone could compute, is not what is stored.
        assert hashlib.sha256(plain.encode()).hexdigest() not in hashes


def test_a_recovery_code_logs_in_once_and_is_audited(sessions, box, alice) -> None:
    code = alice.recovery_codes[3]

    assert attempt(sessions, box, alice, code=code) == alice.id
    assert attempt(sessions, box, alice, code=code, now=NOW + timedelta(minutes=1)) is None

    with sessions() as session:
        (used,) = audit_actions(session, "recovery_code_used")
        (refused,) = audit_actions(session, "login_failed")
    assert (used.caseworker_id, used.username, used.detail) == (alice.id, "alice", "9 left")
    assert (refused.username, refused.detail) == ("alice", "recovery code")
    assert len(stored_hashes(sessions, alice)) == 9


def test_each_code_works_once_however_it_is_typed(sessions, box, alice) -> None:
    typed = [
        code.replace("-", " ").upper() if n % 2 else code.replace("-", "")
        for n, code in enumerate(alice.recovery_codes)
    ]
    for n, code in enumerate(typed):
        assert attempt(sessions, box, alice, code=code, now=NOW + timedelta(minutes=n)) == alice.id

    assert stored_hashes(sessions, alice) == set()
    assert attempt(sessions, box, alice, code=typed[0], now=NOW + timedelta(hours=1)) is None
    # The app's codes still work.
    assert attempt(sessions, box, alice, now=NOW + timedelta(hours=1)) == alice.id


def test_a_wrong_password_or_a_disabled_account_does_not_use_the_code_up(
    sessions, box, alice
) -> None:
    code = alice.recovery_codes[0]

    assert attempt(sessions, box, alice, code=code, password="not the password!!") is None
    with sessions.begin() as session:
        auth.set_active(session, "alice", False)
    assert attempt(sessions, box, alice, code=code) is None
    with sessions.begin() as session:
        auth.set_active(session, "alice", True)

    assert attempt(sessions, box, alice, code=code) == alice.id


def test_a_made_up_or_another_accounts_code_is_refused(sessions, box, alice, bob) -> None:
    assert attempt(sessions, box, alice, code="0000-0000-0000-0000") is None
    assert attempt(sessions, box, alice, code=bob.recovery_codes[0]) is None
    assert len(stored_hashes(sessions, bob)) == 10


def test_a_reset_replaces_the_codes(sessions, box, alice) -> None:
    with sessions.begin() as session:
        enrolment = auth.reset_account(session, box, "alice", alice.password)
    renewed = Account(
        alice.id, "alice", alice.password, pyotp.parse_uri(enrolment.uri).secret,
        tuple(enrolment.recovery_codes),
    )  # fmt: skip

    assert not set(renewed.recovery_codes) & set(alice.recovery_codes)
    assert len(stored_hashes(sessions, alice)) == 10
    assert attempt(sessions, box, renewed, code=alice.recovery_codes[0]) is None
    assert attempt(sessions, box, renewed, code=renewed.recovery_codes[0]) == alice.id


def test_the_login_form_takes_a_recovery_code_once(new_client, sessions, alice) -> None:
    first, second = new_client(), new_client()
    page = first.get("/console/login").text
    pattern = re.search(r'id="code"[^>]* pattern="([^"]+)"', page).group(1)
    code = alice.recovery_codes[0]
    assert re.fullmatch(pattern.replace("\\-", "-"), code), "the browser would refuse the code"

    assert login(first, alice, code).url.path == "/console/"
    replay = login(second, alice, code)

    assert replay.status_code == 401
    assert second.get("/console/", follow_redirects=False).status_code == 303
    with sessions() as session:
        assert session.get(Caseworker, alice.id).failed_logins == 1


def test_two_logins_racing_with_one_recovery_code_let_one_in(racing_sessions, box) -> None:
    dora = make_account(racing_sessions, box, "dora")
    now = datetime.utcnow()

    def try_once(_: int) -> int | None:
        try:
            return attempt(racing_sessions, box, dora, code=dora.recovery_codes[0], now=now)
        except OperationalError:
            return None  # SQLite refuses a second writer that read before the first committed

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(try_once, range(4)))

    assert results.count(dora.id) == 1
