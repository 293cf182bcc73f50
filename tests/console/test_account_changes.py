"""Accounts in the console (issue 19): an admin creates an account and sees its enrolment once
(QR code, secret, recovery codes), sets a new password or a new second factor, unlocks,
disables and enables, changes the role or centre (which ends the account's sessions); every
change is audited in the admin's name; nobody but an admin gets there; an admin cannot lock
themselves out."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pyotp
import pytest

from bot.console import auth
from bot.console.enrolment import qr_svg
from bot.storage.models import Caseworker
from tests.console.helpers import PASSWORD, Account, audit_actions, csrf, login, post

NEW_PASSWORD = "lanterne verger oblique tambour"
SECRET_SHOWN = re.compile(r'<code class="secret" dir="ltr">([A-Z2-7 ]+)</code>')
CODE_SHOWN = re.compile(r"<li><code>([0-9a-z-]{19})</code></li>")


@pytest.fixture
def admin(client, ada):
    login(client, ada)
    return client


def create(client, **fields: str):
    form = {"username": "nadia", "password": NEW_PASSWORD, "role": "caseworker"}
    return post(client, "/console/accounts/new", **{**form, **fields})


def account(sessions, username: str) -> Caseworker:
    with sessions() as session:
        return auth.find_account(session, username)


def test_an_admin_creates_an_account_that_logs_in_with_what_the_page_showed(
    admin, new_client, sessions, ada
) -> None:
    page = create(admin, centre="rabat-demo")

    assert page.status_code == 200
    secret = SECRET_SHOWN.search(page.text).group(1).replace(" ", "")
    uri = pyotp.TOTP(secret).provisioning_uri(name="nadia", issuer_name=auth.TOTP_ISSUER)
    assert str(qr_svg(uri)) in page.text  # the QR code holds the secret shown beside it
    codes = CODE_SHOWN.findall(page.text)
    assert len(codes) == 10
    created = account(sessions, "nadia")
    assert (created.role, created.centre_code, created.active) == (
        "caseworker", "rabat-demo", True,
    )  # fmt: skip
    with sessions() as session:
        entry = audit_actions(session, "account_created")[-1]  # after the fixture's own
    assert (entry.username, entry.caseworker_id, entry.detail) == (
        "ada",
        ada.id,
        "nadia caseworker",
    )
    nadia = Account(created.id, "nadia", NEW_PASSWORD, secret)
    assert login(new_client(), nadia).url.path == "/console/"
    # Shown once: the account's page has neither the secret nor the codes.
    again = admin.get(f"/console/accounts/{created.id}").text
    assert secret[:8] not in again.replace(" ", "") and codes[0] not in again


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"password": "short"}, "au moins 12 caractères"),
        ({"password": "nadia nadia lanterne verger"}, "ne doit pas contenir l&#39;identifiant"),
        ({"username": "ada"}, "Un compte porte déjà cet identifiant."),
        ({"username": "na dia"}, "L&#39;identifiant doit compter de 1 à 64 caractères"),
        ({"centre": "nowhere"}, "Choisissez un centre connu"),
        ({"role": "king"}, "Choisissez un rôle."),
    ],
)
def test_a_refused_account_says_why_and_is_not_created(
    admin, sessions, ada, fields: dict[str, str], shown: str
) -> None:
    page = create(admin, **fields)

    assert page.status_code == 422
    assert shown in page.text
    assert fields.get("password", NEW_PASSWORD) not in page.text  # never sent back
    with sessions() as session:
        assert len(audit_actions(session, "account_refused")) == 1
        assert [e.detail for e in audit_actions(session, "account_created")] == ["admin"]  # ada


def test_only_admins_reach_the_account_pages(new_client, sessions, alice, sam, ada) -> None:
    for account_ in (alice, sam):
        client = new_client()
        login(client, account_)
        assert client.get("/console/accounts/new").status_code == 403
        assert client.get(f"/console/accounts/{ada.id}").status_code == 403
        assert create(client).status_code == 403
        assert post(client, f"/console/accounts/{ada.id}/active", active="0").status_code == 403
    assert account(sessions, "nadia") is None and account(sessions, "ada").active


def test_a_change_without_the_csrf_token_is_refused(admin, sessions, alice) -> None:
    csrf(admin)
    answer = admin.post(f"/console/accounts/{alice.id}/active", data={"active": "0"})

    assert answer.status_code == 403
    assert account(sessions, "alice").active


def test_a_new_password_unlocks_and_ends_the_sessions(admin, new_client, sessions, alice):
    theirs = new_client()
    login(theirs, alice)
    with sessions.begin() as session:
        locked = auth.find_account(session, "alice")
        locked.failed_logins, locked.locked_until = 20, datetime.utcnow() + timedelta(minutes=9)

    page = post(admin, f"/console/accounts/{alice.id}/password", password=NEW_PASSWORD)

    assert "Nouveau mot de passe enregistré." in page.text
    assert theirs.get("/console/").url.path == "/console/login"
    after = account(sessions, "alice")
    assert (after.failed_logins, after.locked_until) == (0, None)
    assert login(new_client(), Account(alice.id, "alice", NEW_PASSWORD, alice.secret)).url.path == (
        "/console/"
    )
    with sessions() as session:
        (entry,) = audit_actions(session, "password_reset")
    assert (entry.username, entry.detail) == ("ada", "alice")


def test_a_weak_new_password_is_refused(admin, sessions, alice) -> None:
    page = post(admin, f"/console/accounts/{alice.id}/password", password="alice123456789")

    assert page.status_code == 422 and "ne doit pas contenir l&#39;identifiant" in page.text
    with sessions() as session:
        assert audit_actions(session, "password_reset") == []


def test_a_new_second_factor_replaces_the_old_one(admin, new_client, sessions, alice) -> None:
    theirs = new_client()
    login(theirs, alice)

    page = post(admin, f"/console/accounts/{alice.id}/second-factor")

    secret = SECRET_SHOWN.search(page.text).group(1).replace(" ", "")
    assert secret != alice.secret
    assert theirs.get("/console/").url.path == "/console/login"
    refused = login(new_client(), alice)  # the old phone's code
    assert refused.status_code == 401
    renewed = Account(alice.id, "alice", PASSWORD, secret)
    assert login(new_client(), renewed).url.path == "/console/"
    with sessions() as session:
        assert [e.detail for e in audit_actions(session, "totp_reset")] == ["alice"]


def test_unlock_disable_and_enable(admin, new_client, sessions, alice) -> None:
    with sessions.begin() as session:
        auth.find_account(session, "alice").locked_until = datetime.utcnow() + timedelta(hours=1)
    theirs = new_client()

    assert "Débloquer" in admin.get(f"/console/accounts/{alice.id}").text
    post(admin, f"/console/accounts/{alice.id}/unlock")
    assert account(sessions, "alice").locked_until is None
    login(theirs, alice)
    disabled = post(admin, f"/console/accounts/{alice.id}/active", active="0")
    assert "Compte désactivé." in disabled.text and not account(sessions, "alice").active
    assert theirs.get("/console/").url.path == "/console/login"
    post(admin, f"/console/accounts/{alice.id}/active", active="1")
    assert account(sessions, "alice").active
    with sessions() as session:
        actions = [
            (action, [e.username for e in audit_actions(session, action)])
            for action in ("account_unlocked", "account_disabled", "account_enabled")
        ]
    assert actions == [
        ("account_unlocked", ["ada"]),
        ("account_disabled", ["ada"]),
        ("account_enabled", ["ada"]),
    ]


def test_a_new_role_or_centre_ends_the_sessions(admin, new_client, sessions, alice) -> None:
    theirs = new_client()
    login(theirs, alice)

    page = post(
        admin, f"/console/accounts/{alice.id}/change", role="supervisor", centre="tunis-demo"
    )
    same = post(
        admin, f"/console/accounts/{alice.id}/change", role="supervisor", centre="tunis-demo"
    )

    assert "Rôle et centre enregistrés." in page.text and "Rien n&#39;a changé." in same.text
    changed = account(sessions, "alice")
    assert (changed.role, changed.centre_code) == ("supervisor", "tunis-demo")
    assert theirs.get("/console/").url.path == "/console/login"
    with sessions() as session:
        (entry,) = audit_actions(session, "account_changed")
    assert (entry.username, entry.detail) == ("ada", "alice supervisor tunis-demo")


def test_an_admin_cannot_lock_themselves_out(admin, sessions, ada) -> None:
    page = admin.get(f"/console/accounts/{ada.id}")
    disable = post(admin, f"/console/accounts/{ada.id}/active", active="0")
    demote = post(admin, f"/console/accounts/{ada.id}/change", role="supervisor", centre="")

    assert "Désactiver le compte" not in page.text
    assert (disable.status_code, demote.status_code) == (422, 422)
    assert "retirer le rôle d&#39;administrateur" in demote.text
    me = account(sessions, "ada")
    assert (me.active, me.role) == (True, "admin")
    assert admin.get("/console/accounts").status_code == 200  # still logged in
    with sessions() as session:
        assert len(audit_actions(session, "account_refused")) == 2


def test_an_unknown_account_is_not_found(admin) -> None:
    assert admin.get("/console/accounts/999").status_code == 404
    assert post(admin, "/console/accounts/999/unlock").status_code == 404
