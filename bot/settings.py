"""Settings from the environment, read once at start-up.

Every variable is optional so that the embedded default (SQLite, terminal chat) runs with none.
A bad value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.constants import LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# libyaml's safe loader where PyYAML was built with it: the crisis phrase lists alone took a
# second to read with the pure-Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# setWebhook's secret_token: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are
# allowed". str.isalnum() would also take "é" or "٣", which Telegram refuses.
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(Exception):
    """A configuration problem the operator must fix; the message names file/variable and field."""


def field_error(source: Path | str, field: str, problem: str) -> ConfigError:
    """The error for one field of a configuration file: "<file>: <field>: <problem>"."""
    return ConfigError(f"{source}: {field}: {problem}")


def content_hash(files: Iterable[Path], root: Path = PROJECT_ROOT) -> str:
    """SHA-256 of the files' paths (relative to ``root``) and contents, in the order given: what
    was built from them (a model, a detector) is rebuilt only when one of them changes."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(str(file.relative_to(root)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def read_yaml(path: Path) -> Any:
    """A configuration file's content; a missing file or bad YAML is a ``ConfigError``."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except FileNotFoundError as error:
        raise ConfigError(f"{path}: file not found") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML: {error}") from error


# The largest file the Bot API's getFile lets a bot download.
TELEGRAM_DOWNLOAD_MB = 20


@dataclass(frozen=True)
class Settings:
    telegram_token: str | None
    telegram_bot_username: str | None
    telegram_api_base_url: str
    webhook_url: str | None
    webhook_secret: str | None
    database_url: str
    redis_url: str | None
    data_key: str | None
    default_locale: str
    var_dir: Path
    centres_file: Path
    services_file: Path
    rasa_url: str
    # Every Rasa replica; a person sticks to one while it answers (``bot.gateway.rasa_client``).
    rasa_urls: tuple[str, ...]
    action_server_port: int
    gateway_host: str
    gateway_port: int
    caseworker_chat_id: int | None
    # How long a case of each priority may wait unclaimed before the caseworkers are alerted;
    # a centre may set its own in data/centres.yml (alert_minutes).
    urgent_alert_minutes: int
    high_alert_minutes: int
    unclaimed_alert_minutes: int
    inactive_case_hours: int
    console_secure_cookies: bool
    retention_days: int
    closed_case_days: int
    audit_retention_days: int
    # Names this gateway's leases in the inbox and outbox: stable across its restarts.
    replica_id: str
    # Gateway replicas sharing the bot: without Redis, each keeps to its share of the limits.
    gateway_replicas: int
    # Telegram's limits, messages per second: for the bot, and for one chat.
    send_rate: float
    chat_send_rate: float
    # The largest file a person may send into a case's thread; bigger ones are not kept.
    attachment_max_bytes: int

    @property
    def mode(self) -> str:
        """``console`` without a token, ``webhook`` with a webhook URL, else ``polling``."""
        if not self.telegram_token:
            return "console"
        return "webhook" if self.webhook_url else "polling"


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name}={raw!r} is not a TCP port number")
    return int(raw)


def _integer(
    env: Mapping[str, str], name: str, default: int | None, signed: bool = False
) -> int | None:
    raw = env.get(name)
    if not raw:
        return default
    digits = raw[1:] if signed and raw.startswith("-") else raw
    if not digits.isdigit():
        raise ConfigError(f"{name}={raw!r} is not a whole number")
    return int(raw)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    var_dir = Path(env.get("BOT_VAR_DIR", PROJECT_ROOT / "var"))
    locale = env.get("DEFAULT_LOCALE", "fr")
    if locale not in LANGUAGES:
        raise ConfigError(
            f"DEFAULT_LOCALE={locale!r} is not a supported language ({', '.join(LANGUAGES)})"
        )
    webhook_url = env.get("TELEGRAM_WEBHOOK_URL") or None
    webhook_secret = env.get("TELEGRAM_WEBHOOK_SECRET") or None
    if webhook_url and not webhook_secret:
        raise ConfigError("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is missing")
    if webhook_secret is not None and not WEBHOOK_SECRET.fullmatch(webhook_secret):
        # The secret itself stays out of the message: it ends up in logs.
        raise ConfigError(
            f"TELEGRAM_WEBHOOK_SECRET has {len(webhook_secret)} characters; Telegram takes "
            "1-256 characters, each one of A-Z, a-z, 0-9, _ and -"
        )
    rasa_port = _port(env, "RASA_PORT", 5005)
    rasa_url = env.get("RASA_URL", f"http://127.0.0.1:{rasa_port}")
    rasa_urls = tuple(u.strip() for u in env.get("RASA_URLS", rasa_url).split(",") if u.strip())
    gateway_port = _port(env, "GATEWAY_PORT", 8080)
    return Settings(
        telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
        telegram_bot_username=env.get("TELEGRAM_BOT_USERNAME") or None,
        telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot"),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        database_url=env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'bot.db'}",
        redis_url=env.get("REDIS_URL") or None,
        data_key=env.get("BOT_DATA_KEY") or None,
        default_locale=locale,
        var_dir=var_dir,
        centres_file=Path(env.get("CENTRES_FILE", PROJECT_ROOT / "data" / "centres.yml")),
        services_file=Path(env.get("SERVICES_FILE", PROJECT_ROOT / "data" / "services.yml")),
        rasa_url=rasa_url,
        rasa_urls=rasa_urls,
        action_server_port=_port(env, "ACTION_SERVER_PORT", 5055),
        gateway_host=env.get("GATEWAY_HOST", "127.0.0.1"),
        gateway_port=gateway_port,
        caseworker_chat_id=_integer(env, "CASEWORKER_CHAT_ID", None, signed=True),
        urgent_alert_minutes=_integer(env, "URGENT_ALERT_MINUTES", 5),
        high_alert_minutes=_integer(env, "HIGH_ALERT_MINUTES", 10),
        unclaimed_alert_minutes=_integer(env, "UNCLAIMED_ALERT_MINUTES", 15),
        inactive_case_hours=_integer(env, "INACTIVE_CASE_HOURS", 24),
        # Off only for a console served over plain http on a developer's machine.
        console_secure_cookies=env.get("CONSOLE_SECURE_COOKIES", "1") != "0",
        retention_days=_integer(env, "RETENTION_DAYS", 30),
        closed_case_days=_integer(env, "CLOSED_CASE_DAYS", 365),
        audit_retention_days=_integer(env, "AUDIT_RETENTION_DAYS", 365),
        replica_id=env.get("REPLICA_ID") or f"{socket.gethostname()}:{gateway_port}",
        gateway_replicas=max(1, _integer(env, "GATEWAY_REPLICAS", 1)),
        send_rate=_rate(env, "TELEGRAM_SEND_RATE", 30.0),
        chat_send_rate=_rate(env, "TELEGRAM_CHAT_SEND_RATE", 1.0),
        attachment_max_bytes=_attachment_cap(env),
    )


def _attachment_cap(env: Mapping[str, str]) -> int:
    """``ATTACHMENT_MAX_MB`` in bytes: 1 to 20 MB, since bots cannot download bigger files."""
    megabytes = _integer(env, "ATTACHMENT_MAX_MB", 10)
    if not 1 <= megabytes <= TELEGRAM_DOWNLOAD_MB:
        raise ConfigError(
            f"ATTACHMENT_MAX_MB={megabytes} is not between 1 and {TELEGRAM_DOWNLOAD_MB} (Telegram "
            "lets bots download files up to 20 MB)"
        )
    return megabytes * 1024 * 1024


def _rate(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        rate = float(raw)
    except ValueError:
        rate = 0.0
    if not rate > 0:
        raise ConfigError(f"{name}={raw!r} is not a positive number of messages per second")
    return rate
