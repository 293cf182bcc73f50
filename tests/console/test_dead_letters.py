"""Undelivered messages in the console: admins see them without their text and send one again;
everyone else is refused, and every requeue is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.gateway import outbox
from bot.storage.keys import seal, unseal
from bot.storage.models import AuditEntry, DeadLetter, OutboxMessage
from tests.console.helpers import audit_actions, csrf, login, post

PAGE = "/console/dead-letters"
# What a caseworker might have written: it must never reach the page.
SECRET_BODY = "Votre rendez-vous chez Maître Zyxwvut est confirmé <b>demain</b>."
PSEUDONYM = "abcdef0123456789" * 2
T0 = datetime(2026, 11, 20, 9, 30)


def requeue_url(letter_id: int) -> str:
    return f"{PAGE}/{letter_id}/requeue"


def dead_letter(
    sessions: sessionmaker, box: MultiFernet, reason: str, body: str = SECRET_BODY,
    attempts: int = 1, dead_at: datetime = T0, pseudonym: str = PSEUDONYM,
) -> int:  # fmt: skip
    with sessions.begin() as session:
        letter = DeadLetter(
            pseudonym=pseudonym, chat_ref=seal(box, 424242), body=seal(box, body),
            buttons=seal(box, [["1", "rate:1:1"]]), rtl=False, reason=reason, attempts=attempts,
            created_at=dead_at - timedelta(minutes=5), dead_at=dead_at,
        )  # fmt: skip
        session.add(letter)
        session.flush()
        return letter.id


def test_an_admin_sees_reasons_but_never_the_text(client, sessions, box, ada) -> None:
    blocked = dead_letter(sessions, box, outbox.BLOCKED)
    rejected = dead_letter(sessions, box, outbox.REJECTED, dead_at=T0 + timedelta(hours=1))
    no_chat = dead_letter(sessions, box, outbox.NO_CHAT, dead_at=T0 + timedelta(hours=2))
    gave_up = dead_letter(
        sessions, box, outbox.GAVE_UP, "<script>x</script>", 8, T0 + timedelta(hours=3)
    )
    login(client, ada)

    page = client.get(PAGE)

    assert page.status_code == 200
    text = page.text
    assert "Zyxwvut" not in text and "rendez-vous" not in text and "&lt;script" not in text
    assert PSEUDONYM not in text
    assert f"<code>{PSEUDONYM[:8]}</code>" in text
    for phrase in (
        "La personne a bloqué le bot",
        "Telegram a refusé le message",
        "Pas de conversation où l&#39;envoyer",
        "Abandonné après 8 tentatives",
    ):
        assert phrase in text
    # Newest first, each with its text's length only.
    order = [text.index(f'id="dead-letter-{i}"') for i in (gave_up, no_chat, rejected, blocked)]
    assert order == sorted(order)
    assert f"<td>{len(SECRET_BODY)}</td>" in text
    assert f"<td>{len('<script>x</script>')}</td>" in text
    assert "20/11/2026 09:30 UTC" in text
    assert f'action="{requeue_url(blocked)}"' in text
    assert f'<a href="{PAGE}">Messages non remis</a>' in client.get("/console/").text


def test_the_page_speaks_the_admins_language(client, sessions, box, ada) -> None:
    dead_letter(sessions, box, outbox.GAVE_UP, attempts=8)
    login(client, ada)

    text = client.get(f"{PAGE}?lang=en").text

    assert "Undelivered messages" in text
    assert "Gave up after 8 attempts" in text
    assert "Send again" in text


def test_only_the_latest_are_listed_with_the_total(client, sessions, box, ada, monkeypatch):
    monkeypatch.setattr("bot.console.routes.dead_letters.DEAD_LETTERS_SHOWN", 2)
    ids = [
        dead_letter(sessions, box, outbox.REJECTED, dead_at=T0 + timedelta(minutes=n))
        for n in range(3)
    ]
    login(client, ada)

    text = client.get(PAGE).text

    assert '<span class="count">(3)</span>' in text
    assert "Les 2 plus récents sur 3." in text
    assert f'id="dead-letter-{ids[0]}"' not in text
    assert f'id="dead-letter-{ids[2]}"' in text


def test_a_text_sealed_with_a_retired_key_does_not_hide_the_list(client, sessions, box, ada):
    letter_id = dead_letter(sessions, box, outbox.REJECTED)
    with sessions.begin() as session:
        retired = MultiFernet([Fernet(Fernet.generate_key())])
        session.get(DeadLetter, letter_id).body = seal(retired, SECRET_BODY)
    login(client, ada)

    page = client.get(PAGE)

    assert page.status_code == 200
    assert f'id="dead-letter-{letter_id}"' in page.text
    assert "<td>–</td>" in page.text


def test_an_empty_list_says_so(client, ada) -> None:
    login(client, ada)
    assert "Aucun message non remis." in client.get(PAGE).text


def test_requeue_moves_the_message_back_to_the_outbox(client, sessions, box, ada) -> None:
    letter_id = dead_letter(sessions, box, outbox.BLOCKED, attempts=3)
    login(client, ada)

    response = post(client, requeue_url(letter_id))

    assert response.url.path == PAGE
    assert "Message remis dans la file d&#39;envoi" in response.text
    assert "Aucun message non remis." in response.text
    with sessions() as session:
        assert session.get(DeadLetter, letter_id) is None
        (message,) = session.execute(select(OutboxMessage)).scalars()
        assert unseal(box, message.body) == SECRET_BODY
        assert (message.pseudonym, message.attempts) == (PSEUDONYM, 0)
        assert unseal(box, message.chat_ref) == 424242
        (entry,) = audit_actions(session, "dead_letter_requeued")
    assert (entry.username, entry.case_id, entry.detail) == ("ada", None, str(letter_id))


def test_requeue_without_csrf_token_is_refused(client, sessions, box, ada) -> None:
    letter_id = dead_letter(sessions, box, outbox.REJECTED)
    login(client, ada)
    client.get(PAGE)

    refused = [
        client.post(requeue_url(letter_id)),
        client.post(requeue_url(letter_id), data={"csrf": "forged"}),
    ]

    assert [r.status_code for r in refused] == [403, 403]
    with sessions() as session:
        assert session.get(DeadLetter, letter_id) is not None
        assert session.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 0
        assert len(audit_actions(session, "csrf_refused")) == 2
        assert audit_actions(session, "dead_letter_requeued") == []


def test_an_unknown_or_already_requeued_letter_is_a_kind_404(client, sessions, box, ada):
    letter_id = dead_letter(sessions, box, outbox.NO_CHAT)
    login(client, ada)
    post(client, requeue_url(letter_id))

    again = post(client, requeue_url(letter_id))
    unknown = post(client, requeue_url(999999))

    for response in (again, unknown):
        assert response.status_code == 404
        assert "il a peut-être déjà été renvoyé" in response.text
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 1
        assert len(audit_actions(session, "dead_letter_requeued")) == 1
        assert [e.detail for e in audit_actions(session, "dead_letter_not_found")] == [
            f"POST {requeue_url(letter_id)}",
            f"POST {requeue_url(999999)}",
        ]


def test_caseworkers_are_refused_and_supervisors_may_not_send_again(
    sessions, box, alice, sam, new_client
) -> None:
    letter_id = dead_letter(sessions, box, outbox.BLOCKED)

    for account, page_status in ((alice, 403), (sam, 200)):
        client = new_client()
        login(client, account)
        token = csrf(client)
        page = client.get(PAGE)
        requeue = client.post(requeue_url(letter_id), data={"csrf": token})

        assert (page.status_code, requeue.status_code) == (page_status, 403)
        assert "Zyxwvut" not in page.text
        # A supervisor sees the messages of its centre's cases: this one belongs to none.
        assert f"dead-letter-{letter_id}" not in page.text

    with sessions() as session:
        assert session.get(DeadLetter, letter_id) is not None
        refused = session.execute(
            select(AuditEntry).where(AuditEntry.action == "forbidden").order_by(AuditEntry.id)
        ).scalars()
        assert [(e.username, e.detail) for e in refused] == [
            ("alice", f"GET {PAGE}"),
            ("alice", f"POST {requeue_url(letter_id)}"),
            ("sam", f"POST {requeue_url(letter_id)}"),
        ]


def test_without_login_the_page_sends_to_the_login_form(client, sessions, box) -> None:
    letter_id = dead_letter(sessions, box, outbox.BLOCKED)
    assert client.get(PAGE).url.path == "/console/login"
    with sessions() as session:
        assert session.get(DeadLetter, letter_id) is not None
