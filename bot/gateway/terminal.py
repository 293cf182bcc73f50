"""A terminal front for the assistant, used when no Telegram token is configured.

Replies are printed with numbered buttons; typing a number presses that button. It goes through
the same gateway core, Rasa model, actions and NLG as Telegram does.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence

from bot.gateway import messages
from bot.gateway.conversation import Conversation, Turn
from bot.gateway.outbox import Outbox
from bot.gateway.rasa_client import RasaUnavailable
from bot.gateway.replies import Reply
from bot.i18n import N_, resolve_language, translate

OUTBOX_INTERVAL = 2.0
# A fixed id: the terminal user is one person, kept across runs like a Telegram user would be.
CONSOLE_USER_ID = 0
INTRO = N_(
    "Discussion dans le terminal. Écrivez un message et appuyez sur Entrée ; tapez le numéro "
    "d'un bouton pour le choisir ; Ctrl-C pour quitter."
)


def format_replies(replies: Sequence[Reply]) -> tuple[str, list[str]]:
    """Printable text of some replies, and the payloads their numbered buttons stand for."""
    lines: list[str] = []
    payloads: list[str] = []
    for reply in replies:
        lines.append(reply.text)
        for title, payload in reply.buttons:
            payloads.append(payload)
            lines.append(f"  [{len(payloads)}] {title}")
        lines.append("")
    return "\n".join(lines), payloads


async def chat(
    conversation: Conversation,
    outbox: Outbox,
    person: str,
    read_line: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> None:
    """Chat as ``person`` until end of input; a caseworker's messages (outbox) show up as they
    arrive."""
    turn_language = resolve_language(os.environ.get("LANG"))
    payloads: list[str] = []

    def turn() -> Turn:
        return Turn(person, turn_language)

    def show(replies: Sequence[Reply]) -> None:
        text, new_payloads = format_replies(replies)
        payloads[:] = new_payloads
        write(text)

    async def watch_outbox() -> None:
        while True:
            for batch in await asyncio.to_thread(outbox.claim, 1, person):
                show([item.reply for item in batch])
                for item in batch:
                    await asyncio.to_thread(outbox.sent, item.id)
            await asyncio.sleep(OUTBOX_INTERVAL)

    write(translate(turn_language, INTRO) + "\n")
    show(await conversation.text(turn(), "/start"))
    watcher = asyncio.create_task(watch_outbox())
    try:
        while True:
            try:
                line = (await asyncio.to_thread(read_line, "> ")).strip()
            except EOFError:
                return
            if not line:
                continue
            try:
                if line.isdigit() and 0 < int(line) <= len(payloads):
                    show(await conversation.button(turn(), payloads[int(line) - 1]))
                else:
                    show(await conversation.text(turn(), line))
            except RasaUnavailable:
                show(await conversation.notice(turn(), messages.TECHNICAL_PROBLEM))
    finally:
        watcher.cancel()
