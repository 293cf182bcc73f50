"""Caseworker alerts: a new case in the queue, a case nobody claimed, a crisis making an open
case urgent.

An alert is written to the outbox in the transaction that decides it, addressed to the
caseworkers' chat (CASEWORKER_CHAT_ID): it is committed with that decision or not at all, so
it is never lost nor sent twice, and the sender delivers it with its retries, rate limits and
dead letters instead of a person's turn waiting on it. Alerts carry no personal data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cryptography.fernet import MultiFernet
from sqlalchemy.orm import Session

from bot.storage.keys import seal
from bot.storage.models import OutboxMessage

logger = logging.getLogger(__name__)

# The outbox's chat key for alerts (its order, its rate limit, its dead letters): people's
# keys are hexadecimal digests, never this word.
CASEWORKERS = "caseworkers"


@dataclass(frozen=True)
class CaseworkerAlerts:
    box: MultiFernet
    # None: no caseworkers' chat is configured, and alerts go to the log.
    chat_id: int | None = None

    def queue(self, session: Session, text: str) -> None:
        """Add the alert to ``session``'s transaction (the one deciding it)."""
        if self.chat_id is None:
            logger.warning("%s", text)
            return
        session.add(
            OutboxMessage(
                pseudonym=CASEWORKERS,
                chat_ref=seal(self.box, self.chat_id),
                body=seal(self.box, text),
                rtl=False,
                attempts=0,
            )
        )
