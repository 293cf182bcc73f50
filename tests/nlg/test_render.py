"""NLG rendering: every response in every language, with the right context filled in."""

from __future__ import annotations

import pytest

from bot.constants import INFO_INTENTS, LANGUAGES, MORE_TOPICS_PAYLOAD
from bot.nlg.render import DISCLAIMER, Renderer
from bot.nlg.templates import load_templates


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_response_renders_without_leftover_placeholders(
    renderer: Renderer, language: str
) -> None:
    for name in load_templates():
        rendered = renderer.render(name, language, "dakar-demo")
        assert rendered.text and "{" not in rendered.text, (name, language)
        assert all(title for title, _ in rendered.buttons), (name, language)


def test_every_info_intent_has_an_answer(renderer: Renderer) -> None:
    assert {f"utter_{intent}" for intent in INFO_INTENTS} <= renderer.response_names


def test_info_answers_carry_the_caveat_and_next_steps(renderer: Renderer) -> None:
    rendered = renderer.render("utter_info_financial_aid", "fr")

    assert rendered.text.endswith(DISCLAIMER)
    payloads = [payload for _, payload in rendered.buttons]
    assert payloads == ["/start_assessment", "/request_caseworker", MORE_TOPICS_PAYLOAD, "/help"]


def test_answers_are_in_the_requested_language(renderer: Renderer) -> None:
    french = renderer.render("utter_info_health", "fr").text
    english = renderer.render("utter_info_health", "en").text
    arabic = renderer.render("utter_info_health", "ar").text

    assert french != english != arabic
    assert any("\u0600" <= c <= "\u06ff" for c in arabic)
    assert renderer.render("utter_info_health", "de").text == french


def test_contact_details_come_from_the_centres_file(renderer: Renderer) -> None:
    text = renderer.render("utter_info_contact_centre", "es", "dakar-demo").text

    assert "Centro de recursos Ejemplo Dakar (ficticio)" in text
    assert "12 calle del Ejemplo, Plateau, Dakar" in text
    assert "+221 30 000 00 01" in text
    assert "Rabat" not in text


def test_without_a_centre_the_contacts_start_with_a_choice_of_country(
    renderer: Renderer,
) -> None:
    rendered = renderer.render("utter_info_contact_centre", "ar", None)

    assert "Centre de ressources" not in rendered.text and "+221" not in rendered.text
    assert rendered.buttons[:3] == (("السنغال", "k:SN"), ("المغرب", "k:MA"), ("تونس", "k:TN"))


def test_the_centre_s_name_is_in_the_reader_s_language(renderer: Renderer) -> None:
    text = renderer.render("utter_info_contact_centre", "ar", "rabat-demo").text

    assert "مركز الموارد النموذجي في الرباط (وهمي)" in text
    assert "Centre de ressources" not in text


def test_suggestions_become_buttons_plus_the_menu(renderer: Renderer) -> None:
    rendered = renderer.render(
        "utter_suggest_topics",
        "en",
        suggestions=["greet", "info_health", "info_housing_food", "emergency", "info_business"],
    )

    payloads = [payload for _, payload in rendered.buttons]
    assert payloads == ["/info_health", "/info_housing_food", "/emergency", "/help"]


def test_language_buttons_keep_native_names(renderer: Renderer) -> None:
    titles = [title for title, _ in renderer.render("utter_welcome", "ar").buttons]

    assert titles == ["Français", "English", "العربية", "Español"]
