"""Handover flow: consent per purpose, the packet, the queue, the thread, withdrawal, timers."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.centres import CentreDirectory
from bot.console.texts import CONTACT_TIME_LABELS
from bot.gateway import handover as texts
from bot.gateway.alerts import CASEWORKERS, CaseworkerAlerts
from bot.gateway.assessment import Who
from bot.gateway.handover import HandoverFlow, alert_unclaimed, requeue_idle, unclaimed_limits
from bot.gateway.replies import Reply
from bot.i18n import translate
from bot.questionnaire.definition import load_definition
from bot.settings import load_settings
from bot.storage import cases, repository
from bot.storage.keys import seal, unseal
from bot.storage.models import Case, Consent, OutboxMessage

WHO = Who("person-1", "fr", "dakar-demo")
CASEWORKER_CHAT_ID = -777


@pytest.fixture
def alerts(box) -> CaseworkerAlerts:
    return CaseworkerAlerts(box, CASEWORKER_CHAT_ID)


@pytest.fixture
def flow(sessions, box, centres: CentreDirectory, alerts: CaseworkerAlerts) -> HandoverFlow:
    return HandoverFlow(load_definition(), sessions, box, centres, alerts)


def queued_alerts(sessions, box) -> list[tuple[int, str]]:
    """The alerts waiting in the outbox: (chat id, text), in order."""
    with sessions() as session:
        rows = session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.pseudonym == CASEWORKERS)
            .order_by(OutboxMessage.id)
        ).scalars()
        return [(unseal(box, row.chat_ref), unseal(box, row.body)) for row in rows]


def clear_outbox(sessions) -> None:
    with sessions.begin() as session:
        session.query(OutboxMessage).delete()


def payload(reply, title: str) -> str:
    return dict(reply.buttons)[translate("fr", title)]


async def queue_a_case(flow: HandoverFlow, who: Who = WHO, urgent: bool = False):
    (ask,) = await flow.start(who, urgent=urgent)
    (ask,) = await flow.button(who, payload(ask, texts.YES))  # contact
    (ask,) = await flow.button(who, payload(ask, texts.NO))  # follow-up
    (ask,) = await flow.typed(who, "trouver du travail")
    return await flow.button(who, payload(ask, CONTACT_TIME_LABELS["morning"]))


async def test_consents_packet_and_queue(flow: HandoverFlow, sessions, box) -> None:
    (queued,) = await queue_a_case(flow)

    assert "position 1" in queued.text
    assert translate("fr", texts.WAIT_UNKNOWN) in queued.text
    with sessions.begin() as session:
        case = session.execute(select(Case)).scalar_one()
        assert case.status == cases.QUEUED and case.priority == cases.NORMAL
        packet = cases.packet(box, case)
        assert packet["help_with"] == "trouver du travail"
        assert packet["contact_time"] == "morning"
        consents = session.execute(select(Consent.purpose, Consent.granted)).all()
        assert sorted(consents) == [("caseworker_contact", True), ("follow_up", False)]
        assert all(
            c.text_version == repository.CONSENT_VERSION and c.language == "fr"
            for c in session.scalars(select(Consent))
        )


async def test_without_contact_consent_nothing_is_shared(flow: HandoverFlow, sessions) -> None:
    (ask,) = await flow.start(WHO)
    (reply,) = await flow.button(WHO, payload(ask, texts.NO))

    assert "Exemple Dakar" in reply.text
    with sessions.begin() as session:
        assert session.execute(select(Case)).first() is None


async def test_stale_or_foreign_buttons_change_nothing(flow: HandoverFlow) -> None:
    (ask,) = await flow.start(WHO)
    contact_yes = payload(ask, texts.YES)
    await flow.button(WHO, contact_yes)

    (again,) = await flow.button(WHO, contact_yes)
    assert again.text == translate("fr", texts.ASK_FOLLOW_UP)
    assert await flow.button(Who("someone-else", "fr", None), contact_yes) == []


async def test_messages_go_to_the_thread_and_the_person_is_told_once(
    flow: HandoverFlow, sessions, box
) -> None:
    await queue_a_case(flow)

    (told,) = await flow.typed(WHO, "bonjour, je suis là")
    assert told.text == translate("fr", texts.PASSED_ON)
    assert await flow.typed(WHO, "vous êtes là ?") == []
    with sessions.begin() as session:
        case = session.execute(select(Case)).scalar_one()
        assert [e.text for e in cases.thread(session, box, case.id)] == [
            "bonjour, je suis là",
            "vous êtes là ?",
        ]


async def test_a_message_handled_again_after_a_crash_is_in_the_thread_once(
    flow: HandoverFlow, sessions, box
) -> None:
    await queue_a_case(flow)
    who = Who(WHO.pseudonym, WHO.language, WHO.centre, update_id=77)

    await flow.typed(who, "bonjour")
    assert await flow.typed(who, "bonjour") == []

    with sessions.begin() as session:
        case = session.execute(select(Case)).scalar_one()
        assert [e.text for e in cases.thread(session, box, case.id)] == ["bonjour"]


@pytest.mark.parametrize("word", ["annuler", "Cancel", "إلغاء", "cancelar"])
async def test_cancel_words_end_the_wait(flow: HandoverFlow, sessions, word: str) -> None:
    await queue_a_case(flow)

    (reply,) = await flow.typed(WHO, word)

    assert reply.text == translate("fr", texts.CANCELLED)
    with sessions.begin() as session:
        assert session.execute(select(Case.outcome)).scalar_one() == "cancelled"


async def test_withdrawing_share_removes_the_profile_from_the_packet(
    flow: HandoverFlow, sessions, box
) -> None:
    await queue_a_case(flow)
    with sessions.begin() as session:
        case = session.execute(select(Case)).scalar_one()
        cases.set_packet(box, case, {**cases.packet(box, case), "profile": {"x": "y"}})

    (reply,) = await flow.withdraw(WHO, "c:share_assessment")

    assert reply.text.startswith("C'est fait")
    with sessions.begin() as session:
        assert "profile" not in cases.packet(box, session.execute(select(Case)).scalar_one())


async def test_emergency_handover_is_urgent(flow: HandoverFlow, sessions) -> None:
    await queue_a_case(flow, urgent=True)

    with sessions.begin() as session:
        assert session.execute(select(Case.priority)).scalar_one() == cases.URGENT


async def test_rating_after_close(flow: HandoverFlow, sessions, box) -> None:
    await queue_a_case(flow)
    with sessions.begin() as session:
        case = session.execute(select(Case)).scalar_one()
        cases.close(session, box, case, "assisted", "", datetime.utcnow())
        case_id = case.id

    (thanks,) = await flow.rate(WHO, f"r:{case_id}:4")

    assert thanks.text == translate("fr", texts.RATING_THANKS)
    with sessions.begin() as session:
        assert session.get(Case, case_id).rating == 4


async def test_watcher_alerts_once_and_requeues_abandoned_claims(
    flow, alerts, sessions, box
) -> None:
    await queue_a_case(flow)
    clear_outbox(sessions)
    later = datetime.utcnow() + timedelta(minutes=20)
    unclaimed, inactive = (lambda case: 15), timedelta(hours=1)

    with sessions() as session:
        case_id = session.execute(select(Case.id)).scalar_one()

    alert_unclaimed(sessions, alerts, unclaimed, later)
    alert_unclaimed(sessions, alerts, unclaimed, later)
    waiting = f"Le cas n° {case_id} attend depuis plus de 15 minutes (priorité : normale)."
    assert queued_alerts(sessions, box) == [(CASEWORKER_CHAT_ID, waiting)]

    with sessions.begin() as session:
        assert cases.claim(session, case_id, caseworker_id=7, now=later)
    much_later = later + timedelta(hours=2)
    requeue_idle(sessions, box, inactive, much_later)
    with sessions.begin() as session:
        assert session.get(Case, case_id).status == cases.QUEUED
        (entry,) = cases.thread(session, box, case_id)
    assert cases.read_event(entry.text) == (cases.REQUEUED_EVENT, {"hours": "1"})


async def test_my_data_lists_assessments_consents_and_the_open_case(flow: HandoverFlow) -> None:
    await queue_a_case(flow)

    (reply,) = await flow.my_data(WHO, Reply("Voici ce que je garde", (("Menu", "/help"),)))

    assert reply.text.startswith("Voici ce que je garde")
    assert translate("fr", texts.OPEN_CASE_LINE) in reply.text
    assert "qu'un référent m'écrive ici : oui" in reply.text
    assert "qu'on me recontacte pour un suivi : non" in reply.text
    assert [payload for _, payload in reply.buttons] == ["c:caseworker_contact", "/help"]


async def test_a_crisis_during_an_open_case_makes_it_urgent_and_alerts(
    flow: HandoverFlow, sessions, box
) -> None:
    await queue_a_case(flow)
    clear_outbox(sessions)
    who = Who("person-1", "fr", "dakar-demo", update_id=41)

    (told,) = await flow.escalate(who, "il me frappe encore", ("violence",))
    again = await flow.escalate(who, "il me frappe encore", ("violence",))

    assert told.text == translate("fr", texts.PASSED_ON_URGENT)
    assert again == [told], "the same update handled again adds nothing"
    with sessions() as session:
        case = session.execute(select(Case)).scalar_one()
        assert case.priority == cases.URGENT
        assert cases.packet(box, case)["crisis"] == ["violence"]
        thread = cases.thread(session, box, case.id)
    assert [(e.kind, e.text) for e in thread][-2][1] == "il me frappe encore"
    assert cases.read_event(thread[-1].text) == (cases.CRISIS_EVENT, {"kinds": ["violence"]})
    ((chat_id, alert),) = queued_alerts(sessions, box)
    assert chat_id == CASEWORKER_CHAT_ID and str(case.id) in alert
    assert "frappe" not in alert, "no personal data in the alert"


async def test_a_crisis_without_a_case_changes_nothing(flow: HandoverFlow, sessions) -> None:
    assert await flow.escalate(Who("nobody", "fr", None, case_open=True), "x", ("danger",)) == []
    with sessions() as session:
        assert session.execute(select(Case)).first() is None


async def test_a_crisis_while_the_request_is_drafted_keeps_the_persons_place(
    flow: HandoverFlow, sessions, box
) -> None:
    (ask,) = await flow.start(WHO)
    (ask,) = await flow.button(WHO, payload(ask, texts.YES))  # contact
    (ask,) = await flow.button(WHO, payload(ask, texts.NO))  # follow-up

    (next_question,) = await flow.escalate(WHO, "on me menace de mort", ("danger",))

    assert next_question.text == translate("fr", texts.ASK_CONTACT_TIME)
    with sessions() as session:
        case = session.execute(select(Case)).scalar_one()
        assert case.priority == cases.URGENT
        packet = cases.packet(box, case)
    assert packet["help_with"] == "on me menace de mort"
    assert packet["crisis"] == ["danger"]


async def test_a_queued_case_is_alerted_through_the_outbox_with_no_personal_data(
    flow: HandoverFlow, sessions, box
) -> None:
    await queue_a_case(flow)

    with sessions() as session:
        case_id = session.execute(select(Case.id)).scalar_one()
    assert queued_alerts(sessions, box) == [
        (CASEWORKER_CHAT_ID, f"Nouveau cas n° {case_id} dans la file (priorité : normale).")
    ]


async def test_an_alert_is_stored_with_the_decision_or_not_at_all(
    flow: HandoverFlow, sessions, box, monkeypatch: pytest.MonkeyPatch
) -> None:
    (ask,) = await flow.start(WHO)
    (ask,) = await flow.button(WHO, payload(ask, texts.YES))  # contact
    (ask,) = await flow.button(WHO, payload(ask, texts.NO))  # follow-up
    (ask,) = await flow.typed(WHO, "trouver du travail")

    def broken_audit(*args, **kwargs) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(cases, "audit", broken_audit)
    with pytest.raises(RuntimeError):
        await flow.button(WHO, payload(ask, CONTACT_TIME_LABELS["morning"]))

    assert queued_alerts(sessions, box) == []
    with sessions() as session:
        assert session.execute(select(Case.status)).scalar_one() == cases.DRAFT


async def test_without_a_caseworker_chat_alerts_go_to_the_log(
    sessions, box, centres: CentreDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    flow = HandoverFlow(load_definition(), sessions, box, centres, CaseworkerAlerts(box))

    await queue_a_case(flow)

    assert queued_alerts(sessions, box) == []
    assert "dans la file (priorité : normale)." in caplog.text


def test_unclaimed_limits_follow_the_priority_and_the_centres_own_setting(
    centres: CentreDirectory,
) -> None:
    settings = load_settings(
        {"URGENT_ALERT_MINUTES": "4", "HIGH_ALERT_MINUTES": "9", "UNCLAIMED_ALERT_MINUTES": "20"}
    )
    dakar = centres.get("dakar-demo")
    own = replace(dakar, alert_minutes={"urgent": 2})
    limit = unclaimed_limits(settings, CentreDirectory([own, *[c for c in centres if c != dakar]]))

    def case(priority: int, centre: str) -> Case:
        return Case(priority=priority, centre_code=centre)

    assert limit(case(cases.URGENT, "dakar-demo")) == 2, "the centre's own setting"
    assert limit(case(cases.HIGH, "dakar-demo")) == 9
    assert limit(case(cases.NORMAL, "dakar-demo")) == 20
    assert limit(case(cases.URGENT, "rabat-demo")) == 4
    assert limit(case(cases.URGENT, None)) == 4


async def test_an_urgent_case_is_alerted_before_a_normal_one(flow, alerts, sessions, box) -> None:
    await queue_a_case(flow)
    with sessions.begin() as session:
        normal = session.execute(select(Case)).scalar_one()
        urgent = Case(
            pseudonym="p" * 32, status=cases.QUEUED, priority=cases.URGENT, language="ar",
            centre_code="rabat-demo", queued_at=normal.queued_at,
            created_at=normal.queued_at, packet=normal.packet,
        )  # fmt: skip
        session.add(urgent)
        session.flush()
        urgent_id, normal_id = urgent.id, normal.id
    clear_outbox(sessions)
    minutes = {cases.URGENT: 5, cases.HIGH: 10, cases.NORMAL: 15}

    alert_unclaimed(
        sessions, alerts, lambda c: minutes[c.priority], datetime.utcnow() + timedelta(minutes=6)
    )

    assert queued_alerts(sessions, box) == [
        (
            CASEWORKER_CHAT_ID,
            f"Le cas n° {urgent_id} attend depuis plus de 5 minutes (priorité : urgente).",
        )
    ]
    clear_outbox(sessions)
    alert_unclaimed(
        sessions, alerts, lambda c: minutes[c.priority], datetime.utcnow() + timedelta(minutes=16)
    )
    assert queued_alerts(sessions, box) == [
        (
            CASEWORKER_CHAT_ID,
            f"Le cas n° {normal_id} attend depuis plus de 15 minutes (priorité : normale).",
        )
    ]


@pytest.mark.parametrize(("days_ago", "expected"), [(30, cases.HIGH), (120, cases.NORMAL)])
async def test_a_person_back_soon_after_an_urgent_case_starts_at_high_priority(
    flow: HandoverFlow, sessions, box, days_ago: int, expected: int
) -> None:
    with sessions.begin() as session:
        earlier = cases.create_draft(
            session, box, WHO.pseudonym, "fr", "dakar-demo", {}, cases.URGENT, "contact_time"
        )
        earlier.created_at = datetime.utcnow() - timedelta(days=days_ago)
        cases.enqueue(earlier, earlier.created_at)
        cases.close(session, box, earlier, "referred", "refuge", earlier.created_at)

    await queue_a_case(flow)

    with sessions() as session:
        case = session.execute(select(Case).where(Case.status == cases.QUEUED)).scalar_one()
    assert case.priority == expected


async def test_sharing_the_assessment_adds_town_and_contact_language_and_withdrawing_removes_them(
    flow: HandoverFlow, sessions, box
) -> None:
    answers = {"prof_town": "Thiès", "prof_contact_language": "ar"}
    result = {"version": 2, "scores": {"social": 0.5}, "composite": 0.5, "flags": []}
    with sessions.begin() as session:
        progress = seal(box, {"answers": answers, "history": [], "current": None})
        assessment = repository.create_assessment(session, WHO.pseudonym, 2, progress)
        assessment.status = repository.COMPLETED
        assessment.result = seal(box, result)

    (ask,) = await flow.start(WHO)
    assert ask.text == translate("fr", texts.ASK_SHARE)
    await flow.button(WHO, payload(ask, texts.YES))

    def packet() -> dict:
        with sessions() as session:
            return cases.packet(box, session.execute(select(Case)).scalar_one())

    assert packet()["town"] == "Thiès" and packet()["contact_language"] == "ar"
    await flow.withdraw(WHO, "c:share_assessment")
    assert not {"profile", "flags", "town", "contact_language"} & set(packet())
