"""What the gateway sends back, whatever the transport: text, buttons, reading direction."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n.bidi import directed
from bot.telegram_limits import MAX_MESSAGE_LENGTH, check_message, length, split_text


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    rtl: bool = False
    # A message of its own, never joined to another: a red flag's emergency numbers must not
    # read as the preamble of the next question.
    alone: bool = False


def _parts(reply: Reply) -> list[Reply]:
    """A reply as the messages its text takes, its buttons under the last one.

    This is where every reply of a turn is laid out for its reading direction, once for all the
    texts that make it: in right-to-left text, numbers, commands, URLs and Latin names are
    isolated (``bot.i18n.bidi``), and so are button titles; button data never is.
    """
    *first, last = split_text(directed(reply.text, reply.rtl))
    buttons = tuple((directed(title, reply.rtl), data) for title, data in reply.buttons)
    return [Reply(text, (), reply.rtl, reply.alone) for text in first] + [
        Reply(last, buttons, reply.rtl, reply.alone)
    ]


def merged(replies: list[Reply]) -> list[Reply]:
    """A turn's replies in as few Telegram messages as read well, none longer than Telegram
    takes.

    A reply without buttons joins the next one: "language changed" and the menu, an answer and
    the offer that follows it arrive as one message, one notification. Each message counts
    against Telegram's 30 messages/s for the bot, so this is also what lets it answer more
    people a second. Buttons stay under the text they belong to, and a reply marked ``alone``
    stays a message of its own. A reply too long for one message (a list of services with
    long notes) goes as several, cut between paragraphs or lines, its buttons on the last.
    """
    out: list[Reply] = []
    for part in (part for reply in replies for part in _parts(reply)):
        previous = out[-1] if out else None
        if (
            previous is not None
            and not previous.buttons
            and not previous.alone
            and not part.alone
            and previous.rtl == part.rtl
            and length(previous.text) + 2 + length(part.text) <= MAX_MESSAGE_LENGTH
        ):
            out[-1] = Reply(f"{previous.text}\n\n{part.text}", part.buttons, part.rtl)
        else:
            out.append(part)
    return out


def checked(reply: Reply) -> Reply:
    """The reply, once sure Telegram takes it; ``UnsendableMessage`` says which limit it breaks
    (a button carrying free text, say) before it is queued, never after."""
    check_message(reply.text, reply.buttons)
    return reply
