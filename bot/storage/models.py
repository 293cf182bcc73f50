"""Database tables. A person is known only by a pseudonym (keyed hash of the Telegram id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Person(Base):
    __tablename__ = "people"

    pseudonym = Column(String(64), primary_key=True)
    language = Column(String(8), nullable=False)
    centre_code = Column(String(64), nullable=True)
    # The Telegram chat id, encrypted: needed to write to the person outside their own turn.
    chat_ref = Column(LargeBinary, nullable=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    last_seen_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    # Set when Telegram answers 403 (the person blocked the bot); cleared when they write again.
    blocked_at = Column(DateTime, nullable=True)


class InboxUpdate(Base):
    """A Telegram update, stored before Telegram is told it arrived (``bot.gateway.inbox``).

    Rows stay after handling, without payload or chat, so that a repeated update_id is ignored.
    """

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_pending", "status", "chat_key", "update_id"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    update_id = Column(BigInteger, nullable=False, unique=True)
    # Pseudonym of the chat while the update waits: one chat's updates are handled in order.
    chat_key = Column(String(64), nullable=False, default="")
    # The update's JSON, encrypted; emptied once handled.
    payload = Column(LargeBinary, nullable=True)
    # pending, done, failed (gave up after too many attempts).
    status = Column(String(16), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    available_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    # Which worker holds the row, and until when: a crashed worker's lease simply runs out.
    lease_owner = Column(String(64), nullable=True)
    lease_until = Column(DateTime, nullable=True)
    received_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    done_at = Column(DateTime, nullable=True)


class Assessment(Base):
    """One run of the self-assessment. Answers and result are encrypted (``bot.storage.keys``)."""

    __tablename__ = "assessments"

    id = Column(Integer, primary_key=True, autoincrement=True)
    pseudonym = Column(String(64), nullable=False, index=True)
    definition_version = Column(Integer, nullable=False)
    # in_progress: answers expected; paused: stopped by the person, resumable; completed.
    status = Column(String(16), nullable=False)
    progress = Column(LargeBinary, nullable=False)
    result = Column(LargeBinary, nullable=True)
    wants_caseworker = Column(Boolean, nullable=True)
    started_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    updated_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    completed_at = Column(DateTime, nullable=True)
    # The Telegram update whose answer was recorded last: a replayed update is not applied twice.
    last_update_id = Column(BigInteger, nullable=True)


class Consent(Base):
    """One decision for one purpose, with the wording's version and language, as shown."""

    __tablename__ = "consents"

    id = Column(Integer, primary_key=True, autoincrement=True)
    pseudonym = Column(String(64), nullable=False, index=True)
    purpose = Column(String(32), nullable=False)
    granted = Column(Boolean, nullable=False)
    text_version = Column(Integer, nullable=False)
    language = Column(String(8), nullable=False)
    decided_at = Column(DateTime, nullable=False, default=datetime.utcnow)


class Caseworker(Base):
    __tablename__ = "caseworkers"

    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(256), nullable=False)
    totp_secret = Column(LargeBinary, nullable=False)
    # The time step (Unix time // 30) of the last code accepted: no code is accepted twice.
    totp_last_step = Column(Integer, nullable=True)
    role = Column(String(16), nullable=False)
    centre_code = Column(String(64), nullable=True)
    # How the person sees who writes to them ("Amina"); never the username. None: the role only.
    display_name = Column(String(40), nullable=True)
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)


class ConsoleSession(Base):
    """A console login (``bot.console.login_sessions``), ended by deleting the row.

    The cookie carries a random token; only its SHA-256 is stored here, so a copy of the table
    opens no session.
    """

    __tablename__ = "console_sessions"

    id = Column(String(64), primary_key=True)
    caseworker_id = Column(Integer, nullable=False, index=True)
    created_at = Column(DateTime, nullable=False)
    last_seen_at = Column(DateTime, nullable=False)
    # Where the login came from, for an admin who wonders whether a session is really theirs.
    address = Column(String(64), nullable=True)


class RecoveryCode(Base):
    """A one-time code that logs in instead of a TOTP code (``bot.console.recovery_codes``),
    deleted when used. Only a keyed hash is stored: a copy of the table tells no code."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("caseworker_id", "code_hash", name="uq_recovery_code"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    caseworker_id = Column(Integer, nullable=False, index=True)
    code_hash = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)


class Case(Base):
    """A handover. ``packet`` (encrypted) is what the caseworker sees after claiming."""

    __tablename__ = "cases"

    id = Column(Integer, primary_key=True, autoincrement=True)
    # NULL once the person erased their data: the caseworker still sees that it happened.
    pseudonym = Column(String(64), nullable=True, index=True)
    # draft (being prepared with the person), queued, claimed, closed.
    status = Column(String(16), nullable=False, index=True)
    step = Column(String(32), nullable=True)
    priority = Column(Integer, nullable=False, default=2)
    language = Column(String(8), nullable=False)
    centre_code = Column(String(64), nullable=True)
    packet = Column(LargeBinary, nullable=False)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    queued_at = Column(DateTime, nullable=True)
    claimed_by = Column(Integer, nullable=True)
    claimed_at = Column(DateTime, nullable=True)
    first_reply_at = Column(DateTime, nullable=True)
    last_activity_at = Column(DateTime, nullable=True)
    closed_at = Column(DateTime, nullable=True)
    outcome = Column(String(32), nullable=True)
    outcome_detail = Column(LargeBinary, nullable=True)
    rating = Column(Integer, nullable=True)
    person_told_thread = Column(Boolean, nullable=False, default=False)
    supervisors_alerted = Column(Boolean, nullable=False, default=False)


class CaseMessage(Base):
    """The thread between the person and the caseworker, and private notes (encrypted)."""

    __tablename__ = "case_messages"

    id = Column(Integer, primary_key=True, autoincrement=True)
    case_id = Column(Integer, nullable=False, index=True)
    # person, caseworker, note (internal), system.
    kind = Column(String(16), nullable=False)
    caseworker_id = Column(Integer, nullable=True)
    body = Column(LargeBinary, nullable=False)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    # The person's Telegram update it came from: handled again after a crash, it is not re-added.
    update_id = Column(BigInteger, nullable=True)
    # A caseworker's message to the person: queued, sent (Telegram has it) or failed, with the
    # dead letter's reason (``bot.gateway.outbox``); the sender keeps it current.
    delivery = Column(String(16), nullable=True)
    delivery_reason = Column(String(32), nullable=True)


class CaseAttachment(Base):
    """A file the person sent into a case's thread (``bot.storage.attachments``), linked to the
    thread message that holds its caption. Content and original name are encrypted; the type
    and size stay clear, to serve it and to say what it is without decrypting it.

    A file that was not kept (too large, or Telegram would not give it) has a row without
    content, so that the thread says a file came and why it is missing.
    """

    __tablename__ = "case_attachments"

    id = Column(Integer, primary_key=True, autoincrement=True)
    case_id = Column(Integer, nullable=False, index=True)
    message_id = Column(Integer, nullable=False, index=True)
    # photo, voice, audio, document, video.
    kind = Column(String(16), nullable=False)
    # kept, too_large, unavailable.
    status = Column(String(16), nullable=False)
    # As Telegram says it (the sender's app chose it for a document): never trusted to serve.
    mime_type = Column(String(128), nullable=False)
    size = Column(Integer, nullable=True)
    file_name = Column(LargeBinary, nullable=True)
    content = Column(LargeBinary, nullable=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)


class AuditEntry(Base):
    """Who did what to which case, when. No personal data."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True, autoincrement=True)
    caseworker_id = Column(Integer, nullable=True)
    username = Column(String(64), nullable=True)
    case_id = Column(Integer, nullable=True)
    action = Column(String(32), nullable=False)
    detail = Column(String(200), nullable=True)
    at = Column(DateTime, nullable=False, default=datetime.utcnow)


class QueuedMessage:
    """What a message to a person carries, waiting to be sent or given up on."""

    id = Column(Integer, primary_key=True, autoincrement=True)
    pseudonym = Column(String(64), nullable=False, index=True)
    # Encrypted chat id; when empty, the person's own chat (``Person.chat_ref``).
    chat_ref = Column(LargeBinary, nullable=True)
    body = Column(LargeBinary, nullable=False)
    buttons = Column(LargeBinary, nullable=True)
    # None: from the person's language.
    rtl = Column(Boolean, nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    # The case thread's entry this is (a part of), whose delivery state follows it.
    case_message_id = Column(Integer, nullable=True, index=True)

    def contents(self) -> dict:
        """The message itself, to move it between the outbox and the dead letters."""
        names = (
            "pseudonym", "chat_ref", "body", "buttons", "rtl", "attempts", "created_at",
            "case_message_id",
        )  # fmt: skip
        return {name: getattr(self, name) for name in names}


class OutboxMessage(QueuedMessage, Base):
    """A message waiting to be sent (``bot.gateway.sender``); the row is deleted once sent.

    Its id is the idempotency key: a row is sent by the one worker holding its lease.
    """

    __tablename__ = "outbox"

    available_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    lease_owner = Column(String(64), nullable=True)
    lease_until = Column(DateTime, nullable=True)


class DeadLetter(QueuedMessage, Base):
    """A message that could not be delivered, kept for admins to see (and to send again)."""

    __tablename__ = "dead_letters"

    # blocked (403), rejected (400), no_chat, gave_up (retries exhausted).
    reason = Column(String(32), nullable=False)
    dead_at = Column(DateTime, nullable=False, default=datetime.utcnow)


class Statistic(Base):
    """Aggregate counters for centres' reports: no person, only month, centre and language."""

    __tablename__ = "statistics"
    __table_args__ = (UniqueConstraint("month", "centre_code", "language", "metric", "value"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    month = Column(String(7), nullable=False)
    centre_code = Column(String(64), nullable=False, default="")
    language = Column(String(8), nullable=False, default="")
    # new_user, question (value: topic), assessment_started, assessment_completed,
    # profile (value: dimension:band), handover (value: priority), outcome (value: outcome).
    metric = Column(String(32), nullable=False)
    value = Column(String(64), nullable=False, default="")
    count = Column(Integer, nullable=False, default=0)


class Service(Base):
    """One entry of the service directory (``bot.directory``). Public information, in clear."""

    __tablename__ = "services"

    id = Column(String(64), primary_key=True)
    centre_code = Column(String(64), nullable=False, index=True)
    # The town or region as people write it; region_key is its folded form, for matching.
    region = Column(String(100), nullable=False)
    region_key = Column(String(100), nullable=False, index=True)
    # One of bot.constants.INFO_INTENTS (the assistance types).
    category = Column(String(64), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    address = Column(String(300), nullable=False)
    phone = Column(String(32), nullable=False)
    # JSON: [{"days": ["mon", ...], "open": "09:00", "close": "17:00"}, ...]
    opening_hours = Column(String, nullable=False)
    # ISO 639-1 codes, comma-separated: "fr,wo".
    languages = Column(String(100), nullable=False)
    # French; eligibility_translations is a JSON object {"en": ..., "ar": ..., "es": ...}, and
    # so are the name's and the address's (French is name and address).
    eligibility = Column(String, nullable=False)
    eligibility_translations = Column(String, nullable=False, default="{}")
    name_translations = Column(String, nullable=False, default="{}", server_default="{}")
    address_translations = Column(String, nullable=False, default="{}", server_default="{}")
    updated_at = Column(DateTime, nullable=False, default=datetime.utcnow, onupdate=datetime.utcnow)


class CannedReply(Base):
    """A prepared text a centre's caseworkers insert into a reply (``bot.storage.canned``), in
    one language, with placeholders for the centre's contacts. Centre configuration written by
    supervisors, not personal data: in clear."""

    __tablename__ = "canned_replies"

    id = Column(Integer, primary_key=True, autoincrement=True)
    centre_code = Column(String(64), nullable=False, index=True)
    language = Column(String(8), nullable=False)
    title = Column(String(80), nullable=False)
    body = Column(String(2000), nullable=False)
    updated_at = Column(DateTime, nullable=False, default=datetime.utcnow, onupdate=datetime.utcnow)


class Label(Base):
    """A word a centre's supervisors put on cases to find them later ("housing", "follow-up
    in March"): a name, never a person's detail (``bot.storage.labels``)."""

    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("centre_code", "name", name="uq_label_name"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    centre_code = Column(String(64), nullable=False, index=True)
    name = Column(String(40), nullable=False)


class CaseLabel(Base):
    """A label on a case."""

    __tablename__ = "case_labels"

    case_id = Column(Integer, primary_key=True)
    label_id = Column(Integer, primary_key=True, index=True)
