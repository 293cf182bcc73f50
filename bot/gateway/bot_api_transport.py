"""python-telegram-bot's HTTP transport on aiohttp instead of httpx.

Every turn makes one to three Bot API calls (``answerCallbackQuery``, ``sendMessage``), and with
httpx, httpcore and anyio those calls were about a quarter of the gateway's CPU time
(``bench/load.py --profile``); aiohttp parses HTTP in C. PTB keeps turning Telegram's errors
into ``TelegramError`` subclasses. The parameters go as one JSON body, which the Bot API reads
as it reads forms: encoding a form cost aiohttp and PTB more than the JSON encoder does
(``bench/load.py --profile``).

The calls made on every turn (``sendMessage``, ``answerCallbackQuery``) go through ``call``,
which skips PTB's objects on the way out and back; the rarer ones use PTB's ``Bot`` methods.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from telegram import Bot
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.constants import KEEPALIVE

JSON = {"Content-Type": "application/json"}
# PTB's own defaults for HTTPXRequest, in seconds.
CONNECT_TIMEOUT = READ_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0


class JSONParameters(RequestData):
    """Parameters that are JSON values already, given to the transport as they are."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__()
        self._values = values

    @property
    def parameters(self) -> dict[str, Any]:
        return self._values


async def call(bot: Bot, method: str, values: dict[str, Any]) -> Any:
    """Call ``method`` with JSON ``values`` through ``bot``'s transport; Telegram's refusals
    raise PTB's ``TelegramError`` subclasses, as ``bot.send_message`` and the like do.

    Building PTB's request parameters and reading the sent ``Message`` back into PTB objects
    were a tenth of the gateway's time (``bench/load.py --profile``); nothing here reads them.
    """
    return await bot.request.post(f"{bot.base_url}/{method}", JSONParameters(values))


class AiohttpRequest(BaseRequest):
    """One keep-alive connection pool to the Bot API, opened by ``initialize``."""

    def __init__(self, connections: int = 256, read_timeout: float = READ_TIMEOUT) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._connections, keepalive_timeout=KEEPALIVE
                ),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,  # see the timeout below
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        connect = _seconds(connect_timeout, CONNECT_TIMEOUT)
        pool = _seconds(pool_timeout, POOL_TIMEOUT)
        # aiohttp's ``connect`` includes the wait for a free connection; it has no write
        # timeout, and the bodies sent here are a few kilobytes that the socket buffers at once.
        timeout = aiohttp.ClientTimeout(
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), headers=JSON, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _seconds(value: ODVInput[float | None], default: float) -> float | None:
    """The timeout a call asked for, the default if it left it unset; None waits forever."""
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> bytes | None:
    """The parameters as a JSON object. The assistant sends texts only, never files."""
    if request_data is None:
        return None
    if request_data.contains_files:
        raise NotImplementedError("AiohttpRequest sends no files")
    return json.dumps(request_data.parameters).encode()
