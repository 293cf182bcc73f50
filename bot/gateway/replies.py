"""What the gateway sends back, whatever the transport: text, buttons, reading direction."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    rtl: bool = False
