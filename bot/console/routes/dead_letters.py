"""Messages the bot could not deliver: the latest ones, never their text, the case a
caseworker's message belongs to, and (admins) a way to send one again. Supervisors see those of
their centre's cases; admins every one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import func, select
from starlette.responses import Response
from starlette.routing import Route

from bot.console import scope, texts
from bot.console.endpoints import page
from bot.console.web import ADMIN_ONLY, SUPERVISOR_ONLY, Call, Refused
from bot.gateway import outbox
from bot.i18n import Plural, translate, translate_count
from bot.storage.keys import unseal
from bot.storage.models import Case, CaseMessage, DeadLetter

DEAD_LETTERS_SHOWN = 200
# Enough to tell a person's messages apart on the page, too little to look them up elsewhere.
PSEUDONYM_SHOWN = 8


@dataclass(frozen=True)
class DeadLetterRow:
    """One undelivered message as the page shows it: never its text, only the text's length."""

    id: int
    reason: str
    attempts: int
    created_at: datetime
    dead_at: datetime
    person: str
    length: int | None
    # The case whose thread holds the message (a caseworker's reply), if any.
    case_id: int | None = None


def dead_letters_page(call: Call) -> Response:
    """The latest undelivered messages the account may see, newest first, and how many there
    are in all."""
    seen = (
        select(DeadLetter, CaseMessage.case_id)
        .join(CaseMessage, CaseMessage.id == DeadLetter.case_message_id, isouter=True)
        .join(Case, Case.id == CaseMessage.case_id, isouter=True)
    )
    if not scope.sees_every_centre(call.me):
        # Only what belongs to the centre's cases: other messages name no case to check.
        seen = seen.where(Case.id.is_not(None), scope.case_filter(call.me))
    total = call.session.execute(select(func.count()).select_from(seen.subquery())).scalar_one()
    letters = call.session.execute(
        seen.order_by(DeadLetter.dead_at.desc(), DeadLetter.id.desc()).limit(DEAD_LETTERS_SHOWN)
    ).all()
    rows = [
        dead_letter_row(letter, call.site.box, call.language, case_id)
        for letter, case_id in letters
    ]
    return call.render("dead_letters/dead_letters.html", letters=rows, total=total)


def dead_letter_row(
    letter: DeadLetter, box: MultiFernet, language: str, case_id: int | None = None
) -> DeadLetterRow:
    label = texts.DEAD_LETTER_REASONS.get(letter.reason)
    if isinstance(label, Plural):
        reason = translate_count(language, label, letter.attempts)
    else:
        reason = translate(language, label) if label else letter.reason
    try:
        # Decrypted only to be measured: a caseworker's words stay off this page.
        length: int | None = len(unseal(box, letter.body))
    except InvalidToken:
        # Sealed with a key retired since: one such row must not hide the whole list.
        length = None
    return DeadLetterRow(
        id=letter.id,
        reason=reason,
        attempts=letter.attempts,
        created_at=letter.created_at,
        dead_at=letter.dead_at,
        person=letter.pseudonym[:PSEUDONYM_SHOWN],
        length=length,
        case_id=case_id,
    )


def dead_letter_requeue(call: Call) -> Response:
    letter_id = call.request.path_params["letter_id"]
    if not outbox.requeue(call.session, letter_id):
        raise Refused(404, "dead_letter_not_found", "dead_letter_not_found")
    call.audit("dead_letter_requeued", detail=str(letter_id))
    call.notice("dead_letter_requeued")
    return call.redirect("dead_letters")


routes = [
    Route("/dead-letters", page(dead_letters_page, SUPERVISOR_ONLY), name="dead_letters"),
    Route(
        "/dead-letters/{letter_id:int}/requeue",
        page(dead_letter_requeue, ADMIN_ONLY),
        methods=["POST"],
        name="dead_letter_requeue",
    ),
]
