"""python-telegram-bot handlers: turn Telegram updates into :class:`Conversation` calls.

``build_application(settings, conversation)`` is the one factory used by production (polling or
webhook) and by the end-to-end tests (against a fake Bot API server).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
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
from bot.gateway.conversation import DELETE_MESSAGES_PAYLOAD, Conversation, Turn
from bot.gateway.rasa_client import RasaUnavailable
from bot.gateway.replies import Reply
from bot.gateway.spool import Spool
from bot.i18n import resolve_language, translate
from bot.settings import Settings
from bot.storage.keys import pseudonym

logger = logging.getLogger(__name__)

SEND_ATTEMPTS = 4
# Failures that pass: the update is kept and processed again (see bot.gateway.spool).
RETRIABLE = (SQLAlchemyError, RasaUnavailable)
# How many message ids back the "delete our messages" offer reaches; older ones are past 48 h.
DELETE_SPAN = 1000
RETRY_PAUSE = 0.5  # seconds, doubled at each attempt
# Short titles share a row; longer ones get a row each so that nothing is cut off on a phone.
SHORT_TITLE = 18


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Inline keyboard for a reply; rows read right to left in RTL languages."""
    if not reply.buttons:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    pending: list[InlineKeyboardButton] = []
    for title, payload in reply.buttons:
        button = InlineKeyboardButton(title, callback_data=payload)
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
    return InlineKeyboardMarkup(rows)


async def send_reply(bot: Bot, chat_id: int, reply: Reply) -> None:
    """Send one reply; network errors and Telegram 5xx are retried with a growing pause.

    Telegram's 429 "retry after" and its rate limits are handled by the application's
    ``AIORateLimiter``. No parse_mode: texts stay plain, so nothing typed becomes markup.
    """
    for attempt in range(SEND_ATTEMPTS):
        try:
            await bot.send_message(chat_id, reply.text, reply_markup=keyboard(reply))
            return
        except BadRequest:
            raise
        except NetworkError as error:
            if attempt == SEND_ATTEMPTS - 1:
                raise
            logger.warning("send failed (%s); retrying", type(error).__name__)
            await asyncio.sleep(RETRY_PAUSE * 2**attempt)


class TelegramFront:
    """Handlers bound to one conversation core and one key set."""

    def __init__(
        self, conversation: Conversation, keys: list[bytes], spool: Spool | None = None
    ) -> None:
        self.conversation = conversation
        self._keys = keys
        self._spool = spool

    def turn(self, update: Update) -> Turn:
        user = update.effective_user
        chat = update.effective_chat
        return Turn(pseudonym(self._keys, user.id), user.language_code, chat.id if chat else None)

    async def deliver(self, update: Update, context: ContextTypes.DEFAULT_TYPE, replies) -> None:
        chat_id = update.effective_chat.id
        try:
            for reply in replies:
                await send_reply(context.bot, chat_id, reply)
        except Forbidden:
            logger.info("chat blocked the bot; reply dropped")

    async def seen_before(self, update: Update) -> bool:
        return not await self.conversation.first_sighting(update.update_id)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self.seen_before(update):
            return
        turn = self.turn(update)
        replies = await self.conversation.text(turn, update.effective_message.text)
        await self.deliver(update, context, replies)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer()
        if await self.seen_before(update):
            return
        if query.data == DELETE_MESSAGES_PAYLOAD and query.message is not None:
            await self.delete_recent_messages(update, context, query.message.message_id)
            return
        replies = await self.conversation.button(self.turn(update), query.data or "")
        await self.deliver(update, context, replies)

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
        await send_reply(
            context.bot, chat_id, Reply(translate(language, messages.MESSAGES_DELETED))
        )

    async def on_notice(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, message: str
    ) -> None:
        if await self.seen_before(update):
            return
        replies = await self.conversation.notice(self.turn(update), message)
        await self.deliver(update, context, replies)

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Say why, then leave: in a group, others would read what a person discloses."""
        chat = update.effective_chat
        if await self.seen_before(update):
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
        """Whatever failed, the person is told to try again, in their language if possible."""
        # Only the type at ERROR: an exception's text can quote what a person wrote.
        logger.error("update failed: %s", type(context.error).__name__)
        logger.debug("update failure", exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if self._spool is not None and isinstance(
            context.error, (SQLAlchemyError, RasaUnavailable)
        ):
            # The database or Rasa is down: keep the update and process it when it is back.
            self._spool.put(update.to_dict())
            try:
                await self.conversation.unsee(update.update_id)
            except SQLAlchemyError:
                logger.warning("update not marked as seen: the database is down")
            if update.update_id in self._spool.replaying:
                return
        user = update.effective_user
        language = resolve_language(user.language_code if user else None)
        if user is not None:
            try:
                language = await self.conversation.language_of(self.turn(update))
            except Exception:  # noqa: BLE001 - the database may be what failed
                logger.warning("stored language unavailable; using Telegram's")
        try:
            await context.bot.send_message(
                update.effective_chat.id, translate(language, messages.TECHNICAL_PROBLEM)
            )
        except TelegramError as error:
            logger.error("could not tell the person about the failure: %s", type(error).__name__)


def _notice(front: TelegramFront, message: str):
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await front.on_notice(update, context, message)

    return handler


def build_application(
    settings: Settings, conversation: Conversation, keys: list[bytes], spool: Spool | None = None
) -> Application:
    """The PTB application with every handler; updater only in polling mode."""
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        # Telegram's limits (30 messages/s per bot, about 1/s per chat) and its 429 retries.
        .rate_limiter(AIORateLimiter(max_retries=3))
    )
    if settings.mode == "webhook":
        builder = builder.updater(None)
    application = builder.build()
    front = TelegramFront(conversation, keys, spool)
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
    application.add_handler(
        MessageHandler(
            (filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE) & private,
            _notice(front, messages.VOICE),
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
    return application


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
