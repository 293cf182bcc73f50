"""The self-assessment conversation: intro, one question at a time, red flags, the result.

Progress lives in the database (encrypted), not in Rasa, so it survives restarts and days of
silence, and Rasa's event log stays short. Buttons name the assessment and the question they
answer; a button from an older question only brings the current one back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date
from cryptography.fernet import MultiFernet
from sqlalchemy.orm import Session, sessionmaker

from bot import directory
from bot.centres import CentreDirectory, country_name
from bot.console.texts import FLAG_LABELS
from bot.constants import (
    ASSESSMENT_CALLBACK_PREFIX,
    CENTRE_CALLBACK_PREFIX,
    CONSENT_KEEP,
    DEFAULT_LANGUAGE,
    MENU_PAYLOAD,
    intent_payload,
    row_id,
)
from bot.gateway.crisis import CrisisHelp
from bot.gateway.replies import Reply
from bot.i18n import N_, babel_locale, is_rtl, translate, translate_count
from bot.i18n.units import DAYS, MINUTES, SHORT_QUESTIONS
from bot.nlg.render import Renderer
from bot.questionnaire import engine
from bot.questionnaire.definition import Definition, RedFlag
from bot.questionnaire.parsing import parse_answer
from bot.storage import repository, statistics
from bot.storage.keys import seal, unseal
from bot.storage.models import Assessment
from bot.towns import Town, find_town, town_id

INTRO = N_(
    "Cette auto-évaluation confidentielle vous aide, vous et un référent, à voir de quoi vous "
    "avez besoin : travail, logement, santé, papiers, moral.\n\n"
    "• Elle prend environ {duration} ({questions}).\n"
    "• Vos réponses sont chiffrées et ne sont partagées avec personne sans votre accord. Si "
    "vous choisissez de les garder, elles restent jusqu'à ce que vous les effaciez avec /forget ; "
    "sinon, elles sont effacées {delay} après votre dernier message.\n"
    "• Vous pouvez passer n'importe quelle question, revenir en arrière ou arrêter quand vous "
    "voulez.\n\n"
    "Le résultat est un profil indicatif, pas une note officielle. On commence ?"
)
BEGIN_KEEP = N_("Commencer et garder mes réponses")
BEGIN_NO_KEEP = N_("Commencer sans les garder")
NOT_NOW = N_("Pas maintenant")
RESUME_OFFER = N_(
    "Vous avez une auto-évaluation en cours (question {position} sur {count}). "
    "Voulez-vous la continuer ?"
)
RESUME = N_("Continuer")
RESTART = N_("Recommencer")
SKIP = N_("Passer")
BACK = N_("Retour")
STOP = N_("Arrêter")
TYPE_ANSWER = N_("Écrivez votre réponse.")
# The town question offers the towns the centres serve as buttons (named in the person's
# language; the answer is the town's French name, as the caseworkers read it), or first the
# countries when the person's centre is unknown. Typing a town still works.
TOWN_QUESTION = "prof_town"
TOWN_VALUE, COUNTRY_VALUE = "@", "@@"
MAX_TOWNS = 8
REASK = N_("Je n'ai pas compris cette réponse. Choisissez l'un des boutons sous la question.")
PAUSED = N_(
    "D'accord, on s'arrête là. Vos réponses sont gardées : tapez /assessment pour reprendre "
    "quand vous voulez."
)
RESULT_TITLE = N_("Votre profil indicatif (ce n'est pas une note officielle) :")
RESULT_FLAGS = N_("À traiter en premier, d'après vos réponses :")
RESULT_FLAG = N_("⚠ {flag}")
RESULT_LINE = N_("• {dimension} : {label}")
RESULT_OVERALL = N_("Dans l'ensemble : {label}")
TOO_FEW = N_("pas assez de réponses pour le dire")
CRISIS_PAUSE = N_(
    "Le questionnaire est en pause. Vous pouvez parler à quelqu'un maintenant, ou le continuer "
    "quand vous voulez."
)
CONTINUE_NOW = N_("Continuer maintenant")
CONTINUE_LATER = N_("Continuer plus tard")
SINCE_LAST_TIME = N_("Depuis la dernière fois ({date}) :")
BETTER = N_("mieux")
SAME = N_("pareil")
HARDER = N_("plus difficile")
SUGGESTIONS = N_("Les aides qui peuvent correspondre à votre situation :")
NO_SUGGESTIONS = N_("Votre situation semble plutôt stable. Le menu reste là si besoin.")
NEAR_YOU = N_("Où vous adresser :\n\n{centre_contacts}")
SERVICES_NEAR = N_("Des services qui peuvent vous aider :")
MAX_SERVICES = 3
ASK_CASEWORKER = N_("Voulez-vous qu'un référent vous contacte pour en parler ?")
YES_CONTACT = N_("Oui, je veux bien")
NO_CONTACT = N_("Non merci")
CASEWORKER_DECLINED = N_("C'est noté. Vous pouvez revenir quand vous voulez avec /help.")

# Score changes smaller than this read as "the same" in the follow-up comparison.
SAME_MARGIN = 0.1


@dataclass(frozen=True)
class Who:
    pseudonym: str
    language: str
    centre: str | None
    # The Telegram update being handled (None in the terminal chat).
    update_id: int | None = None
    # What the turn's profile read found open (True: not known, look).
    assessing: bool = True
    case_open: bool = True


def suggested_topics(
    definition: Definition, result: engine.Result, answers: Mapping[str, str]
) -> list[str]:
    """The topics offered after an assessment, each once: a flagged dimension's first, whatever
    its score; then what an answer calls for (``suggests``: "no work" offers finding a job);
    then the other weak dimensions', weakest first."""
    below = definition.bands[-2].below
    weak = sorted((s, d) for d, s in result.scores.items() if s < below and d not in result.flagged)
    topics: list[str] = []
    for dimension_id in sorted(result.flagged):
        topics += definition.dimensions[dimension_id].suggestions
    for question in definition.questions:
        chosen = question.option(answers[question.id]) if question.id in answers else None
        topics += chosen.suggests if chosen else ()
    for _, dimension_id in weak:
        topics += definition.dimensions[dimension_id].suggestions
    return list(dict.fromkeys(topics))


class AssessmentFlow:
    def __init__(
        self,
        definition: Definition,
        sessions: sessionmaker[Session],
        box: MultiFernet,
        centres: CentreDirectory,
        renderer: Renderer,
        crisis: CrisisHelp,
        retention_days: int = 30,
        clock: Callable[[], datetime] = datetime.utcnow,
    ) -> None:
        self._definition = definition
        self._retention_days = retention_days
        self._sessions = sessions
        self._box = box
        self._centres = centres
        self._renderer = renderer
        self._crisis = crisis
        self._clock = clock

    # Entry points -------------------------------------------------------------------------

    async def offer(self, who: Who) -> list[Reply]:
        """What /assessment (or the words for it) shows: an intro, or an offer to resume."""
        return await asyncio.to_thread(self._offer, who)

    async def pause_active(self, pseudonym: str) -> bool:
        return await asyncio.to_thread(self._pause_active, pseudonym)

    async def button(self, who: Who, payload: str) -> list[Reply]:
        return await asyncio.to_thread(self._button, who, payload)

    async def typed(self, who: Who, text: str) -> list[Reply] | None:
        """Handle typed text as an answer; None when it is not one (the gateway asks Rasa)."""
        if not who.assessing:
            return None
        return await asyncio.to_thread(self._typed, who, text)

    async def pause_for_crisis(self, who: Who) -> list[Reply]:
        """A crisis said in the middle of the questionnaire: it waits, and says how to go on."""
        if not who.assessing:
            return []
        return await asyncio.to_thread(self._pause_for_crisis, who)

    async def current_question(self, who: Who) -> list[Reply]:
        """The question awaiting an answer, to show again after an off-topic reply."""
        if not who.assessing:
            return []
        return await asyncio.to_thread(self._current_question, who)

    # Internals (run in a worker thread) -------------------------------------------------------

    def _offer(self, who: Who) -> list[Reply]:
        with self._sessions.begin() as session:
            return self._offer_in(session, who)

    def _offer_in(self, session: Session, who: Who) -> list[Reply]:
        open_one = repository.open_assessment(session, who.pseudonym)
        if open_one is not None:
            progress = self._progress(open_one)
            position = self._definition.position(progress.current) + 1
            text = self._t(who, RESUME_OFFER, position=position, count=self._count)
            buttons = [
                (RESUME, self._payload(open_one.id, "resume")),
                (RESTART, self._payload(open_one.id, "restart")),
                (NOT_NOW, MENU_PAYLOAD),
            ]
            return [self._reply(who, text, buttons)]
        text = self._t(
            who,
            INTRO,
            duration=translate_count(who.language, MINUTES, self._definition.minutes),
            questions=translate_count(who.language, SHORT_QUESTIONS, self._count),
            delay=translate_count(who.language, DAYS, self._retention_days),
        )
        buttons = [
            (BEGIN_KEEP, self._payload(0, "begin", "keep")),
            (BEGIN_NO_KEEP, self._payload(0, "begin", "nokeep")),
            (NOT_NOW, MENU_PAYLOAD),
        ]
        return [self._reply(who, text, buttons)]

    def _pause_active(self, pseudonym: str) -> bool:
        with self._sessions.begin() as session:
            assessment = repository.open_assessment(session, pseudonym)
            if assessment is None or assessment.status != repository.IN_PROGRESS:
                return False
            assessment.status = repository.PAUSED
            assessment.updated_at = self._clock()
            return True

    def _pause_for_crisis(self, who: Who) -> list[Reply]:
        with self._sessions.begin() as session:
            assessment = repository.open_assessment(session, who.pseudonym)
            if assessment is None or assessment.status != repository.IN_PROGRESS:
                return []
            return self._crisis_pause(assessment, who)

    def _crisis_pause(self, assessment: Assessment, who: Who) -> list[Reply]:
        assessment.status = repository.PAUSED
        assessment.updated_at = self._clock()
        buttons = [
            (CONTINUE_NOW, self._payload(assessment.id, "resume")),
            (CONTINUE_LATER, self._payload(assessment.id, "later")),
        ]
        return [self._reply(who, self._t(who, CRISIS_PAUSE), buttons)]

    def _button(self, who: Who, payload: str) -> list[Reply]:
        _, raw_id, step, *rest = payload.split(":", 3) + [""]
        value = rest[0] if rest else ""
        assessment_id = row_id(raw_id) or -1
        with self._sessions.begin() as session:
            if step == "begin":
                if value in ("keep", "nokeep"):
                    repository.record_consent(
                        session, who.pseudonym, CONSENT_KEEP, value == "keep", who.language,
                        self._clock(),
                    )  # fmt: skip
                return self._begin(session, who)
            assessment = repository.get_assessment(session, who.pseudonym, assessment_id)
            if assessment is None:
                return self._offer_in(session, who)
            if step == "cw":
                return self._caseworker_choice(assessment, who, value)
            if assessment.status == repository.COMPLETED:
                return self._offer_in(session, who)
            if step == "restart":
                session.delete(assessment)
                session.flush()
                return self._begin(session, who)
            if step == "resume":
                assessment.status = repository.IN_PROGRESS
                return self._ask(assessment, who)
            if step == "later":
                assessment.status = repository.PAUSED
                return [self._reply(who, self._t(who, PAUSED))]
            return self._step(session, assessment, who, step, value)

    def _begin(self, session: Session, who: Who) -> list[Reply]:
        existing = repository.open_assessment(session, who.pseudonym)
        if existing is not None:
            existing.status = repository.IN_PROGRESS
            return self._ask(existing, who)
        progress = engine.start(self._definition)
        assessment = repository.create_assessment(
            session, who.pseudonym, self._definition.version, seal(self._box, progress.as_json())
        )
        statistics.bump(
            session, statistics.ASSESSMENT_STARTED, self._clock(), who.centre, who.language
        )
        return self._ask(assessment, who)

    def _typed(self, who: Who, text: str) -> list[Reply] | None:
        with self._sessions.begin() as session:
            assessment = repository.open_assessment(session, who.pseudonym)
            if assessment is None or assessment.status != repository.IN_PROGRESS:
                return None
            if self._applied(assessment, who):
                # The update is handled again after a crash: its answer is already recorded.
                return self._ask(assessment, who)
            progress = self._progress(assessment)
            question = self._definition.question(progress.current)
            value = parse_answer(question, text, who.language)
            if value is None:
                return None
            return self._step(session, assessment, who, question.id, value, typed=True)

    @staticmethod
    def _applied(assessment: Assessment, who: Who) -> bool:
        last = assessment.last_update_id
        return who.update_id is not None and last is not None and who.update_id <= last

    def _current_question(self, who: Who) -> list[Reply]:
        with self._sessions.begin() as session:
            assessment = repository.open_assessment(session, who.pseudonym)
            if assessment is None or assessment.status != repository.IN_PROGRESS:
                return []
            return self._ask(assessment, who)

    def _step(
        self,
        session: Session,
        assessment: Assessment,
        who: Who,
        question_id: str,
        value: str,
        typed: bool = False,
    ) -> list[Reply]:
        definition = self._definition
        progress = self._progress(assessment)
        if question_id != progress.current:
            return self._ask(assessment, who)
        assessment.status = repository.IN_PROGRESS
        if value == "~stop":
            assessment.status = repository.PAUSED
            assessment.updated_at = self._clock()
            return [self._reply(who, self._t(who, PAUSED))]
        if value == "~back":
            progress = engine.back(progress, question_id)
        elif value == "~skip":
            progress = engine.skip(definition, progress, question_id)
        elif question_id == TOWN_QUESTION and not typed and value.startswith(COUNTRY_VALUE):
            return self._ask(assessment, who, value.removeprefix(COUNTRY_VALUE))
        else:
            question = definition.question(question_id)
            if question_id == TOWN_QUESTION and not typed and value.startswith(TOWN_VALUE):
                town = self._town(who, value.removeprefix(TOWN_VALUE))
                if town is None:
                    return self._ask(assessment, who)
                value, typed = town.names[DEFAULT_LANGUAGE], True
            # Buttons carry option ids only; numbers and free text come typed, via _typed.
            if question.option(value) is None and not typed:
                return self._ask(assessment, who)
            progress = engine.answer(definition, progress, question_id, value)
        assessment.progress = seal(self._box, progress.as_json())
        assessment.updated_at = self._clock()
        if who.update_id is not None:
            assessment.last_update_id = who.update_id
        replies = []
        flag_id = engine.flag_of(definition.question(question_id), value)
        flag = definition.red_flags[flag_id] if flag_id else None
        if flag is not None:
            replies += self._red_flag(who, flag)
        if progress.finished:
            return replies + self._complete(session, assessment, progress, who)
        if flag is not None and flag.pause:
            # Never on to the next question as if nothing had been said.
            return replies + self._crisis_pause(assessment, who)
        return replies + self._ask(assessment, who)

    def _red_flag(self, who: Who, flag: RedFlag) -> list[Reply]:
        if flag.crisis is not None:
            return self._crisis.render((flag.crisis,), who.language, who.centre, flag.text)
        return [Reply(self._t(who, flag.text), rtl=is_rtl(who.language), alone=True)]

    def _complete(
        self, session: Session, assessment: Assessment, progress: engine.Progress, who: Who
    ) -> list[Reply]:
        result = engine.score(self._definition, progress.answers)
        assessment.result = seal(self._box, result.as_json())
        assessment.status = repository.COMPLETED
        assessment.completed_at = self._clock()
        self._count_result(session, who, result)
        lines = [self._t(who, RESULT_TITLE)]
        if result.flags:
            lines += [self._t(who, RESULT_FLAGS)]
            lines += [
                self._t(who, RESULT_FLAG, flag=self._t(who, FLAG_LABELS.get(f, f)))
                for f in result.flags
            ]
            lines.append("")
        for dimension_id, dimension in self._definition.dimensions.items():
            label = self._dimension_label(result, dimension_id)
            if label is not None:
                title = self._t(who, dimension.title)
                lines.append(self._t(who, RESULT_LINE, dimension=title, label=self._t(who, label)))
        overall = self._overall_label(result)
        if overall is not None:
            lines += ["", self._t(who, RESULT_OVERALL, label=self._t(who, overall))]
        previous = repository.previous_result(session, who.pseudonym, assessment.id)
        if previous is not None and previous.result:
            lines += ["", *self._comparison(who, previous, result)]
        replies = [self._reply(who, "\n".join(lines))]
        topics = suggested_topics(self._definition, result, progress.answers)
        titles = self._renderer.topic_titles
        if topics or result.flags:
            replies.append(
                self._reply(
                    who,
                    self._t(who, SUGGESTIONS),
                    [(titles[t], intent_payload(t)) for t in topics if t in titles],
                )
            )
        else:
            replies.append(self._reply(who, self._t(who, NO_SUGGESTIONS)))
        replies.append(
            self._reply(
                who,
                self._t(
                    who,
                    NEAR_YOU,
                    centre_contacts=self._centres.contacts(who.centre, who.language),
                ),
                self._centres.country_buttons(who.centre, who.language),
            )
        )
        town = progress.answers.get(TOWN_QUESTION)
        services = services_near(session, self._centres, who, topics, town)
        if services:
            replies.append(self._reply(who, "\n\n".join([self._t(who, SERVICES_NEAR), *services])))
        replies.append(
            self._reply(
                who,
                self._t(who, ASK_CASEWORKER),
                [
                    (YES_CONTACT, self._payload(assessment.id, "cw", "yes")),
                    (NO_CONTACT, self._payload(assessment.id, "cw", "no")),
                ],
            )
        )
        return replies

    def _count_result(self, session: Session, who: Who, result: engine.Result) -> None:
        """Anonymous counters for the centre's report: completion and band per dimension."""
        now = self._clock()
        statistics.bump(session, statistics.ASSESSMENT_COMPLETED, now, who.centre, who.language)
        for dimension, score in result.scores.items():
            band = self._definition.band(score).label
            statistics.bump(
                session, statistics.PROFILE, now, who.centre, who.language, f"{dimension}:{band}"
            )

    def _comparison(self, who: Who, previous: Assessment, result: engine.Result) -> list[str]:
        before = engine.Result.from_json(unseal(self._box, previous.result))
        date = format_date(previous.completed_at, "medium", locale=babel_locale(who.language))
        lines = [self._t(who, SINCE_LAST_TIME, date=date)]
        for dimension_id, value in result.scores.items():
            if dimension_id not in before.scores:
                continue
            change = value - before.scores[dimension_id]
            word = BETTER if change > SAME_MARGIN else HARDER if change < -SAME_MARGIN else SAME
            title = self._t(who, self._definition.dimensions[dimension_id].title)
            lines.append(self._t(who, RESULT_LINE, dimension=title, label=self._t(who, word)))
        return lines

    def _dimension_label(self, result: engine.Result, dimension_id: str) -> str | None:
        """A dimension's words: never "stable" when one of its answers raised a red flag."""
        if self._definition.dimensions[dimension_id].weight <= 0:
            return None
        if dimension_id in result.flagged:
            return self._definition.bands[0].label
        if dimension_id in result.scores:
            return self._definition.band(result.scores[dimension_id]).label
        return TOO_FEW if dimension_id in result.too_few else None

    def _overall_label(self, result: engine.Result) -> str | None:
        if result.flags:
            return self._definition.bands[0].label
        if result.composite is None:
            return None
        return self._definition.band(result.composite).label

    def _caseworker_choice(self, assessment: Assessment, who: Who, value: str) -> list[Reply]:
        """Yes leads to the handover (the gateway starts it); no is just noted."""
        assessment.wants_caseworker = value == "yes"
        if assessment.wants_caseworker:
            return []
        return [self._reply(who, self._t(who, CASEWORKER_DECLINED))]

    def _ask(self, assessment: Assessment, who: Who, country: str | None = None) -> list[Reply]:
        progress = self._progress(assessment)
        question = self._definition.question(progress.current)
        position = self._definition.position(question.id) + 1
        text = f"{position}/{self._count} · {self._t(who, question.text)}"
        buttons = [
            (option.text, self._payload(assessment.id, question.id, option.id))
            for option in question.options
        ]
        # Town and country names come in the person's language already: never translated.
        places = (
            self._place_buttons(assessment.id, who, country) if question.id == TOWN_QUESTION else []
        )
        if question.type in ("text", "number"):
            text = f"{text}\n{self._t(who, TYPE_ANSWER)}"
        buttons += [
            (SKIP, self._payload(assessment.id, question.id, "~skip")),
            (BACK, self._payload(assessment.id, question.id, "~back")),
            (STOP, self._payload(assessment.id, question.id, "~stop")),
        ]
        reply = self._reply(who, text, buttons)
        if places:
            reply = Reply(reply.text, (*places, *reply.buttons), rtl=reply.rtl)
        return [reply]

    def _town(self, who: Who, key: str) -> Town | None:
        return next((t for t in self._centres.towns(who.centre) if town_id(t) == key), None)

    def _place_buttons(
        self, assessment_id: int, who: Who, country: str | None
    ) -> list[tuple[str, str]]:
        """The towns of the person's centre (or of ``country``), else the countries first."""
        countries = self._centres.countries()
        if who.centre is None and country is None and len(countries) > 1:
            return [
                (
                    country_name(c, who.language),
                    self._payload(assessment_id, TOWN_QUESTION, f"{COUNTRY_VALUE}{c}"),
                )
                for c in countries
            ]
        towns = [
            town
            for town in self._centres.towns(who.centre)
            if country is None or self._centres.get(town.centre).country == country
        ]
        return [
            (
                town.name_in(who.language),
                self._payload(assessment_id, TOWN_QUESTION, f"{TOWN_VALUE}{town_id(town)}"),
            )
            for town in towns[:MAX_TOWNS]
        ]

    # Small helpers ------------------------------------------------------------------------

    @property
    def _count(self) -> int:
        return len(self._definition.questions)

    def _progress(self, assessment: Assessment) -> engine.Progress:
        return engine.Progress.from_json(unseal(self._box, assessment.progress))

    @staticmethod
    def _payload(assessment_id: int, step: str, value: str = "") -> str:
        payload = f"{ASSESSMENT_CALLBACK_PREFIX}{assessment_id}:{step}"
        return f"{payload}:{value}" if value else payload

    @staticmethod
    def _t(who: Who, message: str, **values: object) -> str:
        return translate(who.language, message, values or None)

    def _reply(self, who: Who, text: str, buttons: list[tuple[str, str]] = ()) -> Reply:
        # Country buttons come named in the person's language already.
        translated = tuple(
            (title if payload.startswith(CENTRE_CALLBACK_PREFIX) else self._t(who, title), payload)
            for title, payload in buttons
        )
        return Reply(text, translated, rtl=is_rtl(who.language))


def services_near(
    session: Session, centres: CentreDirectory, who: Who, topics: list[str], town: str | None
) -> list[str]:
    """Directory services for the suggested topics, in the person's town if it is known
    ("الرباط", "rbat" and "Rabat" are one town; a typed name the centres file lacks is
    matched as a service's region), as cards in the person's language."""
    known = find_town(town, centres.towns(who.centre)) if town else None
    found: list[str] = []
    for topic in topics:
        services = []
        if known is not None:
            services = directory.find_services(session, topic, who.centre, town=known)
        elif town:
            services = directory.find_services(session, topic, who.centre, town)
        services = services or directory.find_services(session, topic, who.centre)
        found += [directory.format_service(s, who.language) for s in services]
    return found[:MAX_SERVICES]
