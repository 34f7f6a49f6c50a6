"""One Binance WebSocket API connection, kept open: requests answered by id, events passed on.

The connection is reopened with exponential backoff and jitter (reset once a connection has
been set up), proactively before Binance's 24 h limit, at once on ``serverShutdown``, and when
it has been silent (not even a ping) for the watchdog time. Pings are answered with their own
payload. After each opening the owner's `on_up` runs (subscribe, reconcile); a frame that
cannot be parsed is reported, counted and skipped.

A request fails as the REST client's do: BinanceError for a refusal, RateLimited for 418/429,
OutcomeUnknown when a write got no definite answer (a 5xx, -1006/-1007, a timeout, a
connection lost after sending), TransportError when nothing was sent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal

import aiohttp
import msgspec

from alphaforge.adapters.binance import schemas
from alphaforge.adapters.binance.config import BinanceConfig
from alphaforge.adapters.binance.http import (
    INVALID_TIMESTAMP,
    UNKNOWN_CODES,
    BinanceError,
    BinanceHttp,
    OutcomeUnknown,
    RateLimited,
    TransportError,
    param_text,
    sign,
    ws_payload,
)

OnEvent = Callable[[int, msgspec.Raw], None]
OnUp = Callable[[bool], Awaitable[None]]
OnDown = Callable[[str], None]
OnError = Callable[[str], None]


class _ConnectionLost(Exception):
    pass


class WsApi:
    """The WebSocket API at `config.ws_api_url` for one account."""

    def __init__(
        self,
        config: BinanceConfig,
        http: BinanceHttp,
        session: aiohttp.ClientSession,
        *,
        on_event: OnEvent,
        on_up: OnUp,
        on_down: OnDown,
        on_error: OnError,
    ) -> None:
        self.config = config
        self._http = http
        self._session = session
        self._on_event = on_event
        self._on_up = on_up
        self._on_down = on_down
        self._on_error = on_error
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._up = asyncio.Event()
        self._pending: dict[int, asyncio.Future[schemas.WsFrame]] = {}
        self._ids = itertools.count(1)
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._closing = False
        self._restart_reason = ""
        self._closers: set[asyncio.Task[bool]] = set()
        self.connections = 0  # connections opened
        self.bad_frames = 0  # frames that could not be parsed

    def __repr__(self) -> str:
        return f"WsApi({self.config.ws_api_url!r}, up={self.is_up})"

    @property
    def is_up(self) -> bool:
        """Whether a connection is open and set up."""
        return self._up.is_set()

    async def start(self) -> None:
        """Open the connection; return once `on_up` has run on it, or raise why it could not."""
        self._ready = asyncio.get_running_loop().create_future()
        self._task = asyncio.get_running_loop().create_task(self._run())
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), self.config.timeout_s * 2)
        except TimeoutError:
            await self.stop()
            raise TransportError(
                f"{self.config.ws_api_url}: not set up within {self.config.timeout_s * 2:g} s "
                f"({self._restart_reason or 'no answer'})"
            ) from None
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Close the connection and stop reconnecting."""
        self._closing = True
        if self._ws is not None:
            await self._ws.close()  # the reader sees the close and returns
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._fail_pending()

    def restart(self, reason: str) -> None:
        """Drop the connection (it reopens and `on_up` runs again)."""
        self._restart_reason = reason
        if self._ws is not None and not self._ws.closed:
            closing = asyncio.get_running_loop().create_task(self._ws.close())
            self._closers.add(closing)  # held until done: the loop keeps only weak references
            closing.add_done_callback(self._closers.discard)

    async def request(
        self, method: str, params: Mapping[str, object], *, signed: bool, write: bool
    ) -> msgspec.Raw:
        """Send one request; its `result`, or raise what its failure means."""
        resynced = False
        while True:
            try:
                frame = await self._exchange(method, params, signed, write)
            except _ConnectionLost as lost:
                if write:
                    raise OutcomeUnknown("WS", method, str(lost)) from None
                raise TransportError(f"{method}: {lost}") from None
            if frame.rateLimits:
                self._http.track_ws_limits(frame.rateLimits)
            if 200 <= frame.status < 300 and len(frame.result):
                return frame.result
            error = frame.error or schemas.WsError(msg=f"status {frame.status} without an error")
            if frame.status in (418, 429):
                retry_ms = error.data.get("retryAfter") if error.data else None
                wait = (
                    max(0.0, (retry_ms - self._http.now_ms()) / 1000)
                    if isinstance(retry_ms, int)
                    else 1.0
                )
                self._http.block_for(wait)
                raise RateLimited(frame.status, error.code, error.msg, wait)
            if error.code == INVALID_TIMESTAMP and signed and not resynced:
                resynced = True
                await self._http.sync_time()
                continue
            if write and (frame.status >= 500 or error.code in UNKNOWN_CODES):
                raise OutcomeUnknown(
                    "WS",
                    method,
                    f"status {frame.status}, code {error.code}: {error.msg}",
                    error.code,
                )
            raise BinanceError(frame.status, error.code, error.msg)

    async def _exchange(
        self, method: str, params: Mapping[str, object], signed: bool, write: bool
    ) -> schemas.WsFrame:
        try:
            if not self._up.is_set():  # wait_for costs a task and a loop turn even when up
                await asyncio.wait_for(self._up.wait(), self.config.timeout_s)
        except TimeoutError:
            raise TransportError(
                f"{method}: not sent, the WebSocket API is not connected"
            ) from None
        ws = self._ws
        if ws is None or ws.closed:
            raise TransportError(f"{method}: not sent, the WebSocket API connection closed")
        payload = {k: _json_value(v) for k, v in params.items()}
        if signed:
            self.config.require_keys()
            payload["apiKey"] = self.config.api_key
            payload.setdefault("recvWindow", self.config.recv_window)
            payload["timestamp"] = self._http.now_ms()  # signed now, at send time
            payload["signature"] = sign(self.config.api_secret, ws_payload(payload))
        ident = next(self._ids)
        future: asyncio.Future[schemas.WsFrame] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        try:
            await ws.send_str(json.dumps({"id": ident, "method": method, "params": payload}))
            return await asyncio.wait_for(future, self.config.timeout_s)
        except TimeoutError:
            raise _ConnectionLost(f"no answer within {self.config.timeout_s:g} s") from None
        except (ConnectionError, aiohttp.ClientError, RuntimeError) as error:
            raise _ConnectionLost(f"send failed: {error}") from None
        finally:
            self._pending.pop(ident, None)

    # The connection loop.

    async def _run(self) -> None:
        delay = self.config.reconnect_initial_s
        first = True
        while True:
            reason, good = await self._connection(first)
            self._up.clear()
            self._ws = None
            self._fail_pending()
            if self._closing:
                return
            self._on_down(reason)
            if good:
                first = False
                delay = self.config.reconnect_initial_s
            if reason.startswith(("serverShutdown", "proactive")):
                continue  # the old connection was fine: open the next one at once
            # Jitter over the upper half of the delay, so that clients do not return in step.
            await asyncio.sleep(delay * (0.5 + random.random() / 2))
            delay = min(delay * 2, self.config.reconnect_max_s)

    async def _connection(self, first: bool) -> tuple[str, bool]:
        """Open, set up and read one connection; (why it ended, whether it was set up)."""
        self._restart_reason = ""
        try:
            ws = await asyncio.wait_for(
                self._session.ws_connect(self.config.ws_api_url, autoping=False, max_msg_size=0),
                self.config.timeout_s,
            )
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            reason = f"connect failed: {error or type(error).__name__}"
            self._restart_reason = reason
            return reason, False
        self._ws = ws
        self.connections += 1
        reader = asyncio.get_running_loop().create_task(self._read(ws))
        setup = asyncio.get_running_loop().create_task(self._setup(first))
        good = False
        try:
            done, _ = await asyncio.wait({reader, setup}, return_when=asyncio.FIRST_COMPLETED)
            if setup in done:
                failure = setup.exception()
                if failure is None:
                    good = True
                    return await reader, True
                reason = f"setup failed: {failure}"
                if (
                    first
                    and isinstance(failure, BinanceError)
                    and self._ready
                    and not self._ready.done()
                ):
                    self._ready.set_exception(failure)  # a refused key will not get better
                self._restart_reason = reason
                return reason, False
            return reader.result(), good
        finally:
            for task in (reader, setup):
                task.cancel()
            await asyncio.gather(reader, setup, return_exceptions=True)
            await ws.close()

    async def _setup(self, first: bool) -> None:
        self._up.set()  # requests may go out: on_up subscribes through them
        await self._on_up(first)
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(None)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> str:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.max_connection_s
        while True:
            timeout = min(self.config.watchdog_s, deadline - loop.time())
            if timeout <= 0:
                return f"proactive reconnect after {self.config.max_connection_s:g} s"
            try:
                message = await ws.receive(timeout=timeout)
            except TimeoutError:
                if loop.time() >= deadline:
                    return f"proactive reconnect after {self.config.max_connection_s:g} s"
                return f"silent for {self.config.watchdog_s:g} s"
            kind = message.type
            if kind == aiohttp.WSMsgType.PING:
                await ws.pong(message.data)
            elif kind == aiohttp.WSMsgType.TEXT:
                if self._frame(message.data):
                    return "serverShutdown"
            elif kind == aiohttp.WSMsgType.BINARY:
                self._bad(f"binary frame of {len(message.data)} bytes skipped")
            elif kind in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.CLOSED,
            ):
                return self._restart_reason or f"closed (code {ws.close_code})"
            elif kind == aiohttp.WSMsgType.ERROR:
                return f"connection error: {ws.exception()}"

    def _frame(self, text: str) -> bool:
        """Route one text frame; True when it announces a server shutdown."""
        try:
            frame = schemas.decode_ws_frame(text)
        except msgspec.DecodeError as error:
            self._bad(f"unparseable frame skipped ({error}): {text[:60]!r}")
            return False
        if len(frame.event):
            if frame.subscriptionId is not None:
                self._on_event(frame.subscriptionId, frame.event)
                return False
            try:
                head = schemas.decode_event_head(frame.event)
            except msgspec.DecodeError as error:
                self._bad(f"unparseable event skipped ({error})")
                return False
            return head.type == "serverShutdown"
        future = self._pending.get(frame.id) if isinstance(frame.id, int) else None
        if future is not None and not future.done():
            future.set_result(frame)
        elif frame.error is not None:
            self._on_error(f"unmatched error answer {frame.error.code}: {frame.error.msg}")
        return False

    def _bad(self, message: str) -> None:
        self.bad_frames += 1
        self._on_error(message)

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(_ConnectionLost("connection lost before the answer"))
        self._pending.clear()


def _json_value(value: object) -> object:
    # Decimals and floats as plain decimal text; ints, strings and booleans as they are.
    if isinstance(value, (float, Decimal)):
        return param_text(value)
    return value
