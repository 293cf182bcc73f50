"""A file of a case's thread, served to those who may open the case, as the case page does.

Only JPEG, PNG and WebP images whose bytes say so are served inline; sound and video keep
their type (the page's ``<audio>`` and ``<video>`` play them) but come as a download; anything
else, HTML and SVG included, is a download of ``application/octet-stream``. Never cached, never
sniffed, and sandboxed if opened on its own anyway. Each read is in the audit log.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import Route

from bot.console.endpoints import page
from bot.console.files import IMAGES, MEDIA, file_name, mime
from bot.console.routes.cases import find_case
from bot.console.web import CASE_URL, Call, Refused
from bot.storage import attachments

# Named files keep their type when downloaded; the browser does not open them in the page.
DOWNLOADS = frozenset(("application/pdf",))
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def served_type(file: attachments.Attachment, content: bytes) -> tuple[str, bool]:
    """(Content-Type, inline) for a file's bytes."""
    kind = mime(file.mime_type)
    if kind in IMAGES and IMAGES[kind](content):
        return kind, True
    if kind in MEDIA or kind in DOWNLOADS:
        return kind, False
    return "application/octet-stream", False


def disposition(inline: bool, name: str) -> str:
    """Content-Disposition with an ASCII name for old browsers and the real one in UTF-8."""
    ascii_name = UNSAFE_NAME.sub("_", name).strip("._") or "file"
    return (
        f'{"inline" if inline else "attachment"}; filename="{ascii_name}"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )


def attachment_file(call: Call) -> Response:
    """The file's bytes, to those who may open its case; others get the case's 404."""
    case = find_case(call)
    attachment_id = call.request.path_params["attachment_id"]
    found = None
    if case.pseudonym is not None:
        found = attachments.content(call.session, call.site.box, case.id, attachment_id)
    if found is None:
        raise Refused(404, "attachment_not_found", "not_found", case.id)
    file, content = found
    call.audit("attachment_view", case.id, str(file.id))
    media_type, inline = served_type(file, content)
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": disposition(inline, file_name(file)),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            # Opened on its own, a file runs nothing and reaches nothing.
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


routes = [
    Route(
        "/cases/{case_id:int}/files/{attachment_id:int}",
        page(attachment_file, CASE_URL),
        name="attachment",
    )
]
