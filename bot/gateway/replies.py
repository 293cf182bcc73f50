"""What the gateway sends back, whatever the transport: text, buttons, reading direction."""

from __future__ import annotations

from dataclasses import dataclass

# Telegram's limit for one message's text.
MAX_MESSAGE_LENGTH = 4096


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    rtl: bool = False
    # A message of its own, never joined to another: a red flag's emergency numbers must not
    # read as the preamble of the next question.
    alone: bool = False


def merged(replies: list[Reply]) -> list[Reply]:
    """A turn's replies in as few Telegram messages as reads well.

    A reply without buttons joins the next one: "language changed" and the menu, an answer and
    the offer that follows it arrive as one message, one notification. Each message counts
    against Telegram's 30 messages/s for the bot, so this is also what lets it answer more
    people a second. Buttons stay under the text they belong to, and a reply marked ``alone``
    stays a message of its own.
    """
    out: list[Reply] = []
    for reply in replies:
        previous = out[-1] if out else None
        if (
            previous is not None
            and not previous.buttons
            and not previous.alone
            and not reply.alone
            and previous.rtl == reply.rtl
            and len(previous.text) + 2 + len(reply.text) <= MAX_MESSAGE_LENGTH
        ):
            out[-1] = Reply(f"{previous.text}\n\n{reply.text}", reply.buttons, reply.rtl)
        else:
            out.append(reply)
    return out
