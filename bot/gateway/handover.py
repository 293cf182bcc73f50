"""Handover to a caseworker: consent per purpose, a short packet, the queue, the case thread.

The whole state lives in the database: a case starts as a draft while the person answers the
consent and packet questions, then waits in the queue. While a case is open, what the person
writes goes to its thread instead of Rasa. Buttons are ``h:<case id>:<step>:<value>``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from babel.dates import format_date
from babel.lists import format_list
from cryptography.fernet import MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.centres import CentreDirectory
from bot.console.texts import CONTACT_TIME_LABELS, PRIORITY_LABELS
from bot.constants import (
    CONSENT_CONTACT,
    CONSENT_FOLLOW_UP,
    CONSENT_KEEP,
    CONSENT_PURPOSES,
    CONSENT_SHARE,
    HANDOVER_CALLBACK_PREFIX,
    RATING_CALLBACK_PREFIX,
    WITHDRAW_CALLBACK_PREFIX,
    row_id,
)
from bot.gateway.alerts import CaseworkerAlerts
from bot.gateway.assessment import Who
from bot.gateway.replies import Reply
from bot.i18n import N_, babel_locale, is_rtl, translate, translate_count
from bot.i18n.units import MINUTES
from bot.questionnaire.definition import Definition
from bot.questionnaire.engine import Result
from bot.questionnaire.parsing import fold
from bot.settings import Settings
from bot.storage import cases, repository, statistics
from bot.storage.keys import unseal
from bot.storage.models import Assessment, Case, Consent

SHARE, CONTACT, FOLLOW_UP = CONSENT_SHARE, CONSENT_CONTACT, CONSENT_FOLLOW_UP
MAX_HELP_TEXT = 500
CANCEL_WORDS = frozenset(
    fold(w) for w in "annuler annule stop arrete arrêter cancel cancelar parar إلغاء الغاء".split()
)

ASK_SHARE = N_(
    "Avant de vous mettre en relation, j'ai besoin de votre accord. Voulez-vous partager le "
    "résultat de votre auto-évaluation avec le référent ?"
)
ASK_CONTACT = N_(
    "Acceptez-vous qu'un référent vous écrive ici, dans cette conversation ? Sans cet accord, "
    "je ne peux pas vous mettre en relation."
)
ASK_FOLLOW_UP = N_(
    "Acceptez-vous que l'on vous recontacte plus tard pour prendre de vos nouvelles ? (facultatif)"
)
YES = N_("Oui")
NO = N_("Non")
SKIP = N_("Passer")
NO_CONSENT = N_(
    "C'est noté : rien n'est partagé. Vous pouvez contacter le centre directement quand vous "
    "voulez :\n\n{centre_contacts}"
)
ASK_HELP_WITH = N_("En quelques mots, pour quoi aimeriez-vous de l'aide ? Écrivez votre réponse.")
ASK_CONTACT_TIME = N_("Quand préférez-vous que le référent vous écrive ?")
QUEUED = N_(
    "Merci. Votre demande est dans la file d'attente (position {position}). {wait}\n\n"
    "Vous pouvez continuer à écrire ici : le référent lira vos messages. Tapez /stop pour "
    "annuler la demande."
)
WAIT_ESTIMATE = N_("Le temps d'attente habituel est d'environ {duration}.")
WAIT_UNKNOWN = N_("Je ne peux pas encore estimer le temps d'attente.")
ALREADY_QUEUED = N_(
    "Vous êtes déjà dans la file d'attente (position {position}). Vos messages sont transmis "
    "au référent. Tapez /stop pour annuler."
)
ALREADY_CLAIMED = N_(
    "Un référent s'occupe déjà de votre demande : écrivez-lui ici. Tapez /stop pour terminer."
)
PASSED_ON = N_("Votre message est transmis au référent. Il vous répondra ici.")
CANCELLED = N_("Votre demande est annulée. Vous pouvez en faire une autre quand vous voulez.")
RATING_THANKS = N_("Merci pour votre note ! Je reste là si vous avez d'autres questions.")
PASSED_ON_URGENT = N_(
    "Votre message est aussi transmis au référent, en priorité. Il vous répondra ici dès que "
    "possible."
)
NEW_CASE_ALERT = N_("Nouveau cas n° {case} dans la file (priorité : {priority}).")
CRISIS_ALERT = N_("Le cas n° {case} est passé en priorité urgente : message de crise.")
UNCLAIMED_ALERT = N_("Le cas n° {case} attend depuis plus de {duration} (priorité : {priority}).")


def _minutes(wait: timedelta) -> int:
    """A wait in whole minutes, one at least: "about 0 minutes" would promise too much."""
    return max(1, round(wait.total_seconds() / 60))


# What the person's consent to share their self-assessment adds to the packet (and what
# withdrawing it removes).
SHARED_FROM_ASSESSMENT = ("profile", "flags", "town", "contact_language")
# A dimension this weak makes a case "high" priority.
VERY_WEAK = 0.4


class HandoverFlow:
    def __init__(
        self,
        definition: Definition,
        sessions: sessionmaker[Session],
        box: MultiFernet,
        centres: CentreDirectory,
        alerts: CaseworkerAlerts | None = None,
        clock: Callable[[], datetime] = datetime.utcnow,
    ) -> None:
        self._definition = definition
        self._sessions = sessions
        self._box = box
        self._centres = centres
        self._alerts = alerts or CaseworkerAlerts(box)
        self._clock = clock

    async def start(self, who: Who, urgent: bool = False) -> list[Reply]:
        return await asyncio.to_thread(self._start, who, urgent)

    async def button(self, who: Who, payload: str) -> list[Reply]:
        return await asyncio.to_thread(self._button, who, payload)

    async def typed(self, who: Who, text: str) -> list[Reply] | None:
        """Text while a case is open or a draft awaits free text; None when not concerned."""
        if not who.case_open:
            return None
        return await asyncio.to_thread(self._typed, who, text)

    async def escalate(self, who: Who, text: str | None, kinds: tuple[str, ...]) -> list[Reply]:
        """A crisis during a handover: the case becomes urgent, with the reason, and the
        caseworkers are alerted; an open case also gets the message in its thread."""
        if not who.case_open:
            return []
        return await asyncio.to_thread(self._escalate, who, text, kinds)

    async def cancel(self, who: Who) -> list[Reply] | None:
        """/stop while a case is open ends the wait; None when there is nothing to cancel."""
        return await asyncio.to_thread(self._cancel, who)

    async def rate(self, who: Who, payload: str) -> list[Reply]:
        return await asyncio.to_thread(self._rate, who, payload)

    # Steps ----------------------------------------------------------------------------------

    def _start(self, who: Who, urgent: bool) -> list[Reply]:
        with self._sessions.begin() as session:
            case = cases.open_case(session, who.pseudonym)
            if case is not None and case.status != cases.DRAFT:
                if urgent and case.priority != cases.URGENT:
                    case.priority = cases.URGENT
                return [self._status(session, who, case)]
            if case is not None:
                session.delete(case)
            result = self._latest_result(session, who.pseudonym)
            priority = self._priority(result, urgent)
            if priority == cases.NORMAL and cases.recently_urgent(
                session, who.pseudonym, self._clock()
            ):
                priority = cases.HIGH
            packet = {"language": who.language, "centre": who.centre, "urgent_request": urgent}
            first = "share" if result is not None else "contact"
            case = cases.create_draft(
                session, self._box, who.pseudonym, who.language, who.centre, packet, priority, first
            )
            return [self._ask(who, case)]

    def _button(self, who: Who, payload: str) -> list[Reply]:
        parts = payload.removeprefix(HANDOVER_CALLBACK_PREFIX).split(":")
        if parts == ["urgent"]:
            return self._start(who, urgent=True)
        case_id = row_id(parts[0]) if len(parts) == 3 else None
        if case_id is None:
            return []
        step, value = parts[1], parts[2]
        with self._sessions.begin() as session:
            case = session.get(Case, case_id)
            if case is None or case.pseudonym != who.pseudonym or case.status != cases.DRAFT:
                return []
            if case.step != step:
                return [self._ask(who, case)]
            return self._advance(session, who, case, value)

    def _typed(self, who: Who, text: str) -> list[Reply] | None:
        with self._sessions.begin() as session:
            case = cases.open_case(session, who.pseudonym)
            if case is None:
                return None
            if case.status == cases.DRAFT:
                if case.step != "help_with":
                    return None
                return self._advance(session, who, case, text[:MAX_HELP_TEXT])
            if fold(text) in CANCEL_WORDS:
                return self._close_by_person(session, who, case)
            if who.update_id is not None and cases.has_message_from(session, case, who.update_id):
                return []
            cases.add_message(
                session, self._box, case, cases.FROM_PERSON, text, self._clock(),
                update_id=who.update_id,
            )  # fmt: skip
            if case.person_told_thread:
                return []
            case.person_told_thread = True
            return [self._reply(who, PASSED_ON)]

    def _escalate(self, who: Who, text: str | None, kinds: tuple[str, ...]) -> list[Reply]:
        now = self._clock()
        with self._sessions.begin() as session:
            case = cases.open_case(session, who.pseudonym)
            if case is None:
                return []
            packet = cases.packet(self._box, case)
            was_urgent = case.priority == cases.URGENT
            case.priority = cases.URGENT
            packet["urgent_request"] = True
            packet["crisis"] = sorted({*packet.get("crisis", ()), *kinds})
            cases.set_packet(self._box, case, packet)
            if case.status == cases.DRAFT:
                # Keep the person's place: their words answer "what would you like help
                # with?" when that was asked, else the pending question comes back.
                if case.step == "help_with" and text:
                    return self._advance(session, who, case, text[:MAX_HELP_TEXT])
                return [self._ask(who, case)]
            replayed = who.update_id is not None and cases.has_message_from(
                session, case, who.update_id
            )
            if replayed:
                return [self._reply(who, PASSED_ON_URGENT)]
            if text:
                cases.add_message(
                    session, self._box, case, cases.FROM_PERSON, text, now,
                    update_id=who.update_id,
                )  # fmt: skip
            cases.add_event(session, self._box, case, cases.CRISIS_EVENT, now, kinds=list(kinds))
            cases.audit(session, "crisis_escalated", case_id=case.id, now=now)
            case.person_told_thread = True
            if not was_urgent:
                self._alerts.queue(session, translate("fr", CRISIS_ALERT, {"case": case.id}))
            return [self._reply(who, PASSED_ON_URGENT)]

    def _cancel(self, who: Who) -> list[Reply] | None:
        with self._sessions.begin() as session:
            case = cases.open_case(session, who.pseudonym)
            if case is None:
                return None
            return self._close_by_person(session, who, case)

    def _close_by_person(self, session: Session, who: Who, case: Case) -> list[Reply]:
        if case.status == cases.DRAFT:
            session.delete(case)
        else:
            cases.close(session, self._box, case, "cancelled", "", self._clock())
            cases.add_event(session, self._box, case, cases.CANCELLED_EVENT, self._clock())
            cases.audit(session, "cancelled_by_person", case_id=case.id, now=self._clock())
        return [self._reply(who, CANCELLED)]

    def _advance(self, session: Session, who: Who, case: Case, value: str) -> list[Reply]:
        packet = cases.packet(self._box, case)
        step = case.step
        if step == "share":
            granted = self._consent(session, who, SHARE, value == "yes")
            if granted:
                result = self._latest_result(session, who.pseudonym)
                if result is not None:
                    packet["profile"] = self._profile_words(result)
                    packet["flags"] = list(result.flags)
                    answers = self._answers(session, who.pseudonym)
                    packet["town"] = answers.get("prof_town")
                    packet["contact_language"] = answers.get("prof_contact_language")
            case.step = "contact"
        elif step == "contact":
            if not self._consent(session, who, CONTACT, value == "yes"):
                session.delete(case)
                contacts = self._centres.contacts(who.centre, who.language)
                text = translate(who.language, NO_CONSENT, {"centre_contacts": contacts})
                countries = self._centres.country_buttons(who.centre, who.language)
                return [Reply(text, tuple(countries), rtl=is_rtl(who.language))]
            case.step = "follow_up"
        elif step == "follow_up":
            self._consent(session, who, FOLLOW_UP, value == "yes")
            case.step = "help_with"
        elif step == "help_with":
            packet["help_with"] = "" if value == "~skip" else value
            case.step = "contact_time"
        elif step == "contact_time" and value in CONTACT_TIME_LABELS:
            packet["contact_time"] = value
            cases.set_packet(self._box, case, packet)
            cases.enqueue(case, self._clock())
            session.flush()
            cases.audit(session, "queued", case_id=case.id, now=self._clock())
            statistics.bump(
                session, statistics.HANDOVER, self._clock(), case.centre_code, case.language,
                cases.PRIORITY_NAMES[case.priority],
            )  # fmt: skip
            priority = translate("fr", PRIORITY_LABELS[case.priority])
            self._alerts.queue(
                session, translate("fr", NEW_CASE_ALERT, {"case": case.id, "priority": priority})
            )
            return [self._status(session, who, case, just_queued=True)]
        cases.set_packet(self._box, case, packet)
        return [self._ask(who, case)]

    def _ask(self, who: Who, case: Case) -> Reply:
        def button(title: str, value: str) -> tuple[str, str]:
            return title, f"{HANDOVER_CALLBACK_PREFIX}{case.id}:{case.step}:{value}"

        yes_no = [button(YES, "yes"), button(NO, "no")]
        if case.step == "share":
            return self._reply(who, ASK_SHARE, buttons=yes_no)
        if case.step == "contact":
            return self._reply(who, ASK_CONTACT, buttons=yes_no)
        if case.step == "follow_up":
            return self._reply(who, ASK_FOLLOW_UP, buttons=yes_no)
        if case.step == "help_with":
            return self._reply(who, ASK_HELP_WITH, buttons=[button(SKIP, "~skip")])
        times = [button(title, key) for key, title in CONTACT_TIME_LABELS.items()]
        return self._reply(who, ASK_CONTACT_TIME, buttons=times)

    def _status(self, session: Session, who: Who, case: Case, just_queued: bool = False) -> Reply:
        if case.status == cases.CLAIMED:
            return self._reply(who, ALREADY_CLAIMED)
        position = cases.queue_position(session, case)
        if just_queued:
            wait = cases.expected_wait(session)
            wait_text = (
                translate(who.language, WAIT_UNKNOWN)
                if wait is None
                else translate(
                    who.language,
                    WAIT_ESTIMATE,
                    {"duration": translate_count(who.language, MINUTES, _minutes(wait))},
                )
            )
            return self._reply(who, QUEUED, position=position, wait=wait_text)
        return self._reply(who, ALREADY_QUEUED, position=position)

    def _rate(self, who: Who, payload: str) -> list[Reply]:
        parts = payload.removeprefix(RATING_CALLBACK_PREFIX).split(":")
        case_id = row_id(parts[0]) if len(parts) == 2 else None
        if case_id is None or parts[1] not in ("1", "2", "3", "4", "5"):
            return []
        with self._sessions.begin() as session:
            case = session.get(Case, case_id)
            if case is None or case.pseudonym != who.pseudonym or case.status != cases.CLOSED:
                return []
            case.rating = int(parts[1])
        return [self._reply(who, RATING_THANKS)]

    # What is stored, and withdrawal ----------------------------------------------------------

    async def my_data(self, who: Who, stored: Reply) -> list[Reply]:
        """``stored`` (what is kept, rendered by the NLG) with consents and withdraw buttons."""
        return await asyncio.to_thread(self._my_data, who, stored)

    async def withdraw(self, who: Who, payload: str) -> list[Reply]:
        return await asyncio.to_thread(self._withdraw, who, payload)

    def _my_data(self, who: Who, stored: Reply) -> list[Reply]:
        lines = [stored.text]
        buttons: list[tuple[str, str]] = []
        with self._sessions.begin() as session:
            completed = session.execute(
                select(Assessment.completed_at)
                .where(
                    Assessment.pseudonym == who.pseudonym,
                    Assessment.status == repository.COMPLETED,
                )
                .order_by(Assessment.id)
            ).scalars()
            locale = babel_locale(who.language)
            dates = [format_date(at, "short", locale=locale) for at in completed if at]
            extra = [
                translate(
                    who.language,
                    ASSESSMENTS_DATES_LINE if dates else ASSESSMENTS_LINE,
                    {"count": len(dates), "dates": format_list(dates, locale=locale)},
                )
            ]
            if cases.open_case(session, who.pseudonym) is not None:
                extra.append(translate(who.language, OPEN_CASE_LINE))
            consents = latest_consents(session, who.pseudonym)
            if consents:
                extra += ["", translate(who.language, CONSENTS_TITLE)]
            for purpose, consent in consents.items():
                label = translate(who.language, PURPOSE_LABELS[purpose])
                decision = translate(who.language, GRANTED if consent.granted else REFUSED)
                date = consent.decided_at.strftime("%d/%m/%Y")
                extra.append(
                    translate(
                        who.language,
                        CONSENT_LINE,
                        {"purpose": label, "decision": decision, "date": date},
                    )
                )
                if consent.granted:
                    withdraw = translate(who.language, WITHDRAW, {"purpose": label})
                    buttons.append((withdraw, f"{WITHDRAW_CALLBACK_PREFIX}{purpose}"))
        lines.append("\n".join(extra))
        buttons += stored.buttons
        return [Reply("\n\n".join(lines), tuple(buttons), rtl=stored.rtl)]

    def _withdraw(self, who: Who, payload: str) -> list[Reply]:
        purpose = payload.removeprefix(WITHDRAW_CALLBACK_PREFIX)
        if purpose not in CONSENT_PURPOSES:
            return []
        with self._sessions.begin() as session:
            self._consent(session, who, purpose, granted=False)
            case = cases.open_case(session, who.pseudonym)
            if case is not None and purpose == SHARE:
                packet = cases.packet(self._box, case)
                for key in SHARED_FROM_ASSESSMENT:
                    packet.pop(key, None)
                cases.set_packet(self._box, case, packet)
                cases.audit(session, "share_withdrawn", case_id=case.id, now=self._clock())
            elif case is not None and purpose == CONTACT:
                self._close_by_person(session, who, case)
        label = translate(who.language, PURPOSE_LABELS[purpose])
        return [self._reply(who, WITHDRAWN, purpose=label)]

    # Consent and context ----------------------------------------------------------------------

    def _consent(self, session: Session, who: Who, purpose: str, granted: bool) -> bool:
        return repository.record_consent(
            session, who.pseudonym, purpose, granted, who.language, self._clock()
        )

    def _latest_completed(self, session: Session, pseudonym: str) -> Assessment | None:
        return session.execute(
            select(Assessment)
            .where(Assessment.pseudonym == pseudonym, Assessment.status == repository.COMPLETED)
            .order_by(Assessment.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    def _latest_result(self, session: Session, pseudonym: str) -> Result | None:
        assessment = self._latest_completed(session, pseudonym)
        if assessment is None or not assessment.result:
            return None
        return Result.from_json(unseal(self._box, assessment.result))

    def _answers(self, session: Session, pseudonym: str) -> dict[str, str]:
        """The person's answers in their latest assessment, skipped questions left out."""
        assessment = self._latest_completed(session, pseudonym)
        progress = unseal(self._box, assessment.progress) if assessment else {}
        return {
            question: answer
            for question, answer in progress.get("answers", {}).items()
            if isinstance(answer, str) and not answer.startswith("__")
        }

    def _profile_words(self, result: Result) -> dict[str, str]:
        """The profile as the caseworker reads it: dimension -> band, in French."""
        return {
            translate("fr", self._definition.dimensions[d].title): translate(
                "fr", self._definition.band(score).label
            )
            for d, score in result.scores.items()
        }

    def _priority(self, result: Result | None, urgent: bool) -> int:
        if urgent or (result is not None and result.urgent):
            return cases.URGENT
        if result is not None and any(s < VERY_WEAK for s in result.scores.values()):
            return cases.HIGH
        return cases.NORMAL

    # Helpers --------------------------------------------------------------------------------

    def _reply(
        self, who: Who, message: str, buttons: list[tuple[str, str]] = (), **values: object
    ) -> Reply:
        text = translate(who.language, message, values or None)
        titled = tuple((translate(who.language, t), p) for t, p in buttons)
        return Reply(text, titled, rtl=is_rtl(who.language))


def unclaimed_limits(settings: Settings, centres: CentreDirectory) -> Callable[[Case], int]:
    """Minutes a case may wait unclaimed: its centre's setting for its priority, else the
    deployment's (an urgent case is raised within minutes, a normal one later)."""
    defaults = {
        cases.URGENT: settings.urgent_alert_minutes,
        cases.HIGH: settings.high_alert_minutes,
        cases.NORMAL: settings.unclaimed_alert_minutes,
    }

    def limit(case: Case) -> int:
        centre = centres.get(case.centre_code)
        own = centre.alert_minutes if centre else {}
        return own.get(cases.PRIORITY_NAMES[case.priority], defaults[case.priority])

    return limit


def alert_unclaimed(
    sessions: sessionmaker[Session],
    alerts: CaseworkerAlerts,
    limit: Callable[[Case], int],
    now: datetime,
) -> None:
    """One pass: alert supervisors about cases nobody claimed within their ``limit`` in
    minutes, once per case (the alert is queued in the transaction that marks the case
    alerted)."""
    with sessions.begin() as session:
        for case in session.execute(select(Case).where(Case.status == cases.QUEUED)).scalars():
            minutes = limit(case)
            if not case.supervisors_alerted and case.queued_at < now - timedelta(minutes=minutes):
                case.supervisors_alerted = True
                priority = translate("fr", PRIORITY_LABELS[case.priority])
                alerts.queue(
                    session,
                    translate(
                        "fr",
                        UNCLAIMED_ALERT,
                        {
                            "case": case.id,
                            "duration": translate_count("fr", MINUTES, minutes),
                            "priority": priority,
                        },
                    ),
                )
                cases.audit(session, "unclaimed_alert", case_id=case.id, now=now)


def requeue_idle(
    sessions: sessionmaker[Session], box: MultiFernet, inactive_after: timedelta, now: datetime
) -> None:
    """One pass: claims without activity for ``inactive_after`` go back to the queue."""
    hours = f"{inactive_after.total_seconds() / 3600:g}"
    with sessions.begin() as session:
        for case in session.execute(select(Case).where(Case.status == cases.CLAIMED)).scalars():
            if case.last_activity_at and case.last_activity_at < now - inactive_after:
                cases.release(case, now)
                cases.add_event(session, box, case, cases.REQUEUED_EVENT, now, hours=hours)
                cases.audit(session, "requeued_inactive", case_id=case.id, now=now)


CONSENTS_TITLE = N_("Vos accords :")
CONSENT_LINE = N_("• {purpose} : {decision} (le {date})")
PURPOSE_LABELS = {
    CONSENT_KEEP: N_("garder mes réponses"),
    SHARE: N_("partager mon auto-évaluation avec un référent"),
    CONTACT: N_("qu'un référent m'écrive ici"),
    FOLLOW_UP: N_("être recontacté pour un suivi"),
}
GRANTED = N_("oui")
REFUSED = N_("non")
WITHDRAW = N_("Retirer : {purpose}")
WITHDRAWN = N_("C'est fait : votre accord est retiré ({purpose}).")
OPEN_CASE_LINE = N_("• une demande de mise en relation est ouverte.")
ASSESSMENTS_LINE = N_("• auto-évaluations terminées : {count}.")
ASSESSMENTS_DATES_LINE = N_("• auto-évaluations terminées : {count} ({dates}).")


def latest_consents(session: Session, pseudonym: str) -> dict[str, Consent]:
    """The person's current decision for each purpose (the latest one counts)."""
    rows = session.execute(
        select(Consent).where(Consent.pseudonym == pseudonym).order_by(Consent.id)
    ).scalars()
    return {row.purpose: row for row in rows}
