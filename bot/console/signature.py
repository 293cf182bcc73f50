"""How a caseworker's message reaches the person: marked as written by a person of the centre,
with the name the caseworker chose to show (never the account's username) and what the centre
calls its caseworkers, in the person's language: "Amina (référente) : ...".

In a right-to-left language the name is isolated (FSI ... PDI): a Latin name keeps its place,
and an Arabic one does not pull the heading's punctuation around.
"""

from __future__ import annotations

from bot.centres import Centre
from bot.i18n import N_, translate
from bot.i18n.bidi import FSI, PDI

# The catalogue's word for a caseworker, when the centre did not choose its own.
TITLE = N_("référent")
SIGNED = N_("{name} ({title}) : {text}")
UNSIGNED = N_("{title} : {text}")
MAX_NAME = 40


def title(centre: Centre | None, language: str) -> str:
    """What the centre calls its caseworkers in ``language``."""
    chosen = centre.caseworker_title.get(language) if centre else None
    return chosen or translate(language, TITLE)


def signed(text: str, name: str | None, centre: Centre | None, language: str, rtl: bool) -> str:
    """``text`` headed with who writes it, for the person."""
    role = title(centre, language)
    if not name:
        # The title opens the message: "Référent : ...", not "référent : ...".
        return translate(language, UNSIGNED, {"title": role[:1].upper() + role[1:], "text": text})
    shown = f"{FSI}{name}{PDI}" if rtl else name
    return translate(language, SIGNED, {"name": shown, "title": role, "text": text})


def valid_name(name: str) -> bool:
    """Whether a display name (blanks already evened out) may head messages: one line of
    printable characters, at most MAX_NAME."""
    return 0 < len(name) <= MAX_NAME and name.isprintable()
