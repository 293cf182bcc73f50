"""Fuzzing the way in: the webhook, the inbox and the dispatch of button data, with odd updates.

Whatever arrives at ``POST /telegram`` with the right secret, the answer is 200 (stored, once),
400 (not an update) or 503 (database down), never 500: a 5xx makes Telegram send the update
again and again, holding back everything after it. No answer shows the code's internals.
Everything here runs on a throwaway SQLite database, without Rasa.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from starlette.testclient import TestClient
from telegram import Bot, Update

from bot.gateway.conversation import Conversation, Turn
from bot.gateway.inbox import LONE_SURROGATE, Inbox, chat_of
from bot.gateway.polling import poll
from bot.gateway.rasa_client import RasaUnavailable
from bot.gateway.replies import Reply
from bot.gateway.service import (
    MAX_UPDATE_BYTES,
    SECRET_HEADER,
    WEBHOOK_PATH,
    Core,
    build_core,
    build_http_app,
)
from bot.settings import Settings, load_settings
from bot.storage.db import migrate
from bot.storage.keys import data_keys, pseudonym, unseal
from bot.storage.models import InboxUpdate
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.helpers.odd_updates import (
    MAX_CALLBACK_BYTES,
    callback_data,
    chat_id_of,
    json_values,
    junk_update,
    leaks_internals,
    odd_update,
    plain_update,
)
from tests.helpers.serving import serving, status_of

SECRET = "right-secret"
HEADERS = {SECRET_HEADER: SECRET}
INT64 = range(-(2**63), 2**63)
FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Examples that write to the database cost more: fewer of them keep the file under 30 s.
STORING = settings(FUZZ, max_examples=60)
# Each example gets update ids of its own: an id seen in an earlier example is (rightly)
# ignored as a repeat, which would hide what this example stored.
_update_ids = itertools.count(1)
people = st.integers(1, 10**9)


@pytest.fixture
def fuzz_settings(env: dict[str, str]) -> Settings:
    settings = load_settings(
        {
            **env,
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TELEGRAM_WEBHOOK_URL": "https://example.org/telegram",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "RASA_PORT": "9",
        }
    )
    migrate(settings.database_url)
    return settings


class Webhook:
    """The HTTP app in webhook mode, with what a test needs to look behind it."""

    def __init__(self, settings: Settings) -> None:
        self.core: Core = build_core(settings)
        self.accepted = 0
        app = build_http_app(settings, self.core, self._accept)
        # A crash must show as the 500 Telegram would get, not as an exception in the test.
        self.client = TestClient(app, raise_server_exceptions=False)

    async def _accept(self, data: dict) -> int:
        self.accepted += 1
        new, _ = await asyncio.to_thread(self.core.inbox.accept, data, False)
        return new

    def post(self, body: bytes) -> Any:
        return self.client.post(WEBHOOK_PATH, content=body, headers=HEADERS)

    def rows(self, update_id: int) -> list[InboxUpdate]:
        with self.core.sessions() as session:
            return list(
                session.execute(select(InboxUpdate).where(InboxUpdate.update_id == update_id))
                .scalars()
                .all()
            )

    def count(self) -> int:
        with self.core.sessions() as session:
            return session.execute(select(func.count()).select_from(InboxUpdate)).scalar_one()


@pytest.fixture
def webhook(fuzz_settings: Settings) -> Iterator[Webhook]:
    running = Webhook(fuzz_settings)
    with running.client:
        yield running
    asyncio.run(running.core.aclose())


def encoded(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def without_lone_surrogates(data: Any) -> Any:
    """What the inbox keeps of a document with lone surrogates (which UTF-8 cannot encode)."""
    return json.loads(LONE_SURROGATE.sub("\ufffd", json.dumps(data, ensure_ascii=False)))


def assert_discreet(response: Any) -> None:
    assert response.status_code != 500, "the webhook crashed"
    assert not leaks_internals(response.text), response.text


# --------------------------------------------------------------------------------- webhook


@STORING
@given(data=st.data(), person=people)
def test_every_update_is_stored_once_as_it_came(
    webhook: Webhook, data: st.DataObject, person: int
) -> None:
    update = data.draw(st.one_of(odd_update(person), junk_update(person)), label="update")
    update_id = next(_update_ids)
    body = encoded({**update, "update_id": update_id})
    accepted = webhook.accepted

    # Telegram repeats an update it got no answer for: the repeat must change nothing.
    responses = [webhook.post(body) for _ in range(2)]

    assert [r.status_code for r in responses] == [200, 200]
    for response in responses:
        assert_discreet(response)
    (row,) = webhook.rows(update_id)
    assert unseal(webhook.core.box, row.payload) == json.loads(body)
    assert webhook.accepted == accepted + 2


def bodies() -> st.SearchStrategy[bytes]:
    """Request bodies, mostly not updates: what a misconfigured proxy or a forger may send."""
    update_ids = st.one_of(
        st.integers(-(2**70), 2**70),
        st.sampled_from([2**63, -(2**63) - 1, 2**63 - 1, 0, -1]),
        st.text(max_size=5),
        st.floats(allow_nan=False),
        st.booleans(),
        st.none(),
        st.lists(st.integers(), max_size=2),
    )
    with_id = st.tuples(update_ids, st.integers(1, 10**6).flatmap(junk_update)).map(
        lambda pair: encoded({**pair[1], "update_id": pair[0]})
    )
    lone_surrogates = st.tuples(
        st.integers(1, 2**31), st.text(st.characters(categories=["Cs"]), min_size=1)
    ).map(
        # Escaped, as JSON can carry them; json.dumps would escape them the same way.
        lambda pair: json.dumps(
            {"update_id": pair[0], "message": {"text": f"a{pair[1]}b", "date": 0}}
        ).encode()
    )
    return st.one_of(
        with_id,
        lone_surrogates,
        json_values.map(encoded),
        st.binary(max_size=200),
        with_id.flatmap(lambda body: st.integers(0, len(body)).map(lambda cut: body[:cut])),
        st.just(b"\xff\xfe{}"),
        st.just(b'{"update_id": 1, "update_id": "1"}'),
    )


def parsed(body: bytes) -> Any:
    """The body as Starlette's ``request.json()`` reads it, or None when it cannot."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


@FUZZ
@given(body=bodies())
def test_no_body_crashes_the_webhook_or_shows_internals(webhook: Webhook, body: bytes) -> None:
    data = parsed(body)
    is_update = isinstance(data, dict) and type(data.get("update_id")) is int
    storable = is_update and data["update_id"] in INT64
    # Small ids come up again and again: only an id not seen before is stored anew.
    new = storable and not webhook.rows(data["update_id"])
    before = webhook.count()

    response = webhook.post(body)

    assert_discreet(response)
    assert response.status_code == (200 if is_update else 400)
    assert webhook.count() == before + new
    if new:
        (row,) = webhook.rows(data["update_id"])
        assert unseal(webhook.core.box, row.payload) == without_lone_surrogates(data)


def test_a_deeply_nested_body_is_refused_not_crashed_on(webhook: Webhook) -> None:
    depth = 100_000
    body = b'{"update_id": 1, "x": ' + b"[" * depth + b"]" * depth + b"}"

    response = webhook.post(body)

    assert response.status_code == 400


# ----------------------------------------------------------------- webhook, over raw HTTP
# What no HTTP client library sends: bytes outside ASCII in a header, a chunked body that goes
# on and on. Sent on a socket to uvicorn serving the app as the gateway does.


@pytest.fixture
def webhook_port(webhook: Webhook) -> Iterator[int]:
    with serving(webhook.client.app) as port:
        yield port


def raw_post(port: int, secret: bytes, head: list[bytes], body: Iterator[bytes]) -> bytes:
    """POST to the webhook: ``head`` are extra header lines, ``body`` what follows them. The
    answer is awaited without ending the body, so a server that reads all of it first times
    out."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        lines = [f"POST {WEBHOOK_PATH} HTTP/1.1".encode(), b"Host: 127.0.0.1"]
        lines += [SECRET_HEADER.encode() + b": " + secret, *head]
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n")
        with suppress(BrokenPipeError, ConnectionResetError):
            for part in body:
                sock.sendall(part)
        answer = b""
        with suppress(ConnectionResetError):
            while b"\r\n\r\n" not in answer and (received := sock.recv(65536)):
                answer += received
    return answer


def chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """``total`` bytes of a chunked body, without the last (empty) chunk that would end it."""
    for start in range(0, total, size):
        part = b"x" * min(size, total - start)
        yield f"{len(part):x}\r\n".encode() + part + b"\r\n"


def test_a_chunked_body_over_the_limit_is_refused_before_its_end(
    webhook: Webhook, webhook_port: int
) -> None:
    accepted = webhook.accepted

    answer = raw_post(
        webhook_port,
        SECRET.encode(),
        [b"Transfer-Encoding: chunked", b"Content-Type: application/json"],
        chunked(MAX_UPDATE_BYTES + 256 * 1024),
    )

    assert status_of(answer) == 413
    assert webhook.accepted == accepted


def test_a_declared_length_over_the_limit_is_refused_unread(
    webhook: Webhook, webhook_port: int
) -> None:
    answer = raw_post(
        webhook_port,
        SECRET.encode(),
        [b"Content-Length: 200000000", b"Content-Type: application/json"],
        iter([b'{"update_id": 1, "pad": "']),
    )

    assert status_of(answer) == 413
    assert webhook.accepted == 0


def test_an_update_just_under_the_limit_is_stored(webhook: Webhook, webhook_port: int) -> None:
    update_id = next(_update_ids)
    head = encoded({"update_id": update_id, "pad": ""})
    body = head[:-2] + b"x" * (MAX_UPDATE_BYTES - len(head)) + head[-2:]
    assert len(body) == MAX_UPDATE_BYTES

    answer = raw_post(
        webhook_port, SECRET.encode(), [f"Content-Length: {len(body)}".encode()], iter([body])
    )

    assert status_of(answer) == 200
    assert len(webhook.rows(update_id)) == 1


@pytest.mark.parametrize(
    "secret",
    [
        "right-secrét".encode(),
        "right-secrét".encode("latin-1"),
        "مفتاح".encode(),
        b"right-secret\x80",
        b"",
        b"right secret",
        b"right.secret",
        b"a" * 257,
        b"right-secre",
        b"right-secret" * 2,
    ],
    ids=[
        "UTF-8 accent", "Latin-1 byte", "Arabic", "lone byte 0x80", "empty", "space", "dot",
        "257 characters", "one character short", "doubled",
    ],
)  # fmt: skip
def test_a_wrong_or_malformed_secret_header_is_refused(
    webhook: Webhook, webhook_port: int, secret: bytes
) -> None:
    body = encoded({"update_id": next(_update_ids), "message": {"text": "x"}})

    answer = raw_post(webhook_port, secret, [f"Content-Length: {len(body)}".encode()], iter([body]))

    assert status_of(answer) == 403
    assert webhook.accepted == 0


# --------------------------------------------------------------------------------- inbox


@FUZZ
@given(data=st.data(), person=people)
def test_chat_of_finds_the_person_of_a_well_formed_update(data: st.DataObject, person: int):
    update = data.draw(plain_update(person), label="update")

    chat = chat_of({"update_id": 1, **update})

    kinds = ("private", "group", "supergroup", "channel")
    assert chat in {person, *(chat_id_of(person, kind) for kind in kinds)}


@FUZZ
@given(data=st.data(), person=people)
def test_chat_of_never_fails_and_only_gives_integer_chats(data: st.DataObject, person: int):
    update = data.draw(st.one_of(odd_update(person), junk_update(person)), label="update")
    update_id = data.draw(st.one_of(st.integers(), json_values), label="update_id")

    chat = chat_of({**update, "update_id": update_id})

    # Not even a bool: the worker compares chat ids with numbers.
    assert chat is None or type(chat) is int


@STORING
@given(
    batch=st.lists(
        st.tuples(
            st.integers(0, 5),
            st.integers(1, 10**6).flatmap(lambda p: st.one_of(odd_update(p), junk_update(p))),
        ),
        max_size=4,
    ),
    odd_text=st.text(st.characters(categories=["Cs"]) | st.sampled_from("aé👍"), max_size=8),
)
def test_the_inbox_keeps_the_first_copy_of_each_update(
    webhook: Webhook, batch: list[tuple[int, dict]], odd_text: str
) -> None:
    inbox = webhook.core.inbox
    base = next(_update_ids) * 10
    updates = [{**update, "odd": odd_text, "update_id": base + n} for n, update in batch]
    # Ids no database column takes: acknowledged, never stored.
    impossible = [{"update_id": 2**63 + base, "message": {}}, {"update_id": -(2**64)}]
    first: dict[int, dict] = {}
    for update in updates:
        first.setdefault(update["update_id"], update)
    before = webhook.count()

    assert inbox.store(updates + impossible) == len(first)
    assert inbox.store(updates) == 0
    assert webhook.count() == before + len(first)
    for update_id, update in first.items():
        (row,) = webhook.rows(update_id)
        assert unseal(webhook.core.box, row.payload) == without_lone_surrogates(update)
        chat = chat_of(update)
        keys = data_keys(webhook.core.settings)
        assert row.chat_key == (pseudonym(keys, chat) if chat is not None else "")


# --------------------------------------------------------------------------------- buttons

# Ids that str.isdigit() accepts but int() refuses ("²"), and ids beyond any integer column:
# they once crashed the turn (SQLite) or were retried for hours as an outage (PostgreSQL).
FORGED_IDS = ("²", "9" * 19)


# One person presses every button of a test in turn, so that earlier presses leave state (an
# assessment begun, a handover drafted) for later, stale ones to meet.
PRESSER = "f" * 32


def check_replies(replies: list[Reply]) -> None:
    for reply in replies:
        assert reply.text.strip() and not leaks_internals(reply.text), reply.text
        for title, payload in reply.buttons:
            assert title.strip()
            # Telegram refuses the whole message when one button's data is out of bounds.
            assert 1 <= len(payload.encode()) <= MAX_CALLBACK_BYTES, payload


@FUZZ
@given(payload=callback_data)
async def test_forged_and_stale_button_data_is_answered_or_ignored(
    offline_conversation: Conversation, payload: str
) -> None:
    turn = Turn(PRESSER, "fr", 1234, update_id=next(_update_ids))
    try:
        replies = await offline_conversation.button(turn, payload)
    except RasaUnavailable:
        # Rasa is unreachable here: the update stays in the inbox, which is right.
        return
    check_replies(replies)


@pytest.mark.parametrize("bad_id", FORGED_IDS, ids=["superscript digit", "beyond 64 bits"])
@pytest.mark.parametrize("template", ["a:{}:resume", "h:{}:share:yes", "r:{}:5"])
async def test_forged_ids_in_button_data_are_ignored(
    offline_conversation: Conversation, template: str, bad_id: str
) -> None:
    turn = Turn(PRESSER, "fr", 1234, update_id=1)

    replies = await offline_conversation.button(turn, template.format(bad_id))

    check_replies(replies)


# --------------------------------------------------------------------------------- polling


async def test_polling_goes_on_after_an_update_it_cannot_read(env: dict[str, str]) -> None:
    with FakeBotAPI() as fake:
        settings = load_settings(
            {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}
        )
        migrate(settings.database_url)
        core = build_core(settings)
        inbox: Inbox = core.inbox
        # A required field missing: what a Bot API newer than this PTB might do to a type.
        fake.push_update({"message": {"chat": {"id": 7, "type": "private"}, "text": "x"}})
        readable_id = fake.push_update(fake.text_update(7, "bonjour"))
        async with Bot(TOKEN, base_url=fake.base_url) as bot:
            poller = asyncio.create_task(poll(bot, inbox, lambda: None, timeout=1))
            try:
                await fake.wait_until(
                    lambda: poller.done() or inbox.waiting() > 0, timeout=10, description="poll"
                )
            finally:
                poller.cancel()
                with suppress(Exception, asyncio.CancelledError):
                    await poller
            await core.aclose()

        assert [c.update_id for c in inbox.claim(10)][-1:] == [readable_id]


FUTURE_FORWARD = {
    "message": {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": 7, "type": "private"},
        "from": {"id": 7, "is_bot": False, "first_name": "A"},
        "text": "hi",
        # An origin type newer than this python-telegram-bot: it reads the update, but keeps
        # the sender as a User object where to_dict() cannot turn it back into JSON.
        "forward_origin": {
            "type": "future_origin",
            "date": 1_700_000_000,
            "sender_user": {"id": 8, "is_bot": False, "first_name": "B"},
        },
    }
}
# A required field missing: what a Bot API newer than this PTB might do to a type.
UNREADABLE = {"message": {"chat": {"id": 9, "type": "private"}, "text": "x"}}


def draw_updates(count: int) -> list[dict]:
    """``count`` odd or junk updates, each about a person of its own."""
    drawn: list[dict] = []

    @settings(FUZZ, max_examples=count)
    @given(data=st.data(), person=people)
    def draw(data: st.DataObject, person: int) -> None:
        drawn.append(data.draw(st.one_of(odd_update(person), junk_update(person))))

    draw()
    return drawn


async def test_polling_stores_every_update_as_telegram_sent_it(env: dict[str, str]) -> None:
    # Telegram only sends the update types it is asked for: all those this PTB knows.
    updates = [
        update
        for update in [FUTURE_FORWARD, UNREADABLE, *draw_updates(60)]
        if next(iter(update), None) in Update.ALL_TYPES
    ]
    with FakeBotAPI() as fake:
        settings = load_settings(
            {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}
        )
        migrate(settings.database_url)
        core = build_core(settings)
        sent = {fake.push_update(update): update for update in updates}
        async with Bot(TOKEN, base_url=fake.base_url) as bot:
            poller = asyncio.create_task(poll(bot, core.inbox, lambda: None, timeout=1))
            try:
                await fake.wait_until(
                    lambda: poller.done() or core.inbox.waiting() == len(sent), timeout=20
                )
                assert not poller.done(), "the poller stopped"
            finally:
                poller.cancel()
                with suppress(asyncio.CancelledError):
                    await poller
            await core.aclose()

        with core.sessions() as session:
            rows = session.execute(select(InboxUpdate)).scalars().all()
        stored = {row.update_id: unseal(core.box, row.payload) for row in rows}
        assert stored == {i: {**update, "update_id": i} for i, update in sent.items()}
