"""python-telegram-bot handlers: turn Telegram updates into :class:`Conversation` calls.

``build_application(settings, conversation, keys)`` is the one factory used by production and
by the tests (against a fake Bot API server). Updates reach the handlers from the inbox
(``TelegramFront.handle``), never straight from Telegram, and the handlers' replies are
collected for the outbox instead of being sent: see ``bot.gateway.inbox``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import (
    Bot,
    BotCommand,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.constants import LANGUAGES
from bot.gateway import messages
from bot.gateway.attachments import FileUnavailable
from bot.gateway.bot_api_transport import AiohttpRequest, call
from bot.gateway.conversation import DELETE_MESSAGES_PAYLOAD, Conversation, Turn
from bot.gateway.inbox import Outgoing
from bot.gateway.rasa_client import RasaUnavailable
from bot.gateway.replies import Reply, checked, merged
from bot.gateway.telegram_files import sent_file
from bot.i18n import resolve_language, translate
from bot.settings import Settings
from bot.storage.keys import pseudonym

logger = logging.getLogger(__name__)

# Failures that pass: the update stays in the inbox and is handled again.
RETRIABLE = (SQLAlchemyError, RasaUnavailable, FileUnavailable)
# A file Telegram cannot give is tried for about a minute (bot.gateway.inbox.pause_after); the
# chat's later messages wait behind it meanwhile, so after that it is recorded as not retrieved.
DOWNLOAD_ATTEMPTS = 8
# How many message ids back the "delete our messages" offer reaches; older ones are past 48 h.
DELETE_SPAN = 1000
# Short titles share a row; longer ones get a row each so that nothing is cut off on a phone.
SHORT_TITLE = 18


def keyboard(reply: Reply) -> dict[str, Any] | None:
    """Inline keyboard for a reply, as the Bot API's JSON; rows read right to left in RTL
    languages."""
    if not reply.buttons:
        return None
    rows: list[list[dict[str, str]]] = []
    pending: list[dict[str, str]] = []
    for title, payload in reply.buttons:
        button = {"text": title, "callback_data": payload}
        if len(title) > SHORT_TITLE:
            if pending:
                rows.append(pending)
                pending = []
            rows.append([button])
            continue
        pending.append(button)
        if len(pending) == 2:
            rows.append(pending)
            pending = []
    if pending:
        rows.append(pending)
    if reply.rtl:
        rows = [list(reversed(row)) for row in rows]
    return {"inline_keyboard": rows}


async def send_reply(bot: Bot, chat_id: int, reply: Reply) -> None:
    """Send one reply, once: retries and Telegram's limits are the sender's business.

    No parse_mode: texts stay plain, so nothing typed becomes markup.
    """
    values: dict[str, Any] = {"chat_id": chat_id, "text": reply.text}
    markup = keyboard(reply)
    if markup is not None:
        values["reply_markup"] = markup
    await call(bot, "sendMessage", values)


class ForgedUpdate(ValueError):
    """An update carrying ids of other types than Telegram's: nothing can be answered to it."""


def check_ids(update: Update) -> None:
    """Raise ``ForgedUpdate`` when an id the gateway sends back to Telegram (a chat's, a button
    press's, the pressed message's) is not of the type Telegram's own updates carry it in: a
    chat id of 5.0 or "5" only comes forged, and no call made with it keeps to the Bot API's
    specification."""
    chat, query = update.effective_chat, update.callback_query
    if chat is not None and type(chat.id) is not int:
        raise ForgedUpdate("the chat id is not an integer")
    if query is not None and type(query.id) is not str:
        raise ForgedUpdate("the callback query id is not a string")
    if (
        query is not None
        and query.message is not None
        and type(query.message.message_id) is not int
    ):
        raise ForgedUpdate("the pressed message's id is not an integer")


@dataclass
class Handled:
    """What handling one update produced: replies to queue, or the failure to retry."""

    replies: list[Outgoing] = field(default_factory=list)
    error: BaseException | None = None
    # How many times the inbox has given this update to a worker, this one included.
    attempt: int = 1

    @property
    def retriable(self) -> bool:
        return isinstance(self.error, RETRIABLE)


class TelegramFront:
    """Handlers bound to one conversation core and one key set."""

    def __init__(
        self,
        conversation: Conversation,
        keys: list[bytes],
        caseworker_chat_id: int | None = None,
        attachment_max_bytes: int = 10 * 1024 * 1024,
    ) -> None:
        self.conversation = conversation
        self._keys = keys
        self._attachment_max_bytes = attachment_max_bytes
        # The caseworkers' alert group: the one group the bot stays in (it reads nothing there).
        self._caseworker_chat_id = caseworker_chat_id
        self._handling: dict[int, Handled] = {}

    async def handle(
        self, application: Application, data: dict[str, Any], attempt: int = 1
    ) -> Handled:
        """Run one stored update (given to a worker for the ``attempt``-th time) through the
        handlers and collect what it produced; an update PTB cannot read, or a forged one
        (``check_ids``), raises."""
        update = Update.de_json(data, application.bot)
        check_ids(update)
        handled = self._handling[update.update_id] = Handled(attempt=attempt)
        try:
            await application.process_update(update)
        finally:
            del self._handling[update.update_id]
        return handled

    def turn(self, update: Update) -> Turn:
        user = update.effective_user
        chat = update.effective_chat
        # A private chat's id is the person's: it stands in when an update has no sender.
        return Turn(
            pseudonym(self._keys, user.id if user else chat.id),
            user.language_code if user else None,
            chat.id if chat else None,
            update_id=update.update_id,
        )

    def deliver(self, update: Update, replies: list[Reply]) -> None:
        """Queue replies to the update's chat (they reach the outbox with the update), as the
        messages Telegram takes: a handler whose reply breaks a limit fails here, and the
        person gets the kind "try again" instead of a message Telegram would refuse."""
        chat_id = update.effective_chat.id
        key = pseudonym(self._keys, chat_id)
        sendable = [checked(reply) for reply in merged(replies)]
        self._handling[update.update_id].replies.extend(
            Outgoing(key, chat_id, reply) for reply in sendable
        )

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        turn = self.turn(update)
        replies = await self.conversation.text(turn, update.effective_message.text)
        self.deliver(update, replies)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        # Telegram's spinner stops while the turn is worked out, not before: the two calls
        # overlap instead of adding up on the person's wait.
        acknowledged = asyncio.create_task(_acknowledge(update))
        try:
            if update.effective_chat is None:
                # A button on an inline message, not in a chat with us: nowhere to answer.
                return
            if query.data == DELETE_MESSAGES_PAYLOAD and query.message is not None:
                await self.delete_recent_messages(update, context, query.message.message_id)
                return
            replies = await self.conversation.button(self.turn(update), query.data or "")
            self.deliver(update, replies)
        finally:
            await acknowledged

    async def delete_recent_messages(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, newest: int
    ) -> None:
        """Delete the chat's messages, both sides, as far back as Telegram allows (48 hours).

        Message ids in a private chat are consecutive, so no id needs storing: Telegram skips
        the ones it cannot delete.
        """
        chat_id = update.effective_chat.id
        for first in range(max(1, newest - DELETE_SPAN + 1), newest + 1, 100):
            ids = list(range(first, min(first + 100, newest + 1)))
            try:
                await context.bot.delete_messages(chat_id, ids)
            except TelegramError as error:
                logger.warning("could not delete messages: %s", type(error).__name__)
                break
        language = resolve_language(update.effective_user.language_code)
        self.deliver(update, [Reply(translate(language, messages.MESSAGES_DELETED))])

    async def on_notice(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, message: str
    ) -> None:
        # The words that came along (a caption, an edited or forwarded text) are not answered,
        # but a crisis in them is.
        sent = update.effective_message
        words = (sent.text or sent.caption) if sent else None
        replies = await self.conversation.notice(self.turn(update), message, words)
        self.deliver(update, replies)

    async def on_attachment(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, message: str
    ) -> None:
        """A file: into an open case's thread, else the kind ``message``."""
        sent = update.effective_message
        file = sent_file(context.bot, sent, self._attachment_max_bytes)
        if file is None:
            await self.on_notice(update, context, message)
            return
        final = self._handling[update.update_id].attempt >= DOWNLOAD_ATTEMPTS
        replies = await self.conversation.attachment(
            self.turn(update), file, sent.caption, message, final
        )
        self.deliver(update, replies)

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Say why, then leave: in a group, others would read what a person discloses. The
        caseworkers' alert group excepted: there the bot says nothing and stays.

        Sent at once rather than through the outbox: the message must go before the bot leaves.
        """
        chat = update.effective_chat
        if chat.id == self._caseworker_chat_id:
            return
        # The Telegram language only: nothing is stored about people met in a group.
        user = update.effective_user
        language = resolve_language(user.language_code if user else None)
        try:
            await context.bot.send_message(chat.id, translate(language, messages.GROUP_CHAT))
            await context.bot.leave_chat(chat.id)
        except TelegramError as error:
            logger.warning("could not leave group chat: %s", type(error).__name__)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Outages are retried from the inbox; anything else gets a kind "try again"."""
        # Only the type at ERROR: an exception's text can quote what a person wrote.
        logger.error("update failed: %s", type(context.error).__name__)
        logger.debug("update failure", exc_info=context.error)
        if not isinstance(update, Update) or update.update_id not in self._handling:
            return
        handled = self._handling[update.update_id]
        handled.error = context.error
        if handled.retriable or update.effective_chat is None:
            return
        handled.replies.clear()
        user = update.effective_user
        language = resolve_language(user.language_code if user else None)
        if user is not None:
            try:
                language = await self.conversation.language_of(self.turn(update))
            except Exception:  # noqa: BLE001 - the database may be what failed
                logger.warning("stored language unavailable; using Telegram's")
        self.deliver(update, [Reply(translate(language, messages.TECHNICAL_PROBLEM))])


async def _acknowledge(update: Update) -> None:
    """Answer a button press (Telegram shows a spinner until then)."""
    query = update.callback_query
    try:
        await call(update.get_bot(), "answerCallbackQuery", {"callback_query_id": query.id})
    except TelegramError as error:
        # A button pressed long ago (or an update handled again) can no longer be answered.
        logger.info("button not acknowledged: %s", type(error).__name__)


def _notice(front: TelegramFront, message: str):
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await front.on_notice(update, context, message)

    return handler


def _attachment(front: TelegramFront, message: str):
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await front.on_attachment(update, context, message)

    return handler


def build_application(
    settings: Settings, conversation: Conversation, keys: list[bytes]
) -> tuple[Application, TelegramFront]:
    """The PTB application with every handler, and the front that feeds it from the inbox.

    No updater: the gateway fetches updates itself so that it confirms them to Telegram only
    once they are stored (``bot.gateway.polling``).
    """
    application = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connections=1))
        .updater(None)
        .build()
    )
    front = TelegramFront(
        conversation, keys, settings.caseworker_chat_id, settings.attachment_max_bytes
    )
    private = filters.ChatType.PRIVATE

    groups = filters.ChatType.GROUPS | filters.ChatType.CHANNEL
    application.add_handler(MessageHandler(groups, front.on_group), group=0)
    application.add_handler(
        ChatMemberHandler(_leave_when_added_to_group(front), ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & private, _notice(front, messages.EDITED))
    )
    application.add_handler(
        MessageHandler(filters.FORWARDED & private, _notice(front, messages.FORWARDED))
    )
    application.add_handler(MessageHandler(filters.TEXT & private, front.on_text))
    # Files go to an open case's thread; outside one, the kind answer for what they are.
    application.add_handler(
        MessageHandler(
            (filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE) & private,
            _attachment(front, messages.VOICE),
        )
    )
    application.add_handler(
        MessageHandler(
            (filters.PHOTO | filters.Document.ALL | filters.VIDEO) & private,
            _attachment(front, messages.NON_TEXT),
        )
    )
    application.add_handler(
        MessageHandler(
            (filters.LOCATION | filters.VENUE) & private,
            _notice(front, messages.LOCATION),
        )
    )
    application.add_handler(CallbackQueryHandler(front.on_button))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & private, _notice(front, messages.NON_TEXT))
    )
    application.add_error_handler(front.on_error)
    return application, front


def _leave_when_added_to_group(front: TelegramFront):
    """Leave a group the bot was added to, even before anyone writes in it."""

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        member = update.my_chat_member
        if member is None or member.chat.type == ChatType.PRIVATE:
            return
        if member.new_chat_member.status in ("member", "administrator"):
            await front.on_group(update, context)

    return handler


async def register_commands(application: Application) -> None:
    """The command menu, described in each supported language (French by default)."""
    try:
        for language in (None, *LANGUAGES):
            commands = [
                BotCommand(name, translate(language or "fr", description))
                for name, description in messages.COMMAND_DESCRIPTIONS.items()
            ]
            await application.bot.set_my_commands(commands, language_code=language)
    except TelegramError as error:
        logger.warning("could not register commands: %s", type(error).__name__)
