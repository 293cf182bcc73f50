"""A case's stored codes put into words in the reader's language: the packet's entries, why an
urgent case is urgent, and the system lines of the thread (claims, transfers, closing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel.lists import format_list

from bot.console import texts
from bot.constants import LANGUAGE_NATIVE_NAMES
from bot.crisis.kinds import crisis_label
from bot.i18n import babel_locale, translate
from bot.storage import cases
from bot.storage.models import Case

CentreName = Callable[[str | None], str]


def thread_text(entry: cases.ThreadEntry, language: str, centre_name: CentreName) -> str:
    """A system line put into words in the reader's language; other entries as written."""
    event = cases.read_event(entry.text) if entry.kind == cases.SYSTEM else None
    if event is None:
        return entry.text
    name, values = event
    if "outcome" in values:
        label = texts.OUTCOME_LABELS.get(values["outcome"])
        values["outcome"] = translate(language, label) if label else values["outcome"]
    if "centre" in values:
        values["centre"] = centre_name(values["centre"])
    if "kinds" in values:
        kinds = [translate(language, crisis_label(kind)) for kind in values["kinds"]]
        values["kinds"] = format_list(kinds, locale=babel_locale(language))
    return translate(language, texts.EVENT_TEXTS[name], values)


def urgency_reasons(
    case: Case, packet: dict[str, Any], language: str, centre_name: CentreName
) -> list[str]:
    """Why an urgent case is urgent, in words: crises, red flags, the person's own ask."""
    if case.priority != cases.URGENT or not packet:
        return []
    reasons = packet_value("crisis", packet.get("crisis", []), language, centre_name)
    reasons += packet_value("flags", packet.get("flags", []), language, centre_name)
    if packet.get("urgent_request") and not packet.get("crisis"):
        reasons.append(translate(language, texts.URGENT_ASKED))
    return reasons


def packet_rows(
    packet: dict[str, Any], language: str, centre_name: CentreName
) -> list[tuple[str, Any]]:
    """(heading, value) for each packet entry; value is text, a list or a mapping. Whether
    the case is urgent, and why, is said above the packet instead."""
    rows = []
    for key, value in packet.items():
        if value in (None, "", [], {}) or key == "urgent_request":
            continue
        heading = (
            translate(language, texts.PACKET_LABELS[key]) if key in texts.PACKET_LABELS else key
        )
        rows.append((heading, packet_value(key, value, language, centre_name)))
    return rows


def packet_value(key: str, value: Any, language: str, centre_name: CentreName) -> Any:
    """Codes the gateway stores (language, centre, flags...) turned into words."""
    if key in ("language", "contact_language"):
        if value == "other":
            return translate(language, texts.OTHER_LANGUAGE)
        return LANGUAGE_NATIVE_NAMES.get(value, value)
    if key == "profile" and isinstance(value, dict):
        # Stored as the French message ids of the dimension and its band.
        return {translate(language, k): translate(language, v) for k, v in value.items()}
    if key == "centre":
        return centre_name(value)
    if key == "contact_time" and value in texts.CONTACT_TIME_LABELS:
        return translate(language, texts.CONTACT_TIME_LABELS[value])
    if key == "crisis" and isinstance(value, list):
        return [translate(language, crisis_label(kind)) for kind in value]
    if key == "flags" and isinstance(value, list):
        return [
            translate(language, texts.FLAG_LABELS[f]) if f in texts.FLAG_LABELS else f
            for f in value
        ]
    if isinstance(value, bool):
        return translate(language, texts.YES if value else texts.NO)
    return value
