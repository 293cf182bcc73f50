"""TOTP codes are accepted once (issue 17): the last used time step is stored per account, and a
code of that step or an earlier one is refused, the previous window's included."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pyotp
from sqlalchemy.exc import OperationalError

from bot.console import auth
from bot.storage.models import Caseworker
from tests.console.helpers import Account, audit_actions, login, make_account
from tests.console.test_auth import NOW, attempt


def test_the_same_code_logs_in_once_only(sessions, box, alice) -> None:
    code = alice.code(NOW)
    assert attempt(sessions, box, alice, code=code) == alice.id

    assert attempt(sessions, box, alice, code=code, now=NOW + timedelta(seconds=10)) is None

    with sessions() as session:
        (refused,) = audit_actions(session, "login_failed")
        assert session.get(Caseworker, alice.id).failed_logins == 1
    assert (refused.username, refused.detail) == ("alice", "code reused")


def test_the_previous_windows_code_is_accepted_once(sessions, box, alice) -> None:
    previous = alice.code(NOW - timedelta(seconds=30))
    assert attempt(sessions, box, alice, code=previous) == alice.id
    assert attempt(sessions, box, alice, code=previous) is None


def test_once_a_code_is_used_the_previous_windows_one_is_refused(sessions, box, alice) -> None:
    assert attempt(sessions, box, alice) == alice.id
    previous = alice.code(NOW - timedelta(seconds=30))
    assert attempt(sessions, box, alice, code=previous, now=NOW + timedelta(seconds=5)) is None
    # The next period's code is new: accepted.
    assert attempt(sessions, box, alice, now=NOW + timedelta(seconds=30)) == alice.id


def test_a_reset_forgets_the_used_steps_of_the_old_secret(sessions, box, alice) -> None:
    assert attempt(sessions, box, alice) == alice.id
    with sessions.begin() as session:
        uri = auth.reset_account(session, box, "alice", alice.password).uri
    renewed = Account(alice.id, "alice", alice.password, pyotp.parse_uri(uri).secret)
    assert attempt(sessions, box, renewed) == alice.id


def test_a_code_typed_twice_in_the_console_logs_in_once(new_client, sessions, alice) -> None:
    first, second = new_client(), new_client()
    code = alice.fresh_code()

    assert login(first, alice, code).url.path == "/console/"
    replay = login(second, alice, code)

    assert replay.status_code == 401
    assert second.get("/console/", follow_redirects=False).status_code == 303
    with sessions() as session:
        assert [e.detail for e in audit_actions(session, "login_failed")] == ["code reused"]


def test_two_logins_racing_with_one_code_let_one_in(racing_sessions, box) -> None:
    dora = make_account(racing_sessions, box, "dora")
    now = datetime.utcnow()

    def try_once(_: int) -> int | None:
        try:
            return attempt(racing_sessions, box, dora, code=dora.code(now), now=now)
        except OperationalError:
            return None  # SQLite refuses a second writer that read before the first committed

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(try_once, range(4)))

    assert results.count(dora.id) == 1
