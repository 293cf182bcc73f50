"""Names shared by the gateway, the Rasa glue, the actions and the NLG server.

Intent names are fixed: tests, evaluation sets and analytics rely on them. ``docs/intents.md``
lists each with its meaning and examples; the information topics are registered in
``data/topics.yml``, the languages in ``data/languages.yml``. Button payloads and callback
prefixes are a contract between what Rasa/NLG sends and what the gateway understands, so they
live here and nowhere else.
"""

from __future__ import annotations

from bot import languages, topics

# The supported languages, from their registry (data/languages.yml, bot.languages); the first
# is the source language of every text.
LANGUAGES: tuple[str, ...] = languages.codes()
DEFAULT_LANGUAGE = LANGUAGES[0]
RTL_LANGUAGES: frozenset[str] = frozenset(lang.code for lang in languages.languages() if lang.rtl)
# Each language named in itself, as the picker shows it.
LANGUAGE_NATIVE_NAMES: dict[str, str] = {
    lang.code: lang.native_name for lang in languages.languages()
}

# The information topics, in the order of their registry (data/topics.yml, bot.topics).
INFO_INTENTS: tuple[str, ...] = topics.intents()
CONVERSATION_INTENTS: tuple[str, ...] = (
    "start_assessment",
    "request_caseworker",
    "emergency",
    "change_language",
    "my_data",
    "delete_my_data",
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "help",
    "bot_challenge",
    "stop",
    "out_of_scope",
)
INTENTS: tuple[str, ...] = INFO_INTENTS + CONVERSATION_INTENTS
FALLBACK_INTENT = "nlu_fallback"

# Metadata keys the gateway sends with every message to Rasa.
META_LANGUAGE = "language"
META_CENTRE = "centre"

# Button payloads. "/intent" is parsed by Rasa without NLU; "lang:xx" is handled by the gateway
# itself because a language switch must take effect before anything is rendered.
LANGUAGE_CALLBACK_PREFIX = "lang:"
MENU_PAYLOAD = "/help"
MORE_TOPICS_PAYLOAD = '/help{"menu_page": "more"}'
MENU_PAGE_ENTITY = "menu_page"
MENU_PAGE_MORE = "more"
ASSESSMENT_PAYLOAD = "/start_assessment"
CASEWORKER_PAYLOAD = "/request_caseworker"
CONTACT_PAYLOAD = "/info_contact_centre"

# Custom JSON that actions send to the gateway, which owns language and assessment state.
CUSTOM_SET_LANGUAGE = "set_language"
CUSTOM_OFFER_ASSESSMENT = "offer_assessment"
CUSTOM_STOP = "stop"
CUSTOM_NOT_UNDERSTOOD = "not_understood"
CUSTOM_OFFER_HANDOVER = "offer_handover"
CUSTOM_MY_DATA = "my_data"
CUSTOM_TOPIC = "topic"
# The model recognised an emergency: the gateway answers with its crisis help.
CUSTOM_CRISIS = "crisis"
# The model's confidence it takes for its emergency intent alone to bring crisis help
# (bench/crisis_eval.py); below, the person is offered topics, the Emergency button first.
EMERGENCY_MIN_CONFIDENCE = 0.6

# Self-assessment buttons: "a:<assessment id>:<question id or step>[:<value>]".
ASSESSMENT_CALLBACK_PREFIX = "a:"
# Handover: "h:<case id>:<step>:<value>", or "h:urgent" from an emergency answer.
HANDOVER_CALLBACK_PREFIX = "h:"
URGENT_HANDOVER_PAYLOAD = "h:urgent"
# Rating a closed case: "r:<case id>:<1-5>". Consent withdrawal: "c:<purpose>".
RATING_CALLBACK_PREFIX = "r:"
WITHDRAW_CALLBACK_PREFIX = "c:"
# Services near the person for a topic: "s:<topic>:<region id>" (bot.directory.region_id).
SERVICES_CALLBACK_PREFIX = "s:"
# A crisis answer for a person whose centre is unknown: "x:<crisis kind>:<country code>".
CRISIS_CALLBACK_PREFIX = "x:"
# A centre's contacts asked by a person whose centre is unknown: "k:<country code>".
CENTRE_CALLBACK_PREFIX = "k:"


# Row ids in button data fit the database's 32-bit integers; anything else is forged.
MAX_ROW_ID = 2**31 - 1


def row_id(raw: str) -> int | None:
    """A row id from button data, or None when it cannot be one (not ASCII digits, too big)."""
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if value <= MAX_ROW_ID else None


def intent_payload(intent: str) -> str:
    """The button payload that triggers ``intent`` directly, skipping NLU."""
    return f"/{intent}"


def language_payload(language: str) -> str:
    """The button payload that switches the person to ``language``."""
    return f"{LANGUAGE_CALLBACK_PREFIX}{language}"


# Telegram commands and the intent each one stands for. /start and /language are handled by the
# gateway first (deep-link centre, language picker) and then reach Rasa as the intent below.
COMMAND_INTENTS: dict[str, str] = {
    "start": "greet",
    "help": "help",
    "assessment": "start_assessment",
    "caseworker": "request_caseworker",
    "mydata": "my_data",
    "forget": "delete_my_data",
    "stop": "stop",
    "language": "change_language",
}

# Consent purposes, recorded per decision with the text's version and language.
CONSENT_KEEP = "keep_answers"
CONSENT_SHARE = "share_assessment"
CONSENT_CONTACT = "caseworker_contact"
CONSENT_FOLLOW_UP = "follow_up"
CONSENT_PURPOSES = (CONSENT_KEEP, CONSENT_SHARE, CONSENT_CONTACT, CONSENT_FOLLOW_UP)

# Seconds an idle keep-alive connection of our HTTP clients stays open: below the 5 s after
# which the servers they call (Sanic for Rasa and the action server, uvicorn) close one, so
# that a request never goes out on a connection the server is closing.
KEEPALIVE = 2.0
