"""The data key: pseudonyms and encryption at rest both derive from it.

``BOT_DATA_KEY`` is a Fernet key (or several, comma-separated, newest first, during a rotation).
On a first run without one, a key is generated into ``var/`` with mode 0600, and a warning says
so: losing that file makes stored data unreadable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, MultiFernet

from bot.settings import ConfigError, Settings

logger = logging.getLogger(__name__)
KEY_FILE_NAME = "data.key"


def data_keys(settings: Settings) -> list[bytes]:
    """The configured keys, newest first; generates one into ``var/`` when none is set."""
    raw = settings.data_key
    if raw is None:
        path = settings.var_dir / KEY_FILE_NAME
        if not path.exists():
            _generate_key_file(path)
        raw = path.read_text().strip()
    keys = [k.strip().encode() for k in raw.split(",") if k.strip()]
    for key in keys:
        try:
            Fernet(key)
        except ValueError as error:
            raise ConfigError(
                "BOT_DATA_KEY is not a valid Fernet key (32 url-safe base64 bytes)"
            ) from error
    return keys


def add_key(settings: Settings) -> list[bytes]:
    """Put a new key in front of the current ones; written to ``var/`` when the keys live there.

    Returns the new key list. With ``BOT_DATA_KEY`` set, the operator must set it to the
    printed value before the next start.
    """
    keys = [Fernet.generate_key(), *data_keys(settings)]
    if settings.data_key is None:
        path = settings.var_dir / KEY_FILE_NAME
        temporary = path.with_suffix(".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(",".join(k.decode() for k in keys))
        os.replace(temporary, path)
    return keys


def _generate_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(Fernet.generate_key().decode())
    logger.warning(
        "BOT_DATA_KEY is not set: generated a new data key in %s. Back it up; without it the "
        "stored data cannot be read.",
        path,
    )


def cipher(keys: list[bytes]) -> MultiFernet:
    """Encrypts with the newest key, decrypts with any of them."""
    return MultiFernet([Fernet(k) for k in keys])


def pseudonym(keys: list[bytes], telegram_user_id: int) -> str:
    """Keyed hash of a Telegram user id: the only person id in our tables and in Rasa.

    It uses the oldest key so that a key rotation does not change anyone's pseudonym.
    """
    secret = hmac.new(keys[-1], b"pseudonym", hashlib.sha256).digest()
    return hmac.new(secret, str(telegram_user_id).encode(), hashlib.sha256).hexdigest()[:32]


def seal(box: MultiFernet, data: Any) -> bytes:
    """Encrypt a JSON-serialisable value for storage."""
    return box.encrypt(json.dumps(data, ensure_ascii=False).encode())


def unseal(box: MultiFernet, token: bytes) -> Any:
    return json.loads(box.decrypt(token))
