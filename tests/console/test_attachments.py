"""Files in the case thread: shown on the case page (images inline, players, links, why one is
missing) and served only to those who may open the case, with headers that keep them inert."""

from __future__ import annotations

from datetime import datetime

import pytest
from cryptography.fernet import MultiFernet
from sqlalchemy.orm import sessionmaker

from bot.console.files import file_size
from bot.console.routes.attachments import disposition
from bot.storage import attachments, cases, repository
from bot.storage.models import Case
from tests.console.helpers import Account, audit_actions, login, make_account, post, queued_case

JPEG = b"\xff\xd8\xff\xe0" + b"pixels" * 100
HTML = b"<html><script>alert(1)</script></html>"
NOW = datetime(2026, 12, 7, 12, 0)


def add_file(
    sessions: sessionmaker, box: MultiFernet, case_id: int, incoming: attachments.Incoming,
    content: bytes | None, status: str = attachments.KEPT, caption: str = "",
) -> int:  # fmt: skip
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        return attachments.add(session, box, case, caption, incoming, content, status, NOW).id


@pytest.fixture
def claimed(client, sessions, box, alice: Account) -> int:
    """A case alice claimed, in the browser logged in as alice."""
    case_id = queued_case(sessions, box)
    login(client, alice)
    post(client, f"/console/cases/{case_id}/claim")
    return case_id


def test_the_thread_shows_images_players_links_and_missing_files(
    client, sessions, box, claimed: int
) -> None:
    photo = add_file(
        sessions, box, claimed, attachments.Incoming("photo", "image/jpeg", len(JPEG)), JPEG,
        caption="Mon acte de naissance",
    )  # fmt: skip
    voice = add_file(
        sessions, box, claimed, attachments.Incoming("voice", "audio/ogg", 5), b"OggS!"
    )
    document = attachments.Incoming("document", "application/pdf", 4, "acte.pdf")
    pdf = add_file(sessions, box, claimed, document, b"%PDF")
    too_big = attachments.Incoming("video", "video/mp4", 30 * 1024 * 1024)
    add_file(sessions, box, claimed, too_big, None, attachments.TOO_LARGE)

    page = client.get(f"/console/cases/{claimed}").text

    base = f"/console/cases/{claimed}/files"
    assert "Mon acte de naissance" in page
    assert f'<img src="{base}/{photo}" alt="Photo envoyée par la personne"' in page
    assert f'<audio controls preload="metadata" src="{base}/{voice}"' in page
    assert f'href="{base}/{pdf}" download>Télécharger <bdi>acte.pdf</bdi>' in page
    size = file_size(30 * 1024 * 1024, "fr")
    assert f"Fichier non conservé : trop volumineux ({size})." in page


def test_an_image_is_served_inline_never_cached_nor_sniffed_and_audited(
    client, sessions, box, claimed: int
) -> None:
    photo = add_file(
        sessions, box, claimed, attachments.Incoming("photo", "image/jpeg", len(JPEG)), JPEG
    )

    response = client.get(f"/console/cases/{claimed}/files/{photo}")

    assert response.status_code == 200 and response.content == JPEG
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["content-disposition"].startswith("inline;")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    with sessions() as session:
        (read,) = audit_actions(session, "attachment_view")
    assert (read.username, read.case_id, read.detail) == ("alice", claimed, str(photo))


@pytest.mark.parametrize(
    ("declared", "content"),
    [
        ("text/html", HTML),
        ("image/svg+xml", b"<svg onload='alert(1)'/>"),
        # Declared an image, but its bytes are not one.
        ("image/png", HTML),
    ],
)
def test_anything_but_a_real_image_is_a_download_of_plain_bytes(
    client, sessions, box, claimed: int, declared: str, content: bytes
) -> None:
    incoming = attachments.Incoming("document", declared, len(content), '../../"evil".html')
    file_id = add_file(sessions, box, claimed, incoming, content)

    response = client.get(f"/console/cases/{claimed}/files/{file_id}")

    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"evil.html\"; filename*=UTF-8''evil.html"
    )


def test_a_name_in_any_script_survives_in_the_utf8_filename() -> None:
    assert disposition(False, "شهادة ميلاد.pdf") == (
        "attachment; filename=\"pdf\"; filename*=UTF-8''"
        "%D8%B4%D9%87%D8%A7%D8%AF%D8%A9%20%D9%85%D9%8A%D9%84%D8%A7%D8%AF.pdf"
    )


def test_only_those_who_may_open_the_case_get_the_bytes(
    new_client, sessions, box, claimed: int, bob: Account, sam: Account
) -> None:
    photo = add_file(
        sessions, box, claimed, attachments.Incoming("photo", "image/jpeg", len(JPEG)), JPEG
    )
    url = f"/console/cases/{claimed}/files/{photo}"
    elsewhere = make_account(sessions, box, "rita", role="supervisor", centre="rabat-demo")
    anonymous, bob_browser, sam_browser, rita_browser = (new_client() for _ in range(4))
    for browser, account in ((bob_browser, bob), (sam_browser, sam), (rita_browser, elsewhere)):
        login(browser, account)

    refused = [bob_browser.get(url), rita_browser.get(url)]
    redirected = anonymous.get(url, follow_redirects=False)

    assert [r.status_code for r in refused] == [404, 404]
    assert all(JPEG not in r.content for r in refused)
    assert redirected.status_code == 303 and redirected.headers["location"] == "/console/login"
    # The supervisor of the case's centre reads it, as the case page.
    assert sam_browser.get(url).content == JPEG
    with sessions() as session:
        assert [e.username for e in audit_actions(session, "forbidden")] == ["bob", "rita"]


def test_a_file_of_another_case_or_an_erased_one_is_not_found(
    client, sessions, box, claimed: int, alice: Account
) -> None:
    other = queued_case(sessions, box, pseudonym="q" * 32)
    stranger = add_file(
        sessions, box, other, attachments.Incoming("photo", "image/jpeg", len(JPEG)), JPEG
    )
    own = add_file(
        sessions, box, claimed, attachments.Incoming("photo", "image/jpeg", len(JPEG)), JPEG
    )

    through_own_case = client.get(f"/console/cases/{claimed}/files/{stranger}")
    with sessions.begin() as session:
        repository.erase_person(session, "p" * 32)
    erased = client.get(f"/console/cases/{claimed}/files/{own}")

    assert through_own_case.status_code == erased.status_code == 404
    assert JPEG not in through_own_case.content + erased.content
    with sessions() as session:
        assert session.get(Case, claimed).status == cases.CLOSED
