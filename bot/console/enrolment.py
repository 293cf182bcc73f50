"""What an admin shows a colleague once, at creation or after a reset of the second factor:
the TOTP provisioning URI as a QR code (inline SVG: the console's CSP allows no data: images)
and as a secret to type by hand, and the recovery codes."""

from __future__ import annotations

from dataclasses import dataclass

import pyotp
import qrcode
from markupsafe import Markup
from qrcode.constants import ERROR_CORRECT_M

from bot.console.auth import Enrolment

SECRET_GROUP = 4  # authenticator apps accept the secret with spaces; groups are easier to type


@dataclass(frozen=True)
class Shown:
    """An enrolment as the page shows it."""

    username: str
    qr: Markup
    secret: str
    recovery_codes: list[str]


def qr_svg(data: str) -> Markup:
    """``data`` as a QR code (error correction M, 4-module quiet zone): one SVG path of unit
    squares, black on white, that scales without blur."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    side = len(matrix)
    path = "".join(
        f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'shape-rendering="crispEdges" aria-hidden="true" focusable="false">'
        f'<rect width="{side}" height="{side}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )


def shown(username: str, enrolment: Enrolment) -> Shown:
    secret = pyotp.parse_uri(enrolment.uri).secret
    groups = [secret[i : i + SECRET_GROUP] for i in range(0, len(secret), SECRET_GROUP)]
    return Shown(username, qr_svg(enrolment.uri), " ".join(groups), enrolment.recovery_codes)
