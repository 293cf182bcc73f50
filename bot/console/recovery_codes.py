"""One-time recovery codes: given with each TOTP secret, each logs in once instead of a code
from the authenticator app, for a caseworker whose phone is lost or broken.

A code is 16 characters from a 32-letter alphabet without look-alikes (80 random bits), shown
as four groups of four. Only a keyed hash is stored: HMAC-SHA256 keyed with the account's TOTP
secret, which is itself sealed with the data key. So a copy of the database alone cannot test a
single guess, and whoever has the data key as well can make TOTP codes anyway. A slow hash
(argon2) is for guessable passwords; against 80 random bits it adds nothing, and it would cost
one 64 MiB hash per stored code at each login instead of one indexed lookup. A new TOTP secret
(a reset) replaces the codes, and the old ones no longer match its key either.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from cryptography.fernet import MultiFernet
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.storage.keys import unseal
from bot.storage.models import Caseworker, RecoveryCode

COUNT = 10
LENGTH = 16
GROUP = 4
# Crockford's base32 alphabet, lower case: no i, l or o to mistake for 1, 1 or 0 (nor u).
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
# What may separate the groups when a code is typed: spaces and dashes.
_SEPARATORS = re.compile(r"[\s-]+")


def _normal(typed: str) -> str:
    return _SEPARATORS.sub("", typed).lower()


def looks_like_one(typed: str) -> bool:
    """Whether what was typed in the code field is a recovery code rather than a TOTP code."""
    code = _normal(typed)
    return len(code) == LENGTH and all(c in ALPHABET for c in code)


def _digest(box: MultiFernet, account: Caseworker, code: str) -> str:
    key = unseal(box, account.totp_secret).encode()
    return hmac.new(key, _normal(code).encode(), hashlib.sha256).hexdigest()


def replace(session: Session, box: MultiFernet, account: Caseworker, now: datetime) -> list[str]:
    """New codes for the account (after its TOTP secret is set), instead of any it had; returns
    them as they are shown, the only time they are."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.caseworker_id == account.id))
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(COUNT)]
    for code in codes:
        session.add(
            RecoveryCode(
                caseworker_id=account.id, code_hash=_digest(box, account, code), created_at=now
            )
        )
    return ["-".join(code[i : i + GROUP] for i in range(0, LENGTH, GROUP)) for code in codes]


def _matching(box: MultiFernet, account: Caseworker, typed: str) -> tuple[ColumnElement, ...]:
    return (
        RecoveryCode.caseworker_id == account.id,
        RecoveryCode.code_hash == _digest(box, account, typed),
    )


def is_valid(session: Session, box: MultiFernet, account: Caseworker, typed: str) -> bool:
    """Whether the code is one of the account's unused ones (without using it)."""
    found = session.execute(select(RecoveryCode.id).where(*_matching(box, account, typed)))
    return found.first() is not None


def use(session: Session, box: MultiFernet, account: Caseworker, typed: str) -> bool:
    """Uses the code up; False when it was not (or no longer) the account's.

    One conditional DELETE: two logins racing with the same code cannot both pass.
    """
    used = session.execute(
        delete(RecoveryCode)
        .where(*_matching(box, account, typed))
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1


def remaining(session: Session, account_id: int) -> int:
    return session.execute(
        select(func.count()).where(RecoveryCode.caseworker_id == account_id)
    ).scalar_one()
