"""Canned replies: a centre's prepared texts, per language, that its caseworkers insert into a
reply. Small functions on a session; the console checks who may call them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import CannedReply

MAX_TITLE = 80
MAX_BODY = 2000


def of_centre(
    session: Session, centre_code: str | None, language: str | None = None
) -> list[CannedReply]:
    """A centre's canned replies (every centre's for None), in one language if given."""
    query = select(CannedReply).order_by(
        CannedReply.centre_code, CannedReply.language, CannedReply.title
    )
    if centre_code is not None:
        query = query.where(CannedReply.centre_code == centre_code)
    if language is not None:
        query = query.where(CannedReply.language == language)
    return list(session.execute(query).scalars())


def save(
    session: Session, reply: CannedReply | None, centre_code: str, language: str, title: str,
    body: str,
) -> CannedReply:  # fmt: skip
    """Creates (``reply`` None) or changes a canned reply; the caller has validated it."""
    if reply is None:
        reply = CannedReply()
        session.add(reply)
    reply.centre_code, reply.language, reply.title, reply.body = centre_code, language, title, body
    session.flush()
    return reply
