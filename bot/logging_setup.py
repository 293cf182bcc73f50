"""One logging set-up for every process, with no personal data at INFO and above.

Our own code logs pseudonyms and event kinds, never message text. Third-party loggers that put
request URLs (which contain the bot token) or message bodies at INFO are raised to WARNING.

A process that shares its terminal with a person (``python -m bot.cli run``) logs to a file:
migrations, periodic jobs and library warnings would otherwise land in the middle of the chat.
Only the project's own warnings reach the terminal, and only until the chat starts.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

NOISY_LOGGERS = (
    "httpx",
    "httpcore",
    "telegram",
    "sanic.access",
    "apscheduler",
    "uvicorn.access",
)
# Lines that tell an operator nothing: Alembic names the plug-ins it loads at every start.
CHATTY_LOGGERS = ("alembic.runtime.plugins",)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
TERMINAL_HANDLER = "terminal"


def configure_logging(level: str | None = None, log_file: Path | None = None) -> None:
    """Log to standard error, or with ``log_file`` to that file (Python warnings too), with a
    line on the terminal for each of the project's own warnings (e.g. "a data key was
    generated: back it up") until ``leave_terminal``."""
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers = [logging.FileHandler(log_file, encoding="utf-8"), _terminal_handler()]
        logging.captureWarnings(True)
    logging.basicConfig(
        level=(level or os.environ.get("LOG_LEVEL", "INFO")).upper(),
        format=LOG_FORMAT,
        handlers=handlers,
        # Only the launcher replaces handlers set before it (the first call's, on stderr);
        # elsewhere the first set-up stays, as pytest's log capture expects.
        force=log_file is not None,
    )
    for name in (*NOISY_LOGGERS, *CHATTY_LOGGERS):
        logging.getLogger(name).setLevel(logging.WARNING)


def _terminal_handler() -> logging.Handler:
    """The project's own warnings, a short line each, on standard error."""
    handler = logging.StreamHandler(sys.stderr)
    handler.name = TERMINAL_HANDLER
    handler.setLevel(logging.WARNING)
    handler.addFilter(logging.Filter("bot"))
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    return handler


def leave_terminal() -> None:
    """From now on the terminal is the chat's: log records go to the log file only."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.name == TERMINAL_HANDLER]:
        root.removeHandler(handler)
