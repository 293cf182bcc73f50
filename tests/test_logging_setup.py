"""Where log records go: the launcher's terminal gets only the project's own warnings, and
nothing once the chat has it; everything else, Python warnings included, goes to the file."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest

from bot.logging_setup import configure_logging, leave_terminal


def test_the_launcher_shows_its_own_warnings_and_files_the_rest(
    launcher_logging: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(log_file=launcher_logging)
    logging.getLogger("alembic.runtime.migration").info("Running upgrade 0001 -> 0002")
    logging.getLogger("bot.storage.keys").warning("BOT_DATA_KEY is not set: back it up")
    warnings.warn("Deprecated API features detected", DeprecationWarning, stacklevel=1)

    out, err = capsys.readouterr()
    assert out == ""
    assert err == "WARNING: BOT_DATA_KEY is not set: back it up\n"
    logged = launcher_logging.read_text()
    for record in ("Running upgrade 0001 -> 0002", "back it up", "Deprecated API features"):
        assert record in logged


def test_once_the_chat_starts_nothing_is_logged_to_the_terminal(
    launcher_logging: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(log_file=launcher_logging)
    leave_terminal()
    logging.getLogger("bot.gateway.jobs").error("job retention failed")
    logging.getLogger("uvicorn.error").error("address already in use")

    assert capsys.readouterr() == ("", "")
    assert "job retention failed" in launcher_logging.read_text()
    assert "address already in use" in launcher_logging.read_text()
