"""Console sessions on the server (issue 17): ended by logout, by disabling, resetting or changing
an account, by an admin, after 30 idle minutes and 12 hours after login whatever happens; a
copied cookie opens nothing once its session ended."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime

import pytest
from cryptography.fernet import MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from bot import cli
from bot.centres import CentreDirectory
from bot.console import auth
from bot.console.app import SESSION_COOKIE, build_console
from bot.storage.models import ConsoleSession
from tests.console.helpers import Clock, audit_actions, login, post


@pytest.fixture
def clock() -> Clock:
    # Whole minutes from now: the codes typed at this time are the accounts' current ones.
    return Clock(datetime.utcnow().replace(microsecond=0))


@pytest.fixture
def timed_web(
    sessions: sessionmaker, box: MultiFernet, centres: CentreDirectory, clock: Clock
) -> Starlette:
    console = build_console(sessions, box, "k", centres, https_only=False, clock=clock)
    return Starlette(routes=[Mount("/console", app=console)])


@pytest.fixture
def browsers(timed_web: Starlette) -> Iterator:
    opened: list[TestClient] = []

    def open_browser(cookie: str | None = None) -> TestClient:
        browser = TestClient(timed_web)
        if cookie is not None:
            browser.cookies.set(SESSION_COOKIE, cookie)
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        browser.close()


def logged_in(browser: TestClient) -> bool:
    return browser.get("/console/", follow_redirects=False).status_code == 200


def cookie_data(browser: TestClient) -> dict:
    """What the signed cookie carries (base64 JSON before the signature)."""
    payload = browser.cookies[SESSION_COOKIE].split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_cookie_copied_before_logout_opens_nothing_after_it(browsers, sessions, alice):
    browser = browsers()
    login(browser, alice)
    thief = browsers(browser.cookies[SESSION_COOKIE])
    assert logged_in(thief)

    post(browser, "/console/logout")

    assert not logged_in(thief)
    page = thief.get("/console/")
    assert page.url.path == "/console/login" and "Votre session est terminée" in page.text
    with sessions() as session:
        assert session.execute(select(ConsoleSession)).first() is None


def test_disabling_then_enabling_an_account_does_not_revive_an_old_cookie(
    browsers, sessions, alice
) -> None:
    browser = browsers()
    login(browser, alice)
    copied = browser.cookies[SESSION_COOKIE]
    with sessions.begin() as session:
        auth.set_active(session, "alice", False)
    with sessions.begin() as session:
        auth.set_active(session, "alice", True)

    assert not logged_in(browsers(copied))
    assert not logged_in(browser)


@pytest.mark.parametrize(
    ("role", "centre"), [("supervisor", "dakar-demo"), ("caseworker", "rabat-demo")]
)
def test_a_new_role_or_centre_ends_the_accounts_sessions(
    browsers, sessions, alice, centres, role, centre
) -> None:
    browser = browsers()
    login(browser, alice)
    known = {c.code for c in centres}
    with sessions.begin() as session:
        assert not auth.change_account(session, "alice", "caseworker", "dakar-demo", known)
    assert logged_in(browser)

    with sessions.begin() as session:
        assert auth.change_account(session, "alice", role, centre, known)

    assert not logged_in(browser)
    with sessions() as session:
        (changed,) = audit_actions(session, "account_changed")
        assert changed.detail == f"{role} {centre}"


def test_a_reset_ends_the_accounts_sessions(browsers, sessions, box, alice, bob) -> None:
    first, second, other = browsers(), browsers(), browsers()
    login(first, alice)
    login(second, alice)
    login(other, bob)
    with sessions.begin() as session:
        auth.reset_account(session, box, "alice", "another long passphrase")

    assert (logged_in(first), logged_in(second), logged_in(other)) == (False, False, True)
    with sessions() as session:
        (ended,) = audit_actions(session, "sessions_ended")
    assert (ended.username, ended.detail) == ("alice", "2: reset")


def test_a_session_ends_after_30_idle_minutes(browsers, clock, alice) -> None:
    browser = browsers()
    login(browser, alice)
    clock.advance(minutes=29)
    assert logged_in(browser)  # a page: activity

    # The queue page's polling is not the user's doing: it does not keep the session open.
    for _ in range(6):
        clock.advance(minutes=5)
        browser.get("/console/queue.json")
    assert browser.get("/console/queue.json").status_code == 401
    assert not logged_in(browser)


def test_a_session_ends_12_hours_after_login_however_busy(browsers, clock, alice) -> None:
    browser = browsers()
    login(browser, alice)
    for _ in range(12 * 6 - 1):
        clock.advance(minutes=10)
        assert logged_in(browser)
    clock.advance(minutes=10)

    assert not logged_in(browser)


def test_the_cookie_carries_a_token_whose_digest_only_is_stored(browsers, sessions, alice):
    browser = browsers()
    login(browser, alice)

    data = cookie_data(browser)
    assert set(data) == {"sid", "lang", "csrf"}  # no account id
    with sessions() as session:
        (row,) = session.execute(select(ConsoleSession)).scalars()
    assert row.caseworker_id == alice.id
    assert row.id != data["sid"] and data["sid"] not in row.id
    assert row.address == "testclient"


def test_an_admin_sees_and_ends_an_accounts_sessions(browsers, sessions, alice, ada) -> None:
    caseworker, admin = browsers(), browsers()
    login(caseworker, alice)
    login(admin, ada)

    page = admin.get("/console/accounts")
    assert page.status_code == 200
    row = page.text.split('id="account-' + str(alice.id) + '"')[1].split("</tr>")[0]
    assert "adresse testclient" in row and "<td>Référent</td>" in row
    response = post(admin, f"/console/accounts/{alice.id}/end-sessions")

    assert "Les sessions de ce compte sont terminées" in response.text
    assert not logged_in(caseworker)
    assert logged_in(admin)
    with sessions() as session:
        (by_admin,) = audit_actions(session, "end_sessions")
        (ended,) = audit_actions(session, "sessions_ended")
    assert (by_admin.username, by_admin.detail) == ("ada", "1 of alice")
    assert (ended.username, ended.detail) == ("alice", "1: ended by an admin")
    assert post(caseworker, "/console/accounts/1/end-sessions").url.path == "/console/login"
    assert browsers().get("/console/accounts", follow_redirects=False).status_code == 303


def test_a_caseworker_cannot_see_the_accounts_page(browsers, alice) -> None:
    browser = browsers()
    login(browser, alice)
    assert browser.get("/console/accounts").status_code == 403
    assert post(browser, f"/console/accounts/{alice.id}/end-sessions").status_code == 403


def test_the_cli_lists_and_ends_an_accounts_sessions_and_changes_it(
    browsers, sessions, env, alice, monkeypatch, capsys
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    browser = browsers()
    login(browser, alice)

    cli.main(["caseworker", "sessions", "alice"])
    assert "from testclient" in capsys.readouterr().out
    cli.main(["caseworker", "end-sessions", "alice"])
    assert capsys.readouterr().out == "alice: 1 ended\n"
    assert not logged_in(browser)

    login(browser, alice)
    cli.main(["caseworker", "set", "alice", "--role", "supervisor"])
    assert "its sessions are ended" in capsys.readouterr().out
    assert not logged_in(browser)
    with pytest.raises(SystemExit, match="no centre 'atlantis'"):
        cli.main(["caseworker", "set", "alice", "--centre", "atlantis"])
    cli.main(["caseworker", "set", "alice", "--no-centre"])
    with sessions() as session:
        account = auth.find_account(session, "alice")
        assert (account.role, account.centre_code) == ("supervisor", None)
