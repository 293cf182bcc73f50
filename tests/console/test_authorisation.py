"""Every refusal is refused and written to the audit log: no login, wrong role, someone else's
case, a missing CSRF token, a wrong TOTP code (repeated failed logins: test_throttling.py)."""

from __future__ import annotations

from sqlalchemy import select

from bot.console import auth
from bot.storage import cases
from bot.storage.models import Case, OutboxMessage
from tests.console.helpers import audit_actions, csrf, login, post, queued_case


def test_no_login_redirects_to_the_login_page_and_audits_case_urls(client, sessions, box):
    case_id = queued_case(sessions, box)

    page = client.get(f"/console/cases/{case_id}", follow_redirects=False)
    token = csrf(client, "/console/login")
    claim = f"/console/cases/{case_id}/claim"
    action = client.post(claim, data={"csrf": token}, follow_redirects=False)
    supervisor = client.get("/console/supervisor", follow_redirects=False)
    queue = client.get("/console/", follow_redirects=False)

    for response in (page, action, supervisor, queue):
        assert response.status_code == 303
        assert response.headers["location"] == "/console/login"
    with sessions() as session:
        refused = audit_actions(session, "unauthenticated")
        assert session.get(Case, case_id).status == cases.QUEUED
    assert [(e.case_id, e.detail) for e in refused] == [
        (case_id, f"GET /console/cases/{case_id}"),
        (case_id, f"POST /console/cases/{case_id}/claim"),
        (None, "GET /console/supervisor"),
    ]


def test_no_login_gets_401_from_the_json_queue(client) -> None:
    response = client.get("/console/queue.json")
    assert response.status_code == 401
    assert response.json() == {"error": "login required"}


def test_a_caseworker_cannot_open_the_supervisor_page(client, sessions, alice) -> None:
    login(client, alice)
    response = client.get("/console/supervisor")
    assert response.status_code == 403
    with sessions() as session:
        (entry,) = audit_actions(session, "forbidden")
    assert (entry.username, entry.case_id) == ("alice", None)


def test_a_caseworker_cannot_see_or_act_on_another_caseworkers_case(
    new_client, sessions, box, alice, bob
) -> None:
    case_id = queued_case(sessions, box, {"help_with": "only for alice"})
    alice_browser, bob_browser = new_client(), new_client()
    login(alice_browser, alice)
    login(bob_browser, bob)
    post(alice_browser, f"/console/cases/{case_id}/claim")

    page = bob_browser.get(f"/console/cases/{case_id}")
    reply = post(bob_browser, f"/console/cases/{case_id}/reply", text="hello")
    close = post(bob_browser, f"/console/cases/{case_id}/close", confirm="1", outcome="other")

    assert [r.status_code for r in (page, reply, close)] == [404, 404, 404]
    assert "only for alice" not in page.text
    with sessions() as session:
        refused = audit_actions(session, "forbidden")
        # Only alice's claim told the person anything.
        assert len(session.execute(select(OutboxMessage)).all()) == 1
        assert session.get(Case, case_id).status == cases.CLAIMED
    assert [(e.username, e.case_id) for e in refused] == [("bob", case_id)] * 3


def test_a_queued_case_cannot_be_opened_before_claiming(client, sessions, box, alice) -> None:
    case_id = queued_case(sessions, box, {"help_with": "not yet"})
    login(client, alice)
    response = client.get(f"/console/cases/{case_id}")
    assert response.status_code == 404
    assert "not yet" not in response.text


def test_a_post_without_the_csrf_token_is_refused(client, sessions, box, alice) -> None:
    case_id = queued_case(sessions, box)
    login(client, alice)

    missing = client.post(f"/console/cases/{case_id}/claim")
    wrong = client.post(f"/console/cases/{case_id}/claim", data={"csrf": "forged"})

    assert (missing.status_code, wrong.status_code) == (403, 403)
    with sessions() as session:
        refused = audit_actions(session, "csrf_refused")
        assert session.get(Case, case_id).status == cases.QUEUED
    assert [(e.username, e.case_id) for e in refused] == [("alice", case_id)] * 2


def test_the_login_form_needs_its_csrf_token_too(client, sessions, alice) -> None:
    response = client.post(
        "/console/login",
        data={"username": "alice", "password": alice.password, "code": alice.code()},
    )
    assert response.status_code == 403
    with sessions() as session:
        assert len(audit_actions(session, "csrf_refused")) == 1
        assert audit_actions(session, "login") == []


def test_a_wrong_totp_code_is_refused(client, sessions, alice) -> None:
    wrong = "000000" if alice.code() != "000000" else "111111"
    response = login(client, alice, code=wrong)

    assert response.status_code == 401
    assert "Connexion refusée" in response.text
    assert client.get("/console/", follow_redirects=False).headers["location"] == "/console/login"
    with sessions() as session:
        (entry,) = audit_actions(session, "login_failed")
    assert (entry.username, entry.detail) == ("alice", "code")


def test_a_disabled_account_is_logged_out(client, sessions, alice) -> None:
    login(client, alice)
    assert client.get("/console/").status_code == 200
    with sessions.begin() as session:
        auth.set_active(session, "alice", False)

    response = client.get("/console/")

    assert response.url.path == "/console/login"
    assert "Votre session est terminée" in response.text
    with sessions() as session:
        (ended,) = audit_actions(session, "sessions_ended")
    assert (ended.username, ended.detail) == ("alice", "1: disabled")


def test_a_reset_ends_the_sessions_opened_before(client, sessions, box, alice) -> None:
    login(client, alice)
    with sessions.begin() as session:
        auth.reset_account(session, box, "alice", "another long passphrase")
    assert client.get("/console/").url.path == "/console/login"


def test_logout_ends_the_session(client, sessions, alice) -> None:
    login(client, alice)
    response = post(client, "/console/logout")
    assert response.url.path == "/console/login"
    assert "Vous êtes déconnecté" in response.text
    assert client.get("/console/", follow_redirects=False).status_code == 303
    with sessions() as session:
        assert [e.username for e in audit_actions(session, "logout")] == ["alice"]


def test_an_unknown_case_is_not_found_and_audited(client, sessions, alice) -> None:
    login(client, alice)
    assert client.get("/console/cases/999").status_code == 404
    with sessions() as session:
        (entry,) = audit_actions(session, "case_not_found")
    assert (entry.username, entry.case_id) == ("alice", 999)
