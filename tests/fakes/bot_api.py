"""A fake Telegram Bot API server for end-to-end tests.

The fake is a real HTTP server (Starlette app served by uvicorn in a background
thread with its own event loop) listening on ``127.0.0.1`` with an OS-chosen free
port.  The real python-telegram-bot ``Application`` talks to it exactly like it
talks to ``api.telegram.org``::

    with FakeBotAPI() as fake:
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(fake.base_url)  # f"{fake.url}/bot"
            .base_file_url(fake.base_file_url)  # f"{fake.url}/file/bot"
            .build()
        )
        fake.push_update(fake.command_update(42, "/start"))
        ...  # run the application (polling)
        messages = await fake.wait_for_messages(42, count=1)

python-telegram-bot POSTs to ``{base_url}{token}/{method}``.  Its httpx backend
sends ``application/x-www-form-urlencoded`` bodies (``multipart/form-data`` when
files are uploaded) where every non-string value (ints, bools, ``reply_markup``,
``commands`` ...) is a JSON-encoded string.  The fake accepts those as well as
plain JSON bodies and decodes the values back into Python objects.

Every answer is ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "...", "parameters": {...}}`` with
the HTTP status equal to ``error_code``, which is what python-telegram-bot uses to
pick the exception class (403 -> ``Forbidden``, 429 + ``retry_after`` ->
``RetryAfter``, 400 -> ``BadRequest``, ...).

Every call is checked against the official Bot API specification
(``tests.fakes.bot_api_spec``): method and parameter names, required parameters and types,
the documented limits and the markup of a ``parse_mode``. A call that breaks a rule is
answered as Telegram answers it (400, or 404 for a method that does not exist) with the rules
named, and recorded: ``violations()``, and ``take_violations()`` for every fake at once, which
the suite's hooks (``tests/conftest.py``) call after each test phase so that the test that
caused it fails. ``checked_calls()`` counts the calls checked, per method.

Every request (but getUpdates) is also logged with the ``time.monotonic()`` of its arrival
(``requests``), so that tests can measure the rate a client sends at.  ``fail_next`` can
restrict a failure to one ``chat_id`` and ``delay`` its answer (a client timeout);
``answer_late`` handles calls normally but answers them late (a slow Telegram).

The test-side API (``push_update``, ``sent``, ``calls``, ``requests``, ``fail_next``, the
``*_update`` builders ...) is thread-safe and can be called from async tests; the
``wait_*`` helpers poll with ``asyncio.sleep`` so they never block the test's
event loop.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import itertools
import json
import socket
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.bot_api_spec import Specification, specification

__all__ = [
    "BOT_FIRST_NAME",
    "BOT_ID",
    "BOT_USERNAME",
    "TOKEN",
    "BotAPIError",
    "FakeBotAPI",
    "checked_calls",
    "take_violations",
]

TOKEN = "123456789:TEST-fake-bot-api-token"
BOT_ID = 123456789
BOT_USERNAME = "returnee_test_bot"
BOT_FIRST_NAME = "Returnee Test Bot"

JSONDict = dict[str, Any]
T = TypeVar("T")

# The largest file getFile lets a bot download (https://core.telegram.org/bots/api#getfile).
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
DEFAULT_GROUP_CHAT_ID = -100
DEFAULT_SUPERGROUP_CHAT_ID = -1001000000000

_SERVER_POLL_INTERVAL = 0.01  # getUpdates long-polling granularity (server thread)
_TEST_POLL_INTERVAL = 0.02  # wait_* helpers granularity (test event loop)

# Chat member statuses -> extra fields required by the Bot API for that status.
_CHAT_MEMBER_FIELDS: dict[str, JSONDict] = {
    "creator": {"is_anonymous": False},
    "member": {},
    "left": {},
    "kicked": {"until_date": 0},
    "administrator": {
        "can_be_edited": False,
        "is_anonymous": False,
        "can_manage_chat": True,
        "can_delete_messages": True,
        "can_manage_video_chats": True,
        "can_restrict_members": True,
        "can_promote_members": False,
        "can_change_info": True,
        "can_invite_users": True,
        "can_post_stories": False,
        "can_edit_stories": False,
        "can_delete_stories": False,
    },
}

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}


# Every fake of this process, for the suite's hooks: rules broken and calls checked.
_FAKES: weakref.WeakSet[FakeBotAPI] = weakref.WeakSet()
_CHECKED: Counter[str] = Counter()
_CHECKED_LOCK = threading.Lock()


def checked_calls() -> Counter[str]:
    """How many calls every fake of this process checked against the specification, by method."""
    with _CHECKED_LOCK:
        return Counter(_CHECKED)


def take_violations() -> list[JSONDict]:
    """The calls that broke the specification since last asked, from every fake: each
    ``{"method", "params", "rules"}``; they are forgotten once taken."""
    return [violation for fake in list(_FAKES) for violation in fake.take_violations()]


class BotAPIError(Exception):
    """An error answer of the fake Bot API (``{"ok": false, ...}``)."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_response(self) -> JSONResponse:
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return JSONResponse(body, status_code=self.error_code)


@dataclass
class _InjectedFailure:
    error: BotAPIError | None  # None: handled as usual, only answered ``delay`` late
    remaining: int
    chat_id: int | str | None = None  # None: any call of the method
    delay: float = 0.0
    skip: int = 0  # matching calls still to let through before failing

    def matches(self, params: JSONDict) -> bool:
        return self.chat_id is None or params.get("chat_id") == self.chat_id


def _now() -> int:
    return int(time.time())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not a JSON value: {name}")


def _decode_value(value: Any, types: tuple[str, ...] | None) -> Any:
    """Turn a JSON-encoded form value back into a Python object when it is one; a parameter the
    specification types as a String only stays one (a text "123" is not the integer 123)."""
    if not isinstance(value, str) or types == ("String",):
        return value
    try:
        return json.loads(value, parse_constant=_reject_constant)
    except ValueError:
        return value


async def _read_params(request: Request, method: str, spec: Specification) -> JSONDict:
    """Collect a request's parameters from its query string and JSON/form body."""
    raw: JSONDict = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.body()
        if body:
            try:
                data = json.loads(body)
            except ValueError:
                raise BotAPIError(400, "Bad Request: can't parse JSON body") from None
            if not isinstance(data, dict):
                raise BotAPIError(400, "Bad Request: JSON body must be an object")
            raw.update(data)
    elif content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        async with request.form() as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    raw[key] = {
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "content": await value.read(),
                    }
                else:
                    raw[key] = value
    return {key: _decode_value(value, spec.field_types(method, key)) for key, value in raw.items()}


def _int_param(params: JSONDict, key: str, default: int) -> int:
    value = params.get(key)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BotAPIError(400, f"Bad Request: invalid {key}") from None


def _update_type(update: JSONDict) -> str | None:
    return next((key for key in update if key != "update_id"), None)


def _inline_markup(reply_markup: Any) -> JSONDict | None:
    """Telegram only echoes inline keyboards back in ``Message.reply_markup``."""
    if isinstance(reply_markup, dict) and "inline_keyboard" in reply_markup:
        return reply_markup
    return None


class FakeBotAPI:
    """A fake Telegram Bot API HTTP server; see the module docstring."""

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_id: int = BOT_ID,
        bot_username: str = BOT_USERNAME,
        bot_first_name: str = BOT_FIRST_NAME,
        host: str = "127.0.0.1",
    ) -> None:
        """Create a (not yet started) fake.

        ``token``: if given, requests with another token get 401 Unauthorized;
        by default any token is accepted.
        """
        self.host = host
        self.port: int | None = None
        self._token = token
        self.spec = specification()
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }

        self._lock = threading.RLock()
        self._ids = itertools.count(1)  # file ids, callback query ids, ...
        # Update queue.
        self._updates: list[JSONDict] = []
        self._last_update_id = 0
        # Recordings (reset by clear()).
        self._sent: list[JSONDict] = []
        self._calls: list[JSONDict] = []
        self._failed: list[JSONDict] = []
        self._requests: list[JSONDict] = []
        # Calls that broke the specification, until taken (not reset by clear()).
        self._violations: list[JSONDict] = []
        self._checked: Counter[str] = Counter()
        # Error injection.
        self._failures: dict[str, list[_InjectedFailure]] = {}
        # Simulated Telegram state.
        self._chats: dict[int | str, JSONDict] = {}
        self._message_ids: dict[int | str, int] = {}
        self._last_user_message_id: dict[int | str, int] = {}
        self._bot_messages: dict[tuple[int | str, int], JSONDict] = {}
        self._webhook: JSONDict | None = None
        self._commands: dict[str, list[JSONDict]] = {}
        self._menu_buttons: dict[str, JSONDict] = {}
        # Files people sent, by file_id: their content, or only a size for a huge one.
        self._files: dict[str, bytes | int] = {}
        self._downloads: list[JSONDict] = []

        handlers: dict[str, Callable[[JSONDict], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._ok,
            "leaveChat": self._chat_action_ok,
            "sendChatAction": self._chat_action_ok,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "getFile": self._get_file,
            "close": self._ok,
            "logOut": self._ok,
        }
        self._methods: dict[str, tuple[str, Callable[[JSONDict], Any]]] = {
            name.lower(): (name, handler) for name, handler in handlers.items()
        }

        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        _FAKES.add(self)

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """Root URL of the running server, e.g. ``http://127.0.0.1:54321``."""
        if self.port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url(...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.url}/file/bot"

    def start(self) -> FakeBotAPI:
        """Start serving in a background thread; returns once the port accepts requests."""
        if self._thread is not None:
            raise RuntimeError("FakeBotAPI is already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]

        config = uvicorn.Config(
            self._build_app(),
            loop="asyncio",
            http="httptools",
            ws="none",  # no websockets needed (and avoids optional-dependency issues)
            lifespan="off",
            log_config=None,  # don't touch the test process' logging configuration
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        self._stopping.clear()
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="fake-bot-api", daemon=True
        )
        self._thread.start()

        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("FakeBotAPI server failed to start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop the server (wakes up pending long polls) and join its thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.should_exit = True
        thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ HTTP layer

    def _build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self._handle_method, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._handle_file, methods=["GET"]),
            ]
        )

    async def _handle_method(self, request: Request) -> Response:
        if self._token is not None and request.path_params["token"] != self._token:
            return BotAPIError(401, "Unauthorized").to_response()
        requested = request.path_params["method"]
        with self._lock:
            name, handler = self._methods.get(requested.lower(), (requested, None))
        params: JSONDict = {}
        failure: _InjectedFailure | None = None
        arrival: JSONDict = {"method": name, "params": params, "at": time.monotonic()}
        if name != "getUpdates":
            with self._lock:
                self._requests.append(arrival)
        try:
            params = arrival["params"] = await _read_params(request, name, self.spec)
            self._check(name, params)
            failure = self._take_injected_failure(name, params)
            if failure is not None and failure.error is not None:
                await self._stall(failure.delay)
                raise failure.error
            if handler is None:
                raise BotAPIError(404, "Not Found: method not found")
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
        except BotAPIError as error:
            with self._lock:
                arrival["error_code"] = error.error_code
                self._failed.append(
                    {
                        "method": name,
                        "params": params,
                        "error_code": error.error_code,
                        "description": error.description,
                    }
                )
            return error.to_response()
        if name != "getUpdates":  # long polling would drown everything else
            with self._lock:
                arrival["error_code"] = None
                self._calls.append({"method": name, "params": params, "result": result})
        if failure is not None:
            await self._stall(failure.delay)
        return JSONResponse({"ok": True, "result": result})

    async def _handle_file(self, request: Request) -> Response:
        """A file download (``{base_file_url}{token}/{file_path}``): the path getFile gave, with
        the same token; Telegram answers 404 to anything else. ``fail_next("download", ...)``
        makes downloads fail like other calls."""
        path = request.path_params["file_path"]
        file_id = path.removeprefix("files/")
        with self._lock:
            self._downloads.append({"file_path": path, "at": time.monotonic()})
            content = self._files.get(file_id)
        failure = self._take_injected_failure("download", {})
        if failure is not None and failure.error is not None:
            await self._stall(failure.delay)
            return failure.error.to_response()
        wrong_token = self._token is not None and request.path_params["token"] != self._token
        if wrong_token or not path.startswith("files/") or not isinstance(content, bytes):
            return BotAPIError(404, "Not Found").to_response()
        return Response(content, media_type="application/octet-stream")

    def _check(self, method: str, params: JSONDict) -> None:
        """Check the call against the specification; one that breaks a rule is recorded and
        refused as Telegram refuses it, with the rules named."""
        rules = self.spec.check_call(method, params)
        with self._lock:
            self._checked[method] += 1
        with _CHECKED_LOCK:
            _CHECKED[method] += 1
        if not rules:
            return
        with self._lock:
            self._violations.append({"method": method, "params": params, "rules": rules})
        if self.spec.method(method) is None:
            raise BotAPIError(404, "Not Found: method not found")
        raise BotAPIError(400, f"Bad Request: {'; '.join(rules)}")

    def _take_injected_failure(self, method: str, params: JSONDict) -> _InjectedFailure | None:
        """The first injected failure of ``method`` that applies to this call, used up once."""
        with self._lock:
            queue = self._failures.get(method.lower(), [])
            failure = next((f for f in queue if f.matches(params)), None)
            if failure is None:
                return None
            if failure.skip > 0:
                failure.skip -= 1
                return None
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.remove(failure)
            return failure

    async def _stall(self, seconds: float) -> None:
        # In steps, so that stop() is not held up by a stalled request.
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._stopping.is_set():
            await asyncio.sleep(min(_SERVER_POLL_INTERVAL, max(0.0, deadline - time.monotonic())))

    # ------------------------------------------------------------------ Bot API methods

    def _ok(self, params: JSONDict) -> bool:
        return True

    def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        with self._lock:
            if self._webhook is not None:
                raise BotAPIError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        timeout = max(_int_param(params, "timeout", 0), 0)
        allowed = params.get("allowed_updates") or None

        with self._lock:
            if offset > 0:  # everything before `offset` is confirmed
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif offset < 0:  # only the last -offset updates are kept
                self._updates = self._updates[offset:]

        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                batch = [u for u in self._updates if allowed is None or _update_type(u) in allowed]
                batch = copy.deepcopy(batch[:limit])
            if batch or self._stopping.is_set() or time.monotonic() >= deadline:
                return batch
            await asyncio.sleep(_SERVER_POLL_INTERVAL)

    def _set_webhook(self, params: JSONDict) -> bool:
        with self._lock:
            self._webhook = dict(params) if params.get("url") else None
            if params.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _delete_webhook(self, params: JSONDict) -> bool:
        with self._lock:
            self._webhook = None
            if params.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        with self._lock:
            webhook = self._webhook or {}
            info: JSONDict = {
                "url": webhook.get("url", ""),
                "has_custom_certificate": "certificate" in webhook,
                "pending_update_count": len(self._updates),
            }
            for key in ("max_connections", "allowed_updates", "ip_address"):
                if key in webhook:
                    info[key] = webhook[key]
        return info

    # The specification's rules (text length, button data...) are checked before a handler
    # runs: handlers only keep the simulated state.

    def _send_message(self, params: JSONDict) -> JSONDict:
        chat_id = self._require_chat_id(params)
        text = params["text"]
        reply_markup = params.get("reply_markup")
        with self._lock:
            message: JSONDict = {
                "message_id": self._next_message_id(chat_id),
                "from": dict(self.bot_user),
                "chat": self._chat(chat_id),
                "date": _now(),
                "text": text,
            }
            if params.get("entities"):
                message["entities"] = params["entities"]
            if _inline_markup(reply_markup):
                message["reply_markup"] = reply_markup
            self._bot_messages[(chat_id, message["message_id"])] = message
            self._sent.append(
                {
                    **params,
                    "chat_id": chat_id,
                    "text": text,
                    "reply_markup": reply_markup,
                    "message_id": message["message_id"],
                    "date": message["date"],
                }
            )
            return copy.deepcopy(message)

    def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        return self._edit_message(params, text=params["text"])

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        return self._edit_message(params, text=None)

    def _edit_message(self, params: JSONDict, text: str | None) -> JSONDict | bool:
        """Shared logic of editMessageText / editMessageReplyMarkup.

        Like Telegram, omitting ``reply_markup`` removes the inline keyboard and an
        edit that changes nothing on a known message fails with "message is not
        modified".
        """
        reply_markup = params.get("reply_markup")
        if params.get("inline_message_id"):
            return True
        chat_id = self._require_chat_id(params)
        message_id = _int_param(params, "message_id", 0)
        if not message_id:
            raise BotAPIError(400, "Bad Request: message identifier is not specified")

        with self._lock:
            key = (chat_id, message_id)
            current = self._bot_messages.get(key)
            if current is None:  # not sent through the fake: be lenient
                current = {
                    "message_id": message_id,
                    "from": dict(self.bot_user),
                    "chat": self._chat(chat_id),
                    "date": _now(),
                    "text": text or "",
                }
            updated = copy.deepcopy(current)
            if text is not None:
                updated["text"] = text
                updated.pop("entities", None)
                if params.get("entities"):
                    updated["entities"] = params["entities"]
            updated.pop("reply_markup", None)
            if _inline_markup(reply_markup):
                updated["reply_markup"] = reply_markup
            if key in self._bot_messages and updated == current:
                raise BotAPIError(
                    400,
                    "Bad Request: message is not modified: specified new message content "
                    "and reply markup are exactly the same as a current content and reply "
                    "markup of the message",
                )
            updated["edit_date"] = _now()
            self._bot_messages[key] = updated
            return copy.deepcopy(updated)

    def _delete_message(self, params: JSONDict) -> bool:
        chat_id = self._require_chat_id(params)
        message_id = _int_param(params, "message_id", 0)
        with self._lock:
            self._bot_messages.pop((chat_id, message_id), None)
        return True

    def _delete_messages(self, params: JSONDict) -> bool:
        """Like Telegram: ids that cannot be found are skipped."""
        chat_id = self._require_chat_id(params)
        with self._lock:
            for message_id in params["message_ids"]:
                self._bot_messages.pop((chat_id, int(message_id)), None)
        return True

    def _chat_action_ok(self, params: JSONDict) -> bool:
        self._require_chat_id(params)
        return True

    @staticmethod
    def _scope_key(params: JSONDict) -> str:
        scope = params.get("scope") or {"type": "default"}
        return f"{json.dumps(scope, sort_keys=True)}|{params.get('language_code') or ''}"

    def _set_my_commands(self, params: JSONDict) -> bool:
        with self._lock:
            self._commands[self._scope_key(params)] = params["commands"]
        return True

    def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        with self._lock:
            return copy.deepcopy(self._commands.get(self._scope_key(params), []))

    def _delete_my_commands(self, params: JSONDict) -> bool:
        with self._lock:
            self._commands.pop(self._scope_key(params), None)
        return True

    def _set_chat_menu_button(self, params: JSONDict) -> bool:
        with self._lock:
            self._menu_buttons[str(params.get("chat_id", ""))] = params.get("menu_button") or {
                "type": "default"
            }
        return True

    def _get_chat_menu_button(self, params: JSONDict) -> JSONDict:
        with self._lock:
            return copy.deepcopy(
                self._menu_buttons.get(str(params.get("chat_id", "")), {"type": "default"})
            )

    def _get_file(self, params: JSONDict) -> JSONDict:
        """As Telegram: the file's size and download path, for a file a person sent; 400 for
        an unknown file_id, and for a file over 20 MB, which bots cannot download."""
        file_id = str(params["file_id"])
        with self._lock:
            stored = self._files.get(file_id)
        if stored is None:
            raise BotAPIError(400, "Bad Request: invalid file_id")
        size = stored if isinstance(stored, int) else len(stored)
        if size > MAX_DOWNLOAD_BYTES:
            raise BotAPIError(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"uniq-{file_id}",
            "file_size": size,
            "file_path": f"files/{file_id}",
        }

    # ------------------------------------------------------------------ simulated state

    def _require_chat_id(self, params: JSONDict) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise BotAPIError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str) and not chat_id.startswith("@"):
            raise BotAPIError(400, "Bad Request: chat not found")
        return chat_id

    def _next_message_id(self, chat_id: int | str) -> int:
        """Message ids are per chat and shared by the user's and the bot's messages."""
        with self._lock:
            self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
            return self._message_ids[chat_id]

    def _chat(self, chat_id: int | str) -> JSONDict:
        with self._lock:
            if chat_id in self._chats:
                return dict(self._chats[chat_id])
        if isinstance(chat_id, int) and chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Tester"}
        if isinstance(chat_id, int) and chat_id <= DEFAULT_SUPERGROUP_CHAT_ID:
            return {"id": chat_id, "type": "supergroup", "title": "Test supergroup"}
        if isinstance(chat_id, int):
            return {"id": chat_id, "type": "group", "title": "Test group"}
        return {"id": -1002000000000, "type": "channel", "title": str(chat_id)}

    def _remember_chat(self, chat_id: int, chat_type: str, user: JSONDict) -> JSONDict:
        chat: JSONDict = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = user["first_name"]
        else:
            chat["title"] = "Test supergroup" if chat_type == "supergroup" else "Test group"
        with self._lock:
            self._chats[chat_id] = chat
        return dict(chat)

    def _new_id(self) -> int:
        with self._lock:
            return next(self._ids)

    # ------------------------------------------------------------------ test API: updates

    def push_update(self, update: JSONDict) -> int:
        """Queue an update for getUpdates; assigns ``update_id`` if missing and returns it."""
        update = copy.deepcopy(update)
        with self._lock:
            update_id = update.get("update_id")
            if update_id is None:
                update_id = self._last_update_id + 1
                update["update_id"] = update_id
            self._last_update_id = max(self._last_update_id, update_id)
            self._updates.append(update)
            self._updates.sort(key=lambda u: u["update_id"])
        return update_id

    def pending_updates(self) -> list[JSONDict]:
        """Updates queued and not yet confirmed by a getUpdates ``offset``."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def user(
        self, user_id: int, language_code: str | None = "fr", first_name: str | None = None
    ) -> JSONDict:
        """A Telegram ``User`` dict for a human user (``language_code=None`` omits it)."""
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name or "Tester"}
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def message_update(
        self,
        user_id: int,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = "fr",
        first_name: str | None = None,
        message_id: int | None = None,
        edited: bool = False,
        **fields: Any,
    ) -> JSONDict:
        """Generic builder: ``{"message": {...}}`` (or ``edited_message``) with ``fields``."""
        if chat_id is None:
            chat_id = {
                "private": user_id,
                "supergroup": DEFAULT_SUPERGROUP_CHAT_ID,
            }.get(chat_type, DEFAULT_GROUP_CHAT_ID)
        sender = self.user(user_id, language_code, first_name)
        chat = self._remember_chat(chat_id, chat_type, sender)
        with self._lock:
            if message_id is None:
                message_id = self._next_message_id(chat_id)
            self._last_user_message_id[chat_id] = message_id
        message: JSONDict = {
            "message_id": message_id,
            "from": sender,
            "chat": chat,
            "date": _now(),
            **fields,
        }
        if edited:
            message["edit_date"] = _now()
            return {"edited_message": message}
        return {"message": message}

    def text_update(
        self,
        user_id: int,
        text: str,
        language_code: str | None = "fr",
        chat_type: str = "private",
        chat_id: int | None = None,
        forward: bool = False,
        **extra: Any,
    ) -> JSONDict:
        """A text message; ``forward=True`` makes it forwarded from another user."""
        if forward:
            extra.setdefault(
                "forward_origin",
                {
                    "type": "user",
                    "date": _now() - 3600,
                    "sender_user": {"id": user_id + 1, "is_bot": False, "first_name": "Someone"},
                },
            )
        return self.message_update(
            user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            language_code=language_code,
            text=text,
            **extra,
        )

    def command_update(
        self,
        user_id: int,
        command: str = "/start",
        args: str = "",
        language_code: str | None = "fr",
        **kwargs: Any,
    ) -> JSONDict:
        """A command message (``/start args``) with a ``bot_command`` entity."""
        if not command.startswith("/"):
            command = f"/{command}"
        text = f"{command} {args}" if args else command
        entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.text_update(
            user_id, text, language_code=language_code, entities=entities, **kwargs
        )

    def callback_update(
        self,
        user_id: int,
        data: str,
        message_id: int | None = None,
        *,
        language_code: str | None = "fr",
        chat_id: int | None = None,
        message_text: str = "Choose:",
    ) -> JSONDict:
        """A button press on a bot message.

        ``message_id`` defaults to the last message the bot sent to the chat; the
        embedded message is the fake's current copy of it when known.
        """
        if chat_id is None:
            chat_id = user_id
        sender = self.user(user_id, language_code)
        with self._lock:
            if message_id is None:
                own = [mid for (cid, mid) in self._bot_messages if cid == chat_id]
                message_id = max(own) if own else self._next_message_id(chat_id)
            message = copy.deepcopy(self._bot_messages.get((chat_id, message_id)))
        if message is None:
            message = {
                "message_id": message_id,
                "from": dict(self.bot_user),
                "chat": self._chat(chat_id),
                "date": _now(),
                "text": message_text,
            }
        return {
            "callback_query": {
                "id": str(self._new_id()),
                "from": sender,
                "message": message,
                "chat_instance": f"chat-instance-{chat_id}",
                "data": data,
            }
        }

    def _file(self, kind: str, content: bytes | None = None, **fields: Any) -> JSONDict:
        """A file the user sends, served by getFile and the download URL: ``content`` or, by
        default, made-up bytes of the ``file_size`` given."""
        n = self._new_id()
        file_id = f"{kind}-file-{n}"
        if content is None:
            content = (f"{file_id} ".encode() * (fields.get("file_size", 0) // 8 + 1))[
                : fields.get("file_size", 0)
            ]
        fields["file_size"] = len(content)
        self.add_file(file_id, content)
        return {"file_id": file_id, "file_unique_id": f"{kind}-uniq-{n}", **fields}

    def sticker_update(self, user_id: int, emoji: str = "👍", **kwargs: Any) -> JSONDict:
        sticker = self._file(
            "sticker",
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
            emoji=emoji,
            file_size=20_000,
        )
        return self.message_update(user_id, sticker=sticker, **kwargs)

    def photo_update(
        self,
        user_id: int,
        caption: str | None = None,
        content: bytes | None = None,
        **kwargs: Any,
    ) -> JSONDict:
        """A photo in two sizes, as Telegram sends them; ``content`` is the larger one's."""
        photo = [
            self._file("photo", width=90, height=90, file_size=1_500),
            self._file("photo", content, width=800, height=800, file_size=60_000),
        ]
        if caption is not None:
            kwargs["caption"] = caption
        return self.message_update(user_id, photo=photo, **kwargs)

    def voice_update(
        self, user_id: int, duration: int = 3, content: bytes | None = None, **kwargs: Any
    ) -> JSONDict:
        voice = self._file(
            "voice", content, duration=duration, mime_type="audio/ogg", file_size=8_000
        )
        return self.message_update(user_id, voice=voice, **kwargs)

    def location_update(
        self,
        user_id: int,
        latitude: float = 48.8566,
        longitude: float = 2.3522,
        **kwargs: Any,
    ) -> JSONDict:
        location = {"latitude": latitude, "longitude": longitude}
        return self.message_update(user_id, location=location, **kwargs)

    def document_update(
        self,
        user_id: int,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        content: bytes | None = None,
        **kwargs: Any,
    ) -> JSONDict:
        document = self._file(
            "document", content, file_name=file_name, mime_type=mime_type, file_size=50_000
        )
        if caption is not None:
            kwargs["caption"] = caption
        return self.message_update(user_id, document=document, **kwargs)

    def video_update(
        self, user_id: int, duration: int = 5, caption: str | None = None, **kwargs: Any
    ) -> JSONDict:
        video = self._file(
            "video",
            width=640,
            height=360,
            duration=duration,
            mime_type="video/mp4",
            file_size=500_000,
        )
        if caption is not None:
            kwargs["caption"] = caption
        return self.message_update(user_id, video=video, **kwargs)

    def edited_text_update(
        self, user_id: int, text: str, message_id: int | None = None, **kwargs: Any
    ) -> JSONDict:
        """An ``edited_message``; defaults to the user's last message in that chat."""
        chat_id = kwargs.get("chat_id")
        if chat_id is None and kwargs.get("chat_type", "private") == "private":
            chat_id = user_id
        if message_id is None:
            with self._lock:
                message_id = self._last_user_message_id.get(chat_id)  # type: ignore[arg-type]
        return self.message_update(user_id, text=text, message_id=message_id, edited=True, **kwargs)

    def group_text_update(
        self,
        user_id: int,
        text: str,
        chat_id: int = DEFAULT_GROUP_CHAT_ID,
        chat_type: str = "group",
        **kwargs: Any,
    ) -> JSONDict:
        """A text message in a group chat."""
        return self.text_update(user_id, text, chat_type=chat_type, chat_id=chat_id, **kwargs)

    def my_chat_member_update(
        self,
        user_id: int,
        chat_id: int = DEFAULT_GROUP_CHAT_ID,
        *,
        chat_type: str = "group",
        old_status: str = "left",
        new_status: str = "member",
        language_code: str | None = "fr",
    ) -> JSONDict:
        """The bot's membership changed (default: ``user_id`` added it to a group).

        For "user blocked the bot" use ``chat_id=user_id, chat_type="private",
        old_status="member", new_status="kicked"``.
        """
        for status in (old_status, new_status):
            if status not in _CHAT_MEMBER_FIELDS:
                raise ValueError(f"unsupported chat member status {status!r}")
        sender = self.user(user_id, language_code)
        return {
            "my_chat_member": {
                "chat": self._remember_chat(chat_id, chat_type, sender),
                "from": sender,
                "date": _now(),
                "old_chat_member": {
                    "status": old_status,
                    "user": dict(self.bot_user),
                    **_CHAT_MEMBER_FIELDS[old_status],
                },
                "new_chat_member": {
                    "status": new_status,
                    "user": dict(self.bot_user),
                    **_CHAT_MEMBER_FIELDS[new_status],
                },
            }
        }

    async def webhook_deliver(
        self,
        url: str,
        update: JSONDict,
        secret_token: str | None = None,
        timeout: float = 10.0,
    ) -> int:
        """POST ``update`` to a webhook URL like Telegram does; returns the HTTP status."""
        update = copy.deepcopy(update)
        if "update_id" not in update:
            with self._lock:
                self._last_update_id += 1
                update["update_id"] = self._last_update_id
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token} if secret_token else {}
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(url, json=update, headers=headers)
        return response.status_code

    # ------------------------------------------------------------------ test API: inspection

    def sent(self, chat_id: int | str | None = None) -> list[JSONDict]:
        """Recorded sendMessage calls since ``clear()``.

        Each record is the decoded request params (``chat_id``, ``text``,
        ``reply_markup`` as a dict or None, ``parse_mode`` ...) plus the
        ``message_id`` and ``date`` of the created message.
        """
        with self._lock:
            return copy.deepcopy(
                [m for m in self._sent if chat_id is None or m["chat_id"] == chat_id]
            )

    def calls(self, method: str) -> list[JSONDict]:
        """Decoded params of the successful calls of ``method`` since ``clear()``.

        getUpdates is not recorded.
        """
        with self._lock:
            return copy.deepcopy(
                [c["params"] for c in self._calls if c["method"].lower() == method.lower()]
            )

    def all_calls(self) -> list[JSONDict]:
        """Every successful call in order: ``{"method", "params", "result"}``."""
        with self._lock:
            return copy.deepcopy(self._calls)

    def failed(self, method: str | None = None) -> list[JSONDict]:
        """Calls answered with an error: ``{"method", "params", "error_code", "description"}``."""
        with self._lock:
            return copy.deepcopy(
                [f for f in self._failed if method is None or f["method"].lower() == method.lower()]
            )

    def requests(
        self, method: str | None = None, chat_id: int | str | None = None
    ) -> list[JSONDict]:
        """Every request since ``clear()`` (but getUpdates), in order of arrival, answered or
        not: ``{"method", "params", "at", "error_code"}``.

        ``at`` is the ``time.monotonic()`` of its arrival (the same clock as the test's: the
        server runs in this process); ``error_code`` is None once answered with success, and
        missing while the request is still being handled (a ``delay``).
        """
        with self._lock:
            return copy.deepcopy(
                [
                    r
                    for r in self._requests
                    if (method is None or r["method"].lower() == method.lower())
                    and (chat_id is None or r["params"].get("chat_id") == chat_id)
                ]
            )

    def violations(self) -> list[JSONDict]:
        """Calls that broke the specification and were not taken yet: ``{"method", "params",
        "rules"}``, each rule naming where and what the specification says."""
        with self._lock:
            return copy.deepcopy(self._violations)

    def take_violations(self) -> list[JSONDict]:
        """``violations()``, forgotten once taken: a test that breaks a rule on purpose takes
        them, and the suite's hooks fail any test that leaves some."""
        with self._lock:
            taken, self._violations = self._violations, []
        return taken

    @property
    def checked(self) -> Counter[str]:
        """Calls this fake checked against the specification, by method."""
        with self._lock:
            return Counter(self._checked)

    def bot_message(self, chat_id: int | str, message_id: int) -> JSONDict | None:
        """Current state of a message sent by the bot (after edits; None once deleted)."""
        with self._lock:
            return copy.deepcopy(self._bot_messages.get((chat_id, message_id)))

    @property
    def webhook(self) -> JSONDict | None:
        """The params of the active setWebhook call, or None."""
        with self._lock:
            return copy.deepcopy(self._webhook)

    def clear(self) -> None:
        """Forget recorded messages and calls (not the update queue nor injected failures)."""
        with self._lock:
            self._sent.clear()
            self._calls.clear()
            self._failed.clear()
            self._requests.clear()
            self._downloads.clear()

    # ------------------------------------------------------------------ test API: control

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        *,
        chat_id: int | str | None = None,
        delay: float = 0.0,
        after: int = 0,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id`` only, if given) fail
        with ``error_code``, once ``after`` of them have gone through.

        e.g. ``fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")``
        or ``fail_next("sendMessage", 429, retry_after=3)``, or the third message to chat 7
        only: ``fail_next("sendMessage", 502, chat_id=7, after=2)``.

        ``delay``: the answer comes that many seconds late, and the request is *not*
        processed, like a proxy in front of Telegram holding a request it never forwards: a
        client with a shorter read timeout gives up first (``TimedOut``), and nothing was
        delivered, e.g. ``fail_next("sendMessage", 504, delay=1.0)``.  The other case, where
        Telegram delivers the message but its answer is lost (``answer_late``), cannot be
        told apart by the client; retrying then shows the message twice, which no client can
        prevent since sendMessage has no idempotency key.  So that a timeout in a test means
        "not delivered", a delayed failure is never processed nor recorded as sent.
        """
        if description is None:
            description = _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
            if retry_after is not None:
                description = f"{description}: retry after {retry_after}"
        error = BotAPIError(error_code, description, retry_after)
        with self._lock:
            self._failures.setdefault(method.lower(), []).append(
                _InjectedFailure(error, times, chat_id, delay, after)
            )

    def answer_late(
        self, method: str, seconds: float, times: int = 1, *, chat_id: int | str | None = None
    ) -> None:
        """Handle the next ``times`` calls of ``method`` (to ``chat_id`` only, if given) as
        usual, recording them at once, but answer them ``seconds`` later: a slow Telegram.

        A client giving up before the answer (``TimedOut``) does not know the call went
        through; shares its queue with ``fail_next``.
        """
        with self._lock:
            self._failures.setdefault(method.lower(), []).append(
                _InjectedFailure(None, times, chat_id, seconds)
            )

    def stub(self, method: str, result: Any) -> None:
        """Answer ``method`` with ``result`` (or ``result(params)`` if callable).

        Use it for Bot API methods the fake does not implement (they 404 otherwise).
        """

        def handler(params: JSONDict) -> Any:
            return result(params) if callable(result) else copy.deepcopy(result)

        with self._lock:
            self._methods[method.lower()] = (method, handler)

    def add_file(self, file_id: str, content: bytes | int) -> None:
        """Content served for ``file_id`` by getFile + the file download URL; a size instead
        stands for a file too big to make (getFile refuses files over 20 MB)."""
        with self._lock:
            self._files[file_id] = content

    def downloads(self) -> list[JSONDict]:
        """File downloads asked for, in order: ``{"file_path", "at"}``."""
        with self._lock:
            return copy.deepcopy(self._downloads)

    # ------------------------------------------------------------------ test API: waiting

    async def wait_until(
        self,
        condition: Callable[[], T],
        timeout: float = 10.0,
        description: str | Callable[[], str] = "condition",
    ) -> T:
        """Poll ``condition()`` until it returns something truthy and return it."""
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if time.monotonic() >= deadline:
                what = description() if callable(description) else description
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(_TEST_POLL_INTERVAL)

    async def wait_for_messages(
        self, chat_id: int | str, count: int = 1, timeout: float = 20.0
    ) -> list[JSONDict]:
        """Wait until at least ``count`` messages were sent to ``chat_id`` since ``clear()``."""

        def enough() -> list[JSONDict] | None:
            messages = self.sent(chat_id)
            return messages if len(messages) >= count else None

        def describe() -> str:
            texts = [m["text"] for m in self.sent(chat_id)]
            methods = [c["method"] for c in self.all_calls()]
            errors = [(f["method"], f["error_code"], f["description"]) for f in self.failed()]
            return (
                f"{count} message(s) to chat {chat_id}; received {len(texts)}: {texts!r}; "
                f"calls: {methods}; failed calls: {errors}"
            )

        return await self.wait_until(enough, timeout, describe)

    async def wait_for_call(self, method: str, timeout: float = 10.0, count: int = 1) -> JSONDict:
        """Wait until ``method`` was called ``count`` times since ``clear()``.

        Returns the params of the ``count``-th call.
        """

        def found() -> list[JSONDict] | None:
            calls = self.calls(method)
            return calls if len(calls) >= count else None

        def describe() -> str:
            return (
                f"{count} call(s) of {method}; received {len(self.calls(method))}; "
                f"all calls: {[c['method'] for c in self.all_calls()]}"
            )

        calls = await self.wait_until(found, timeout, describe)
        return calls[count - 1]
