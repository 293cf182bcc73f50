"""Hypothesis strategies for odd Telegram updates.

What Telegram may send one day (update types and fields this python-telegram-bot does not
know), what a misbehaving client or a forged request could send (huge texts, forged or stale
button data, wrong types, missing fields), and what real people do (right-to-left scripts,
emoji sequences, edits, groups).

Two families, both without ``update_id`` (like the fake Bot API's builders, which number the
updates they queue; webhook tests add their own), each also by kind (``odd_kinds``,
``junk_kinds``) for a test that must meet every kind:

- ``odd_update(user_id)``: odd, but python-telegram-bot can still read it, so the handlers
  get to see it.
- ``junk_update(user_id)``: anything shaped like an update, from a wrong type deep inside to a
  missing required field or an update type nobody knows: the worker must set it aside.

Every update built for ``user_id`` concerns that person only (their private chat, or a group
or channel of their own), so that a test can tell whose reply is whose.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st
from telegram import Update

from bot.constants import (
    ASSESSMENT_CALLBACK_PREFIX,
    HANDOVER_CALLBACK_PREFIX,
    LANGUAGE_CALLBACK_PREFIX,
    MENU_PAYLOAD,
    MORE_TOPICS_PAYLOAD,
    RATING_CALLBACK_PREFIX,
    SERVICES_CALLBACK_PREFIX,
    WITHDRAW_CALLBACK_PREFIX,
)
from bot.gateway.conversation import DELETE_MESSAGES_PAYLOAD, FORGET_CONFIRM
from bot.gateway.handover import CONSENT_PURPOSES, CONTACT_TIME_LABELS
from bot.questionnaire.definition import load_definition
from tests.fakes.bot_api import BOT_FIRST_NAME, BOT_ID, BOT_USERNAME

JSON = Any
MAX_CALLBACK_BYTES = 64
TELEGRAM_TEXT_LIMIT = 4096

_DEFINITION = load_definition(check_translations=False)
QUESTION_IDS = [question.id for question in _DEFINITION.questions]
OPTION_IDS = sorted({option.id for q in _DEFINITION.questions for option in q.options})
HANDOVER_STEPS = ["share", "contact", "follow_up", "help_with", "contact_time"]
TOPICS = ["info_health", "info_housing", "info_legal_documents", "info_business", "info_x"]

# Names a later Bot API might give new update types: the gateway must let them pass quietly.
FUTURE_UPDATE_TYPES = [
    "message_reaction_v2",
    "guest_message_v2",
    "paid_media_purchase",
    "story",
    "gift_received",
    "checklist_tasks_done",
]

# What a person or Telegram must never be shown: traces of the code, its exceptions, its SQL.
INTERNALS = re.compile(
    r"Traceback|File \"|\b[A-Z]\w*(Error|Exception)\b|sqlalchemy|sqlite3|psycopg|NoneType"
    r"|has no attribute|\.py\b|\b(SELECT|INSERT INTO|UPDATE \w+ SET)\b"
)


def leaks_internals(text: str) -> bool:
    return INTERNALS.search(text) is not None


# --------------------------------------------------------------------------------- pieces

# Surrogates cannot be encoded as UTF-8: Telegram never sends them (the webhook tests send
# lone ones on purpose, through JSON escapes).
unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)

RTL_FRAGMENTS = [
    "مرحبا",
    "أحتاج مساعدة في السكن",
    "السلام عليكم، رجعت من ليبيا",
    "شالوم",
    "אני צריך עזרה",
    "سلام، کمک می‌خواهم",
    "\u200f",  # right-to-left mark
    "\u200e",  # left-to-right mark
    "\u202e",  # right-to-left override: flips what follows
    "\u202b",  # right-to-left embedding
    "\u202c",  # pop directional formatting
    "\u2067",  # right-to-left isolate
    "\u2069",  # pop directional isolate
    "\u0640\u0640",  # tatweel
    "١٢٣",  # Arabic-Indic digits
    "۴۵",  # extended Arabic-Indic digits
    " ",
    "?",
    "؟",
    "bonjour",
]
EMOJI_FRAGMENTS = [
    "👨\u200d👩\u200d👧\u200d👦",  # family: ZWJ sequence
    "🏳️\u200d🌈",
    "👩🏽\u200d💻",
    "🧑🏿\u200d🤝\u200d🧑🏻",
    "🇲🇦",
    "🇸🇳",
    "1️⃣",
    "❤️",
    "👍🏾",
    "\ufe0f",  # variation selector alone
    "\u200d",  # zero-width joiner alone
    "\u200b",  # zero-width space
    "🫶",
    "ok",
    " ",
]


def _containers(inner: st.SearchStrategy[JSON]) -> st.SearchStrategy[JSON]:
    # A named function: Hypothesis reads a lambda's source to check that it recurses, and
    # warns wrongly when it cannot find it.
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)


def _joined(fragments: list[str], max_size: int = 12) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(fragments), min_size=1, max_size=max_size).map("".join)


rtl_text = st.one_of(
    _joined(RTL_FRAGMENTS),
    st.text(st.characters(min_codepoint=0x0590, max_codepoint=0x06FF), min_size=1, max_size=60),
)
emoji_text = _joined(EMOJI_FRAGMENTS)


@st.composite
def long_text(draw: st.DrawFn, min_size: int = 4000, max_size: int = 100_000) -> str:
    """A text from just under Telegram's limit to far beyond it, built by repetition: drawing
    100,000 characters one by one would exceed what Hypothesis can generate."""
    # Half of them around Telegram's limit, where an off-by-one would show.
    near_limit = st.integers(TELEGRAM_TEXT_LIMIT - 4, TELEGRAM_TEXT_LIMIT + 4)
    size = draw(st.one_of(near_limit, st.integers(min_size, max_size)))
    piece = draw(
        st.one_of(st.sampled_from(["a", "مرحبا ", "👨\u200d👩\u200d👧 ", "é\u0301"]), rtl_text)
    )
    return (piece * (size // len(piece) + 1))[:size]


commands = st.one_of(
    st.sampled_from(
        [
            "/start",
            "/START",
            "/start@returnee_test_bot",
            "/start@someone_else_bot",
            "/start " + "x" * 500,
            "/start ../../etc/passwd",
            "/start DROP TABLE people;",
            "/",
            "/@",
            "//",
            "/forget",
            "/stop",
            "/help",
            "/assessment",
            "/nosuchcommand",
            "/стоп",
            "/ابدأ",
        ]
    ),
    st.builds(lambda word, rest: f"/{word} {rest}", st.text(max_size=10), unicode_text),
)
whitespace = st.sampled_from(["", " ", "\n\n", "\t", "\u200b", "\u00a0", "\u3000", " \u200f "])

phrases = st.sampled_from(
    ["bonjour", "hello", "necesito ayuda", "أريد العمل", "oui", "non", "1", "je veux un conseiller"]
)
odd_text = st.one_of(
    unicode_text,
    rtl_text,
    emoji_text,
    long_text(),
    commands,
    whitespace,
    phrases,
)


def _clip(data: str) -> str:
    """Callback data is 1 to 64 bytes: cut at a byte boundary that keeps valid UTF-8."""
    return data.encode()[:MAX_CALLBACK_BYTES].decode(errors="ignore")


# Ids as a forged payload may carry them: wrong, negative, beyond any integer column, or
# digits that str.isdigit() accepts and int() refuses.
forged_ids = st.one_of(
    st.integers(0, 10**6).map(str),
    st.sampled_from(["", "-1", "0", "007", "9" * 20, "²", "٣", "1e3", " 1", "0x1f", "١٢"]),
)
junk_piece = st.one_of(st.text(max_size=12), st.sampled_from(["", ":", "::", "~skip", "yes"]))


def _payload(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map(lambda pieces: _clip(":".join(pieces)))


callback_data = st.one_of(
    st.text(max_size=MAX_CALLBACK_BYTES).map(_clip),
    st.sampled_from(
        [
            FORGET_CONFIRM,
            DELETE_MESSAGES_PAYLOAD,
            "forget:",
            "forget:all",
            "h:urgent",
            "a:0:begin:keep",
            "a:0:begin:nokeep",
            MENU_PAYLOAD,
            MORE_TOPICS_PAYLOAD,
            '/help{"menu_page": "junk"}',
            '/help{"menu_page": ',
            "/start_assessment",
            "/request_caseworker",
            "/nlu_fallback",
            "/restart",
            "/session_start",
        ]
    ),
    st.builds(
        lambda language: _clip(LANGUAGE_CALLBACK_PREFIX + language),
        st.one_of(st.sampled_from(["ar", "fr", "en", "es", "de", "", "AR", "ar "]), junk_piece),
    ),
    _payload(
        st.just(ASSESSMENT_CALLBACK_PREFIX.rstrip(":")),
        forged_ids,
        st.one_of(st.sampled_from(QUESTION_IDS + ["begin", "resume", "restart", "cw"]), junk_piece),
        st.one_of(
            st.sampled_from(OPTION_IDS + ["~skip", "~back", "~stop", "yes", "no"]), junk_piece
        ),
    ),
    _payload(
        st.just(HANDOVER_CALLBACK_PREFIX.rstrip(":")),
        forged_ids,
        st.one_of(st.sampled_from(HANDOVER_STEPS), junk_piece),
        st.one_of(st.sampled_from(["yes", "no", "~skip", *CONTACT_TIME_LABELS]), junk_piece),
    ),
    _payload(
        st.just(RATING_CALLBACK_PREFIX.rstrip(":")),
        forged_ids,
        st.one_of(st.sampled_from(["1", "5", "0", "6", "", "12", "345"]), junk_piece),
    ),
    st.builds(
        lambda purpose: _clip(WITHDRAW_CALLBACK_PREFIX + purpose),
        st.one_of(st.sampled_from(CONSENT_PURPOSES), junk_piece),
    ),
    _payload(
        st.just(SERVICES_CALLBACK_PREFIX.rstrip(":")),
        st.one_of(st.sampled_from(TOPICS), junk_piece),
        st.one_of(st.sampled_from(["casablanca", "dakar", "", "ÉVRY"]), junk_piece),
    ),
)

languages = st.one_of(
    st.sampled_from(["fr", "en", "ar", "es", "de", "he", "fa", "zh-hans", "pt-br", "AR", "ar_MA"]),
    st.sampled_from(["", " ", "xx-YY-zz", "-", "_"]),
    st.text(max_size=8),
)
names = st.one_of(st.sampled_from(["Amina", "Moussa", "José"]), rtl_text, emoji_text, unicode_text)
message_ids = st.one_of(st.integers(1, 5_000), st.integers(1, 2**31 - 1), st.just(0))
dates = st.one_of(st.integers(1_600_000_000, 1_900_000_000), st.sampled_from([0, 1]))


def user(user_id: int) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {"id": st.just(user_id), "is_bot": st.just(False), "first_name": names},
        optional={
            "language_code": languages,
            "last_name": names,
            "username": st.from_regex(r"[a-z][a-z0-9_]{4,20}", fullmatch=True),
            "is_premium": st.booleans(),
            "has_main_web_app": st.booleans(),
        },
    )


def chat_id_of(user_id: int, kind: str) -> int:
    """The chat of ``user_id`` of that kind: their private chat, or a group of their own."""
    return {
        "private": user_id,
        "group": -user_id,
        "supergroup": -(10**12) - user_id,
        "channel": -(2 * 10**12) - user_id,
    }[kind]


def chat(user_id: int, kind: str) -> st.SearchStrategy[dict]:
    title = {} if kind == "private" else {"title": names}
    return st.fixed_dictionaries(
        {"id": st.just(chat_id_of(user_id, kind)), "type": st.just(kind), **title},
        optional={"first_name": names} if kind == "private" else {"is_forum": st.booleans()},
    )


def _file(kind: str, **fields: Any) -> dict:
    return {"file_id": f"{kind}-file", "file_unique_id": f"{kind}-uniq", **fields}


def _entities(text: str) -> list[dict]:
    if text.startswith("/"):
        return [{"type": "bot_command", "offset": 0, "length": len(text.split(" ")[0])}]
    return [{"type": "bold", "offset": 0, "length": min(len(text), 3)}] if text else []


def text_content(texts: st.SearchStrategy[str] = odd_text) -> st.SearchStrategy[dict]:
    """A text, with or without the entities Telegram marks in it."""
    return st.tuples(texts, st.booleans()).map(
        lambda pair: {"text": pair[0], **({"entities": _entities(pair[0])} if pair[1] else {})}
    )


def _forwarded(origin_type: str) -> dict:
    return {
        "forward_origin": {
            "type": origin_type,
            "date": 1_700_000_000,
            "sender_user": {"id": 1, "is_bot": False, "first_name": "X"},
        }
    }


media = st.one_of(
    text_content().map(lambda c: {**c, **_forwarded("user")}),
    # An origin type newer than this python-telegram-bot: it reads the update, but keeps the
    # sender as a User object where to_dict() cannot turn it back into JSON.
    text_content().map(lambda c: {**c, **_forwarded("future_origin")}),
    st.builds(
        lambda caption: {
            "photo": [_file("photo", width=90, height=90), _file("photo", width=800, height=800)],
            "caption": caption,
        },
        odd_text,
    ),
    st.builds(
        lambda emoji: {
            "sticker": _file(
                "sticker",
                type="regular",
                width=512,
                height=512,
                is_animated=False,
                is_video=False,
                emoji=emoji,
            )
        },
        emoji_text,
    ),
    st.just({"voice": _file("voice", duration=3)}),
    st.just({"video_note": _file("video_note", length=240, duration=3)}),
    st.builds(
        lambda lat, lon: {"location": {"latitude": lat, "longitude": lon}},
        st.floats(-90, 90),
        st.floats(-180, 180),
    ),
    st.builds(
        lambda name: {"contact": {"phone_number": "+212600000000", "first_name": name}}, names
    ),
    st.builds(lambda value: {"dice": {"emoji": "🎲", "value": value}}, st.integers(1, 6)),
    # A service message, or a kind of content the Bot API has yet to invent.
    st.just({}),
    st.builds(
        lambda key, value: {key: value},
        st.sampled_from(["story_v2", "hologram", "future_content", "gift_v3", "frobnicate"]),
        st.recursive(
            st.none() | st.booleans() | st.integers(-(2**31), 2**31) | unicode_text,
            _containers,
            max_leaves=6,
        ),
    ),
)
content = st.one_of(text_content(), media)


@st.composite
def message(
    draw: st.DrawFn,
    user_id: int,
    kind: str = "private",
    sender: bool = True,
    contents: st.SearchStrategy[dict] = content,
) -> dict:
    """A message in the person's chat of that kind, from them unless ``sender`` is False."""
    body: dict[str, Any] = {
        "message_id": draw(message_ids),
        "date": draw(dates),
        "chat": draw(chat(user_id, kind)),
    }
    if sender:
        body["from"] = draw(user(user_id))
    if kind == "channel":
        body["sender_chat"] = body["chat"]
    body.update(draw(contents))
    return body


def bot_message(user_id: int) -> st.SearchStrategy[dict]:
    """A message the bot sent in the person's chat (what a pressed button sits under)."""
    return st.fixed_dictionaries(
        {
            "message_id": message_ids,
            "date": dates,
            "chat": chat(user_id, "private"),
            "from": st.just(
                {
                    "id": BOT_ID,
                    "is_bot": True,
                    "first_name": BOT_FIRST_NAME,
                    "username": BOT_USERNAME,
                }
            ),
        },
        optional={"text": odd_text},
    )


def callback_query(user_id: int) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "id": st.one_of(st.integers(1, 10**9).map(str), st.just("")),
            "from": user(user_id),
            "chat_instance": st.text(min_size=1, max_size=20),
        },
        optional={"data": callback_data, "message": bot_message(user_id)},
    )


def my_chat_member(user_id: int) -> st.SearchStrategy[dict]:
    """The bot added to, or removed from, a chat (a private one: blocked, unblocked)."""

    def change(chat_data: dict, sender: dict, statuses: tuple[str, str]) -> dict:
        def member(status: str) -> dict:
            bot = {"id": BOT_ID, "is_bot": True, "first_name": BOT_FIRST_NAME}
            # A ban says until when (0: for ever); the other statuses say nothing more here.
            return {
                "status": status,
                "user": bot,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        return {
            "chat": chat_data,
            "from": sender,
            "date": 1_700_000_000,
            "old_chat_member": member(statuses[0]),
            "new_chat_member": member(statuses[1]),
        }

    return st.builds(
        change,
        st.sampled_from(["private", "group", "supergroup"]).flatmap(lambda k: chat(user_id, k)),
        user(user_id),
        st.sampled_from([("left", "member"), ("member", "left"), ("member", "kicked")]),
    )


def reaction(user_id: int) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "chat": chat(user_id, "private"),
            "message_id": message_ids,
            "date": dates,
            "old_reaction": st.just([]),
            "new_reaction": st.lists(
                st.builds(lambda e: {"type": "emoji", "emoji": e}, st.sampled_from("👍🔥❤🤔")),
                max_size=2,
            ),
        },
        optional={"user": user(user_id)},
    )


# --------------------------------------------------------------------------------- updates


def readable(update: dict) -> bool:
    """Whether python-telegram-bot can read the update."""
    try:
        Update.de_json({"update_id": 1, **update}, None)
    except Exception:  # noqa: BLE001 - whatever PTB raises, the update is unreadable
        return False
    return True


def _with_unknown_keys(strategy: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    """Fields a later Bot API may add, after the known ones (Telegram's order, and the fake
    Bot API filters ``allowed_updates`` on an update's first key)."""
    extra = st.dictionaries(
        st.sampled_from(["future_field", "hologram", "frobnicate", "x"]),
        st.none() | st.integers() | unicode_text | st.lists(st.integers(), max_size=2),
        min_size=1,
        max_size=2,
    )
    return st.tuples(strategy, extra).map(lambda pair: {**pair[0], **pair[1]})


def _of(key: str, strategy: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    return strategy.map(lambda value: {key: value})


def _edited(strategy: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    return strategy.map(lambda m: {**m, "edit_date": 1_800_000_000})


def plain_kinds(user_id: int) -> dict[str, st.SearchStrategy[dict]]:
    """Well-formed updates about ``user_id``, by kind: odd content, but every field where the
    Bot API puts it, with the type it documents. A test that must meet every kind (a small
    batch) can go through them in turn; left to ``st.one_of``, a few kinds crowd out the rest.
    """

    def private(contents: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
        return _of("message", message(user_id, contents=contents))

    return {
        "text": private(text_content(st.one_of(unicode_text, whitespace, phrases))),
        "long text": private(text_content(long_text())),
        "right-to-left text": private(text_content(rtl_text)),
        "emoji": private(text_content(emoji_text)),
        "command": private(text_content(commands)),
        "media": private(media),
        "no sender": _of("message", message(user_id, sender=False)),
        "group": _of(
            "message",
            st.sampled_from(["group", "supergroup"]).flatmap(lambda k: message(user_id, k)),
        ),
        "channel post": _of("channel_post", message(user_id, "channel", sender=False)),
        "edited channel post": _of(
            "edited_channel_post", _edited(message(user_id, "channel", sender=False))
        ),
        "edited": _of("edited_message", _edited(message(user_id))),
        "button": _of("callback_query", callback_query(user_id)),
        "bot membership": _of("my_chat_member", my_chat_member(user_id)),
        "reaction": _of("message_reaction", reaction(user_id)),
        "business message": _of(
            "business_message",
            message(user_id).map(lambda m: {**m, "business_connection_id": "bc-1"}),
        ),
        "paid media": _of(
            "purchased_paid_media",
            st.builds(
                lambda u, p: {"from": u, "paid_media_payload": p}, user(user_id), unicode_text
            ),
        ),
    }


def odd_kinds(user_id: int) -> dict[str, st.SearchStrategy[dict]]:
    """``plain_kinds`` and stranger updates python-telegram-bot can still read."""
    plain = plain_update(user_id)
    odd = {
        **plain_kinds(user_id),
        "unknown fields": _with_unknown_keys(plain),
        # Two kinds in one update: no real update has that, PTB reads it anyway.
        "two kinds": st.tuples(_of("message", message(user_id)), callback_query(user_id)).map(
            lambda pair: {**pair[0], "callback_query": pair[1]}
        ),
        "wrong types": mutated(plain, retype_only=True),
    }
    # A guard: all of them are meant to be readable.
    return {kind: strategy.filter(readable) for kind, strategy in odd.items()}


def junk_kinds(user_id: int) -> dict[str, st.SearchStrategy[dict]]:
    """Updates python-telegram-bot may not read: broken objects, unknown update types."""
    plain = plain_update(user_id)
    return {
        "broken": mutated(plain, max_depth=2),
        "broken inside": mutated(plain),
        "unknown type": st.builds(
            lambda key, value: {key: value},
            st.one_of(
                st.sampled_from(FUTURE_UPDATE_TYPES),
                st.text(min_size=1, max_size=20).filter(lambda key: key != "update_id"),
            ),
            json_values,
        ),
        "empty": st.just({}),
    }


def plain_update(user_id: int) -> st.SearchStrategy[dict]:
    return st.one_of(*plain_kinds(user_id).values())


def odd_update(user_id: int) -> st.SearchStrategy[dict]:
    """An odd update about ``user_id`` that python-telegram-bot can still read."""
    return st.one_of(*odd_kinds(user_id).values())


def junk_update(user_id: int) -> st.SearchStrategy[dict]:
    """Anything shaped like an update: unknown types, wrong types, missing fields."""
    return st.one_of(*junk_kinds(user_id).values())


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | unicode_text
)
json_values = st.recursive(json_scalars, _containers, max_leaves=12)


def _paths(node: JSON, prefix: tuple = ()) -> Iterator[tuple]:
    """Every place in a JSON document where a value sits: key paths into dicts and lists."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        yield (*prefix, key)
        yield from _paths(value, (*prefix, key))


def _retyped(value: JSON) -> st.SearchStrategy[JSON]:
    """The same value in a type a careless client might use: "5" for 5, 5 for "5", null."""
    if isinstance(value, bool):
        return st.sampled_from([str(value).lower(), int(value), None])
    if isinstance(value, int):
        return st.sampled_from([str(value), float(value), None, -value])
    if isinstance(value, str):
        return st.sampled_from([None, len(value), [value], value.encode().hex()])
    return st.just(None)


@st.composite
def mutated(
    draw: st.DrawFn,
    base: st.SearchStrategy[dict],
    retype_only: bool = False,
    max_depth: int | None = None,
) -> dict:
    """``base``'s update with one to three of its values retyped, replaced or removed;
    ``max_depth=2`` breaks the update's object itself (a required field gone, say) rather
    than some leaf deep inside, which python-telegram-bot mostly tolerates."""
    update = copy.deepcopy(draw(base))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(update) if max_depth is None or len(p) <= max_depth]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = update
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        action = "retype" if retype_only else draw(st.sampled_from(["retype", "replace", "drop"]))
        if action == "drop":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(json_values)
        else:
            parent[key] = draw(_retyped(parent[key]))
    return update
