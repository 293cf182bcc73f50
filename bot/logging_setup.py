"""One logging set-up for every process, with no personal data at INFO and above.

Our own code logs pseudonyms and event kinds, never message text. Third-party loggers that put
request URLs (which contain the bot token) or message bodies at INFO are raised to WARNING.
"""

from __future__ import annotations

import logging
import os

NOISY_LOGGERS = (
    "httpx",
    "httpcore",
    "telegram",
    "sanic.access",
    "apscheduler",
    "uvicorn.access",
)


def configure_logging(level: str | None = None) -> None:
    logging.basicConfig(
        level=(level or os.environ.get("LOG_LEVEL", "INFO")).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
