"""The supervisor page's audit log in words (issue 19): each action code is shown as a label in
the reader's language; a code without one shows as the code."""

from __future__ import annotations

from datetime import datetime

from bot.console import texts
from bot.storage import cases
from tests.console.helpers import login, post, queued_case


def test_the_audit_log_names_actions_in_the_readers_language(client, sessions, box, sam):
    case_id = queued_case(sessions, box)
    with sessions.begin() as session:
        cases.audit(session, "made_up_action", sam.id, "sam", case_id, None, datetime.utcnow())
    login(client, sam)
    post(client, f"/console/cases/{case_id}/claim")

    french = client.get("/console/supervisor").text
    english = client.get("/console/supervisor?lang=en").text

    assert "<td>Prise en charge</td>" in french and "<td>Connexion</td>" in french
    assert "<td>Claimed</td>" in english and "<td>Sign in</td>" in english
    assert "<code>claim</code>" not in french
    assert "<code>made_up_action</code>" in french


def test_every_action_the_console_writes_has_a_label() -> None:
    written = {
        "login", "login_failed", "login_locked", "logout", "recovery_code_used",
        "sessions_ended", "end_sessions", "unauthenticated", "forbidden", "csrf_refused",
        "case_not_found", "claim", "claim_refused", "reply", "note", "transfer",
        "transfer_refused", "reassign", "reassign_refused", "close", "account_created",
        "password_reset", "totp_reset", "account_unlocked", "account_disabled",
        "account_enabled", "account_changed", "account_refused", cases.SERVICES_IMPORTED,
        *cases.SERVICE_EDITS,
    }  # fmt: skip
    assert written <= set(texts.AUDIT_ACTIONS)
