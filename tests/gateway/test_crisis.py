"""Crisis help: the right line first, the country asked when the centre is unknown, and a
crisis said in the middle of a questionnaire, an open case or any other answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.centres import CentreDirectory
from bot.crisis.kinds import BY_ID, GENERAL
from bot.gateway import crisis as texts
from bot.gateway.assessment import CONTINUE_LATER, CONTINUE_NOW, CRISIS_PAUSE
from bot.gateway.conversation import Conversation, Turn
from bot.gateway.crisis import CrisisHelp
from bot.i18n import translate
from bot.storage import repository
from bot.storage.models import Assessment


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.startswith("☎")]


@pytest.mark.parametrize(
    ("kind", "first"),
    [
        ("violence", "Violences faites aux femmes : 8350"),
        ("child_alone", "Protection de l'enfance : 2511"),
        ("medical", "Ambulance / urgences médicales : 15"),
        ("danger", "Police : 19"),
        # No anti-trafficking line in the example data: the police stands in.
        ("trafficking", "Police : 19"),
    ],
)
def test_each_kind_puts_its_own_line_first(crisis: CrisisHelp, kind: str, first: str) -> None:
    (reply,) = crisis.render((kind,), "fr", "rabat-demo")

    assert reply.text.startswith(translate("fr", BY_ID[kind].text))
    assert _lines(reply.text)[0] == f"☎ {first}"
    assert ("Parler à quelqu'un maintenant", "h:urgent") in reply.buttons
    assert reply.alone


def test_no_shelter_gives_the_centres_help_not_the_police(crisis: CrisisHelp) -> None:
    (reply,) = crisis.render(("no_shelter",), "fr", "dakar-demo")

    assert _lines(reply.text) == ["☎ Hébergement d'urgence : +221 30 000 00 11"]
    assert "Centre de ressources Exemple Dakar (fictif)" in reply.text
    assert "Police" not in reply.text and "Pompiers" not in reply.text


def test_unknown_centre_is_asked_its_country_not_shown_three(
    crisis: CrisisHelp, centres: CentreDirectory
) -> None:
    (reply,) = crisis.render(("self_harm",), "es", None)

    assert _lines(reply.text) == []
    assert translate("es", texts.WHICH_COUNTRY) in reply.text
    countries = ["x:self_harm:SN", "x:self_harm:MA", "x:self_harm:TN"]
    assert [p for _, p in reply.buttons] == [*countries, "h:urgent"]
    assert reply.buttons[1][0] == "Marruecos"


async def test_the_country_button_gives_that_countrys_lines(crisis: CrisisHelp) -> None:
    (reply,) = await crisis.button("x:violence:TN", "fr")

    assert _lines(reply.text)[:2] == ["☎ Violences faites aux femmes : 1899", "☎ Police : 197"]


async def test_a_forged_country_button_still_gets_help(crisis: CrisisHelp) -> None:
    (reply,) = await crisis.button("x:nonsense:ZZ", "fr")

    assert reply.text.startswith(translate("fr", GENERAL.text))
    assert ("Parler à quelqu'un maintenant", "h:urgent") in reply.buttons


# Through the conversation core, with Rasa down: help never waits for the model. -------------


@pytest.mark.parametrize(
    "text", ["/stop je veux mourir", "non. je veux mourir", "je veux me suicider, au revoir"]
)
async def test_a_crisis_wins_over_stop_deny_and_goodbye(
    offline_conversation: Conversation, text: str
) -> None:
    replies = await offline_conversation.text(Turn("c-1", "fr"), text)

    assert replies[0].text.startswith(translate("fr", BY_ID["self_harm"].text))


async def test_help_comes_in_the_language_of_the_message(
    offline_conversation: Conversation,
) -> None:
    await offline_conversation.button(Turn("c-2", "fr"), "x:danger:MA")
    replies = await offline_conversation.text(Turn("c-2", "fr"), "ya no quiero vivir")

    assert replies[0].text.startswith(translate("es", BY_ID["self_harm"].text))


async def test_a_crisis_in_the_questionnaire_pauses_it(
    offline_conversation: Conversation, sessions
) -> None:
    turn = Turn("c-3", "fr")
    await offline_conversation.button(turn, "a:0:begin:keep")

    help_, pause = await offline_conversation.text(Turn("c-3", "fr"), "je veux mourir")

    assert help_.text.startswith(translate("fr", BY_ID["self_harm"].text))
    assert pause.text == translate("fr", CRISIS_PAUSE)
    titles = [title for title, _ in pause.buttons]
    assert titles == [translate("fr", CONTINUE_NOW), translate("fr", CONTINUE_LATER)]
    with sessions() as session:
        assessment = session.execute(select(Assessment)).scalar_one()
        assert assessment.status == repository.PAUSED


async def test_a_caption_or_an_edit_with_a_crisis_gets_help(
    offline_conversation: Conversation,
) -> None:
    replies = await offline_conversation.notice(Turn("c-4", "fr"), "photo", "il me frappe")
    plain = await offline_conversation.notice(Turn("c-4", "fr"), "photo", "mon acte de naissance")

    assert replies[0].text.startswith(translate("fr", BY_ID["violence"].text))
    assert plain[0].text == "photo"


async def test_the_country_chosen_gives_its_only_centre(
    offline_conversation: Conversation, people
) -> None:
    await offline_conversation.button(Turn("c-5", "fr"), "x:danger:MA")

    assert (await people.profile("c-5", "fr")).centre == "rabat-demo"
