"""The terminal chat: numbered buttons, and a terminal that shows the conversation only, while
the launcher's jobs log (a retention line, a job's warning, a library's deprecation) beside it."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.gateway.replies import Reply
from bot.gateway.terminal import chat
from bot.logging_setup import configure_logging, leave_terminal

PERSON = "terminal-person"


class ChattyConversation:
    """Answers like the core would, and logs on each turn like the launcher's jobs do."""

    async def text(self, _turn: object, text: str) -> list[Reply]:
        self.log()
        return [Reply(f"vous avez écrit : {text}", (("Oui", "/affirm"), ("Non", "/deny")))]

    async def button(self, _turn: object, payload: str) -> list[Reply]:
        self.log()
        return [Reply(f"bouton {payload}")]

    @staticmethod
    def log() -> None:
        logging.getLogger("bot.gateway.service").info("retention: removed {'people': 0}")
        logging.getLogger("bot.gateway.jobs").warning("job idle_claims failed; next try in 60 s")
        logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
        warnings.warn("Deprecated API features detected", DeprecationWarning, stacklevel=1)


class EmptyOutbox:
    def claim(self, _chats: int, _person: str) -> list:
        return []

    def sent(self, *_ids: int) -> None:
        raise AssertionError("nothing was claimed")


def reader(*lines: str) -> Callable[[str], str]:
    """``input`` for a person who types ``lines`` and then closes the terminal."""
    typed = iter(lines)

    def read_line(_prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    return read_line


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")


def test_the_terminal_shows_only_the_conversation(
    french: None, launcher_logging: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As `python -m bot.cli run` does: logging to the file, then the terminal to the chat.
    configure_logging(log_file=launcher_logging)
    leave_terminal()
    read_line = reader("bonjour", "2", "", "9")

    asyncio.run(chat(ChattyConversation(), EmptyOutbox(), PERSON, read_line))

    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "Discussion dans le terminal. Écrivez un message et appuyez sur Entrée ; tapez le "
        "numéro d'un bouton pour le choisir ; Ctrl-C pour quitter.",
        "",
        "vous avez écrit : /start",
        "  [1] Oui",
        "  [2] Non",
        "",
        "vous avez écrit : bonjour",
        "  [1] Oui",
        "  [2] Non",
        "",
        "bouton /deny",
        "",
        # A number with no button behind it is a message like any other.
        "vous avez écrit : 9",
        "  [1] Oui",
        "  [2] Non",
        "",
    ]
    logged = launcher_logging.read_text()
    for record in ("retention: removed", "job idle_claims failed", "SQLiteImpl", "Deprecated"):
        assert record in logged
