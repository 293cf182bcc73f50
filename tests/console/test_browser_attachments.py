"""A photo the person sent, in a real browser: shown inline in the case's thread on a phone,
loaded through the console's own route under its Content-Security-Policy, and the page has no
accessibility violation (axe-core). Uses conftest.py's Chromium and server fixtures."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image

from bot.storage import attachments, cases
from bot.storage.models import Case
from tests.console.browsing import PHONE, assert_fits_a_phone, log_in
from tests.console.helpers import queued_case
from tests.helpers.axe import violations

CAPTION = "Mon acte de naissance"


def jpeg(width: int = 1200, height: int = 800) -> bytes:
    """A photo wider than a phone, as Telegram would give it."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def test_a_photo_is_shown_inline_in_the_thread_on_a_phone_without_axe_violations(
    server, new_page, sessions, box, alice, tmp_path
) -> None:
    photo = jpeg()
    case_id = queued_case(sessions, box)
    with sessions.begin() as session:
        assert cases.claim(session, case_id, alice.id, datetime.utcnow())
    with sessions.begin() as session:
        case = session.get(Case, case_id)
        incoming = attachments.Incoming(attachments.PHOTO, "image/jpeg", len(photo))
        attachments.add(
            session, box, case, CAPTION, incoming, photo, attachments.KEPT, datetime.utcnow()
        )
        # The other ways a file shows, for axe to check too: players, a link, a missing file.
        for kind, mime_type, status, content in (
            (attachments.VOICE, "audio/ogg", attachments.KEPT, b"OggS"),
            (attachments.VIDEO, "video/mp4", attachments.KEPT, b"mp4"),
            (attachments.DOCUMENT, "application/pdf", attachments.KEPT, b"%PDF"),
            (attachments.DOCUMENT, "application/pdf", attachments.TOO_LARGE, None),
            (attachments.PHOTO, "image/jpeg", attachments.UNAVAILABLE, None),
        ):
            other = attachments.Incoming(kind, mime_type, 4, "acte.pdf")
            attachments.add(session, box, case, "", other, content, status, datetime.utcnow())
    page = new_page(**PHONE, locale="fr-FR")

    log_in(page, server, alice)
    page.goto(f"{server.url}/cases/{case_id}")

    entry = page.locator(".thread .msg-person", has_text=CAPTION)
    image = entry.get_by_role("img", name="Photo envoyée par la personne")
    image.scroll_into_view_if_needed()
    # Decoded by the browser: served as an image, not refused by the policy nor the route.
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [1200, 800]
    # Scaled to the message's width on the phone.
    assert image.bounding_box()["width"] < PHONE["viewport"]["width"]
    assert_fits_a_phone(page)
    page.screenshot(path=str(tmp_path / "attachment.png"), full_page=True)
    assert violations(page) == []
    assert new_page.errors == []
