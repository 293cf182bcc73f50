"""What the assistant does with one thing a person sends, whatever the transport.

Telegram handlers and the terminal chat both call :class:`Conversation`; it returns
:class:`Reply` objects and leaves delivery to the caller, so both fronts behave identically.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.centres import CENTRE_CODE, CentreDirectory
from bot.constants import (
    ASSESSMENT_CALLBACK_PREFIX,
    CENTRE_CALLBACK_PREFIX,
    COMMAND_INTENTS,
    CRISIS_CALLBACK_PREFIX,
    CUSTOM_CRISIS,
    CUSTOM_MY_DATA,
    CUSTOM_NOT_UNDERSTOOD,
    CUSTOM_OFFER_ASSESSMENT,
    CUSTOM_OFFER_HANDOVER,
    CUSTOM_SET_LANGUAGE,
    CUSTOM_STOP,
    CUSTOM_TOPIC,
    EMERGENCY_MIN_CONFIDENCE,
    HANDOVER_CALLBACK_PREFIX,
    LANGUAGE_CALLBACK_PREFIX,
    LANGUAGES,
    MENU_PAYLOAD,
    META_CENTRE,
    META_LANGUAGE,
    RATING_CALLBACK_PREFIX,
    SERVICES_CALLBACK_PREFIX,
    WITHDRAW_CALLBACK_PREFIX,
    intent_payload,
    language_payload,
)
from bot.gateway import messages, metrics
from bot.gateway.assessment import PAUSED, REASK, AssessmentFlow, Who
from bot.gateway.attachments import AttachmentFlow, SentFile
from bot.gateway.crisis import CrisisHelp
from bot.gateway.handover import HandoverFlow
from bot.gateway.nearby import NearbyServices
from bot.gateway.rasa_client import RasaClient
from bot.gateway.replies import Reply
from bot.gateway.store import PeopleStore, Profile
from bot.i18n import is_rtl, resolve_language, translate
from bot.i18n.detect import clear_language
from bot.nlg.render import Renderer
from bot.storage import statistics
from bot.telegram_limits import MAX_MESSAGE_LENGTH

logger = logging.getLogger(__name__)

FORGET_CONFIRM = "forget:confirm"
EMERGENCY = "emergency"
# Handled by the Telegram front: only it can delete messages in the chat.
DELETE_MESSAGES_PAYLOAD = "forget:messages"


@dataclass
class RasaTurn:
    """Rasa's replies to one message, and the directives its actions sent along."""

    replies: list[Reply]
    directives: dict[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    """Everything the gateway knows about the sender of one update."""

    pseudonym: str
    telegram_language: str | None = None
    chat_id: int | None = None
    profile: Profile | None = field(default=None)
    # The Telegram update being handled, so that handling it again changes nothing twice.
    update_id: int | None = None


class Conversation:
    def __init__(
        self,
        rasa: RasaClient,
        people: PeopleStore,
        renderer: Renderer,
        centres: CentreDirectory,
        assessment: AssessmentFlow,
        handover: HandoverFlow,
        nearby: NearbyServices,
        crisis: CrisisHelp,
        default_language: str = "fr",
        attachments: AttachmentFlow | None = None,
    ) -> None:
        self._rasa = rasa
        self._people = people
        self._renderer = renderer
        self._centres = centres
        self._assessment = assessment
        self._handover = handover
        self._nearby = nearby
        self._crisis = crisis
        self._default_language = default_language
        # Without it (the terminal chat sends no files), files get the kind notice.
        self._attachments = attachments

    async def _profile(self, turn: Turn, centre: str | None = None) -> Profile:
        if turn.profile is None:
            known = self._centres.get(centre)
            fallback = known.default_language if known else self._default_language
            turn.profile = await self._people.profile(
                turn.pseudonym,
                resolve_language(turn.telegram_language, fallback),
                turn.chat_id,
                known.code if known else None,
            )
        return turn.profile

    async def language_of(self, turn: Turn) -> str:
        return (await self._profile(turn)).language

    async def notice(self, turn: Turn, message: str, words: str | None = None) -> list[Reply]:
        """A fixed gateway message (sticker, edit, too long...) in the person's language.

        ``words`` is what came with it (a caption, an edited or forwarded text): not answered,
        but a crisis in it still gets help.
        """
        if words:
            helped = await self._crisis_check(turn, words)
            if helped is not None:
                return helped
        language = await self.language_of(turn)
        return [Reply(translate(language, message), rtl=is_rtl(language))]

    async def attachment(
        self, turn: Turn, sent: SentFile, caption: str | None, notice: str, final: bool = False
    ) -> list[Reply]:
        """A photo, voice note, audio, document or video. During an open case it goes to the
        thread with its caption; otherwise the kind ``notice`` (files are not read).

        A crisis in the caption gets help first, as for any message; the file then does not
        hold that help up: if Telegram cannot give it at once, it is recorded as not retrieved
        instead of being waited for (``final``, also set on the update's last attempt).
        """
        caption = (caption or "").strip()
        helped = await self._crisis_check(turn, caption) if caption else None
        passed = None
        if self._attachments is not None:
            who = await self._who(turn)
            passed = await self._attachments.receive(
                who, sent, caption, final or helped is not None
            )
        if passed is None:
            return helped if helped is not None else await self.notice(turn, notice)
        return [*(helped or []), *passed]

    async def text(self, turn: Turn, text: str) -> list[Reply]:
        """A typed message (commands included)."""
        text = text.strip()
        # Before anything else, and whatever is going on: a person in danger gets help now.
        helped = await self._crisis_check(turn, text, relay=True)
        if helped is not None:
            return helped
        # Longer than Telegram allows: only a misbehaving client sends that.
        if len(text) > MAX_MESSAGE_LENGTH:
            return await self.notice(turn, messages.TOO_LONG)
        if text.startswith("/"):
            return await self._command(turn, text)
        who = await self._who(turn)
        if who.case_open:
            # The model's view too, for words that go to a caseworker rather than to Rasa.
            intent, confidence = await self._rasa.intent(turn.pseudonym, text)
            if intent == EMERGENCY and confidence >= EMERGENCY_MIN_CONFIDENCE:
                return await self._crisis_turn(turn, (), who.language, text)
        # An answer to a question in progress first; anything else to an open case's thread.
        for flow in (self._assessment, self._handover):
            answered = await flow.typed(who, text)
            if answered is not None:
                return answered
        replies = await self._ask_rasa(turn, text)
        return replies + await self.language_offer(turn, text)

    async def button(self, turn: Turn, payload: str) -> list[Reply]:
        """A pressed inline button."""
        if payload.startswith(LANGUAGE_CALLBACK_PREFIX):
            return await self.switch_language(turn, payload.removeprefix(LANGUAGE_CALLBACK_PREFIX))
        if payload == FORGET_CONFIRM:
            return await self.forget(turn)
        if payload.startswith(ASSESSMENT_CALLBACK_PREFIX):
            who = await self._who(turn)
            replies = await self._assessment.button(who, payload)
            # The flow answers its own "yes, a caseworker" with nothing, leaving the handover
            # to us; anything else (someone else's assessment, say) is not that yes.
            if payload.endswith(":cw:yes") and not replies:
                replies = await self._handover.start(who)
            return replies
        if payload.startswith(HANDOVER_CALLBACK_PREFIX):
            return await self._handover.button(await self._who(turn), payload)
        if payload.startswith(RATING_CALLBACK_PREFIX):
            return await self._handover.rate(await self._who(turn), payload)
        if payload.startswith(SERVICES_CALLBACK_PREFIX):
            country = self._nearby.country_of(payload)
            if country is not None:
                await self._settle_in(turn, country)
            return await self._nearby.button(await self._who(turn), payload)
        if payload.startswith(WITHDRAW_CALLBACK_PREFIX):
            return await self._handover.withdraw(await self._who(turn), payload)
        if payload.startswith(CENTRE_CALLBACK_PREFIX):
            return await self.centre_of_country(turn, payload.removeprefix(CENTRE_CALLBACK_PREFIX))
        if payload.startswith(CRISIS_CALLBACK_PREFIX):
            await self._settle_in(
                turn, payload.removeprefix(CRISIS_CALLBACK_PREFIX).partition(":")[2]
            )
            return await self._crisis.button(payload, await self.language_of(turn))
        if payload.startswith("/"):
            return await self._ask_rasa(turn, payload)
        logger.warning("ignored unknown button payload")
        return await self._ask_rasa(turn, MENU_PAYLOAD)

    async def centre_of_country(self, turn: Turn, country: str) -> list[Reply]:
        """The contacts of the centre of the country a person without a centre chose."""
        await self._settle_in(turn, country)
        language = await self.language_of(turn)
        contacts = self._centres.country_contacts(country, language)
        if not contacts:
            return await self._ask_rasa(turn, MENU_PAYLOAD)
        return [Reply(contacts, rtl=is_rtl(language))]

    async def _settle_in(self, turn: Turn, country: str) -> None:
        """A person without a centre chose ``country``: its only centre, if so, is theirs (its
        queue, contacts and numbers); with several, they stay without one."""
        profile = await self._profile(turn)
        centre = self._centres.only_centre(country)
        if centre and not profile.centre:
            await self._people.update(turn.pseudonym, centre=centre)
            turn.profile = Profile(profile.pseudonym, profile.language, centre)

    async def switch_language(self, turn: Turn, language: str) -> list[Reply]:
        profile = await self._profile(turn)
        if language not in LANGUAGES:
            language = profile.language
        await self._people.update(turn.pseudonym, language=language)
        turn.profile = Profile(profile.pseudonym, language, profile.centre)
        confirmation = self._renderer.render("utter_language_changed", language)
        menu = await self._ask_rasa(turn, MENU_PAYLOAD)
        return [Reply(confirmation.text, rtl=is_rtl(language)), *menu]

    async def forget(self, turn: Turn) -> list[Reply]:
        """Erase everything; where the chat allows it, offer to delete the messages too."""
        language = await self.language_of(turn)
        await self._people.erase(turn.pseudonym)
        turn.profile = None
        buttons = ()
        if turn.chat_id is not None:
            buttons = ((translate(language, messages.DELETE_MESSAGES), DELETE_MESSAGES_PAYLOAD),)
        return [Reply(translate(language, messages.ERASED), buttons, rtl=is_rtl(language))]

    async def _command(self, turn: Turn, text: str) -> list[Reply]:
        command, _, argument = text[1:].partition(" ")
        command = command.split("@")[0].lower()
        if command == "start":
            return await self._start(turn, argument.strip())
        if command == "stop":
            cancelled = await self._handover.cancel(await self._who(turn))
            if cancelled is not None:
                return cancelled
        intent = COMMAND_INTENTS.get(command)
        if intent is None:
            head = await self.notice(turn, messages.UNKNOWN_COMMAND)
            return head + await self._ask_rasa(turn, MENU_PAYLOAD)
        return await self._ask_rasa(turn, intent_payload(intent))

    async def _start(self, turn: Turn, payload: str) -> list[Reply]:
        centre = payload if CENTRE_CODE.match(payload) and self._centres.get(payload) else None
        await self._profile(turn, centre)
        if centre:
            await self._people.update(turn.pseudonym, centre=centre)
            profile = turn.profile
            turn.profile = Profile(profile.pseudonym, profile.language, centre, profile.is_new)
        return await self._ask_rasa(turn, intent_payload(COMMAND_INTENTS["start"]))

    async def _crisis_check(self, turn: Turn, text: str, relay: bool = False) -> list[Reply] | None:
        """Help for the crisis ``text`` shows, or None when it shows none.

        A command's own name is not read ("/start je suis en danger" reads the words after it).
        With ``relay``, an open case also gets the message in its thread.
        """
        if text.startswith("/"):
            text = text.partition(" ")[2]
        if not text:
            return None
        detection = self._crisis.detect(text)
        if detection is None:
            return None
        language = detection.language(await self.language_of(turn))
        return await self._crisis_turn(turn, detection.kinds, language, text if relay else None)

    async def _crisis_turn(
        self, turn: Turn, kinds: tuple[str, ...], language: str, text: str | None
    ) -> list[Reply]:
        """The help first; then an open case becomes urgent and an assessment waits."""
        metrics.CRISES.labels(kinds[0] if kinds else "general").inc()
        who = await self._who(turn)
        replies = await self._crisis.replies(kinds, language, who.centre)
        replies += await self._handover.escalate(who, text, kinds or ("general",))
        replies += await self._assessment.pause_for_crisis(who)
        return replies

    async def _who(self, turn: Turn) -> Who:
        profile = await self._profile(turn)
        return Who(
            profile.pseudonym,
            profile.language,
            profile.centre,
            turn.update_id,
            profile.assessing,
            profile.case_open,
        )

    async def _ask_rasa(self, turn: Turn, text: str) -> list[Reply]:
        """Send a message to Rasa and carry out what its actions asked of the gateway.

        While an assessment is in progress, whatever Rasa answers is followed by the current
        question again, so that an off-topic question does not lose the person's place.
        """
        rasa = await self._rasa_turn(turn, text)
        directives = rasa.directives
        nearby: list[Reply] = []
        if CUSTOM_TOPIC in directives:
            who = await self._who(turn)
            topic = directives[CUSTOM_TOPIC]
            await self._people.count(statistics.QUESTION, who.centre, who.language, topic)
            nearby = await self._nearby.after_answer(who, topic, text)
        if CUSTOM_CRISIS in directives:
            profile = await self._profile(turn)
            return await self._crisis_turn(turn, (), profile.language, None)
        if CUSTOM_OFFER_ASSESSMENT in directives:
            return await self._assessment.offer(await self._who(turn))
        if CUSTOM_OFFER_HANDOVER in directives:
            return await self._handover.start(await self._who(turn))
        if CUSTOM_MY_DATA in directives:
            who = await self._who(turn)
            stored = self._renderer.render("utter_my_data", who.language, who.centre)
            reply = Reply(stored.text, stored.buttons, rtl=is_rtl(who.language))
            return await self._handover.my_data(who, reply)
        if CUSTOM_STOP in directives and await self._assessment.pause_active(turn.pseudonym):
            return await self.notice(turn, PAUSED)
        pending = await self._assessment.current_question(await self._who(turn))
        if pending and CUSTOM_NOT_UNDERSTOOD in directives:
            return [*await self.notice(turn, REASK), *pending]
        return rasa.replies + nearby + pending

    async def _rasa_turn(self, turn: Turn, text: str) -> RasaTurn:
        profile = await self._profile(turn)
        metadata: dict[str, Any] = {META_LANGUAGE: profile.language, META_CENTRE: profile.centre}
        # RasaUnavailable propagates: the Telegram front keeps the update and answers it later.
        answers = await self._rasa.send(turn.pseudonym, text, metadata)
        if not answers:
            # Every rule ends in an answer; none means a failure inside Rasa (an action or the
            # NLG), and silence would leave the person wondering.
            logger.error("Rasa returned no answer")
            return RasaTurn(await self.notice(turn, messages.TECHNICAL_PROBLEM))
        result = RasaTurn([])
        language = profile.language
        for answer in answers:
            custom = answer.get("custom") or {}
            result.directives.update(custom)
            if custom.get(CUSTOM_SET_LANGUAGE) in LANGUAGES:
                language = custom[CUSTOM_SET_LANGUAGE]
                await self._people.update(turn.pseudonym, language=language)
                turn.profile = Profile(profile.pseudonym, language, profile.centre)
            if answer.get("text"):
                buttons = tuple((b["title"], b["payload"]) for b in answer.get("buttons") or [])
                result.replies.append(Reply(answer["text"], buttons, rtl=is_rtl(language)))
        return result

    async def language_offer(self, turn: Turn, text: str) -> list[Reply]:
        """Offer (never force) a switch when the message is clearly in another language."""
        current = await self.language_of(turn)
        detected = clear_language(text)
        if detected is None or detected == current:
            return []
        return [
            Reply(
                translate(detected, messages.OFFER_LANGUAGE),
                (
                    (
                        translate(detected, messages.OFFER_LANGUAGE_BUTTON),
                        language_payload(detected),
                    ),
                ),
                rtl=is_rtl(detected),
            )
        ]
