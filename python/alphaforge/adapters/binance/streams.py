"""A combined-stream WebSocket to Binance that keeps itself connected and subscribed.

Every connection is opened with the full list of streams in its URL
(``{stream_url}/stream?streams=a/b/c``), so a reconnect is subscribed the moment it opens: no
window where it is up but not yet subscribed, no control frames to count against the limit of
5 incoming messages a second, no replies to match. Streams added while a connection is up go
in one SUBSCRIBE frame, so the other streams are not cut; they are in the URL of the next one.

The connection is replaced when the server closes it or it fails, when it has been silent for
`watchdog_s` while it has streams, when it reaches `max_connection_s` (Binance ends every
connection at 24 h), and when asked (the server's serverShutdown event). Failed attempts wait
an exponential backoff with jitter, reset once a connection has stayed up for
`reconnect_max_s`; the planned replacements go at once. aiohttp answers the server's pings.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
from collections.abc import Callable
from typing import Literal

import aiohttp
import msgspec
from aiohttp import WSMsgType

from alphaforge.adapters.binance.config import BinanceConfig
from alphaforge.live.venue import ConnectionEvent

MAX_STREAMS = 1024  # Binance's limit per connection
CONTROL_INTERVAL_S = 0.25  # SUBSCRIBE frames at most 4 a second, under the limit of 5
WATCH_FRACTION = 4  # the watchdog looks this many times per watchdog_s
_DATA = (WSMsgType.TEXT, WSMsgType.BINARY)
_encode = msgspec.json.Encoder().encode

Socket = aiohttp.ClientWebSocketResponse[Literal[False]]  # text frames as bytes
State = Literal["connected", "disconnected", "reconnected"]


class CombinedStream:
    """The market-data connection: frames go to `on_frame`, state changes to `on_state`.

    `on_frame` gets the raw bytes of each message and must not raise. `on_failure` hears of a
    connection attempt that failed.
    """

    def __init__(
        self,
        config: BinanceConfig,
        on_frame: Callable[[bytes], None],
        on_state: Callable[[ConnectionEvent], None],
        on_failure: Callable[[str], None],
    ) -> None:
        self.config = config
        self.streams: list[str] = []
        self.frames = 0
        self.connects = 0
        self._on_frame = on_frame
        self._on_state = on_state
        self._on_failure = on_failure
        self._session: aiohttp.ClientSession | None = None
        self._ws: Socket | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._wake_reason = ""
        self._ids = itertools.count(1)
        self._control_lock = asyncio.Lock()
        self._last_control = 0.0

    def __repr__(self) -> str:
        state = "connected" if self.connected else "disconnected"
        return f"CombinedStream({self.config.stream_url!r}, {len(self.streams)} streams, {state})"

    @property
    def connected(self) -> bool:
        """Whether a connection is open now."""
        return self._ws is not None and not self._ws.closed

    async def start(self, session: aiohttp.ClientSession) -> None:
        """Open the first connection (raising if it cannot), then keep one open."""
        if self._task is not None:
            raise RuntimeError("the stream is already running")
        self._session = session
        ws = await self._connect()
        self._emit("connected")
        self._task = asyncio.get_running_loop().create_task(self._run(ws))

    def check_room(self, names: list[str]) -> None:
        """ValueError if `names` would take the connection past Binance's stream limit."""
        new = [n for n in dict.fromkeys(names) if n not in self.streams]
        if len(self.streams) + len(new) > MAX_STREAMS:
            raise ValueError(
                f"a connection carries at most {MAX_STREAMS} streams; "
                f"{len(self.streams)} are open and {len(new)} more were asked for"
            )

    async def add(self, names: list[str]) -> None:
        """Add streams: on the open connection at once, and on every later one."""
        self.check_room(names)
        new = [n for n in dict.fromkeys(names) if n not in self.streams]
        if not new:
            return
        self.streams.extend(new)
        async with self._control_lock:
            loop = asyncio.get_running_loop()
            await asyncio.sleep(max(0.0, self._last_control + CONTROL_INTERVAL_S - loop.time()))
            ws = self._ws
            if ws is None or ws.closed:
                return  # the next connection's URL has them
            frame = {"method": "SUBSCRIBE", "params": new, "id": next(self._ids)}
            with contextlib.suppress(ConnectionError, aiohttp.ClientError):
                await ws.send_str(_encode(frame).decode())
            self._last_control = loop.time()

    def reconnect(self, reason: str) -> None:
        """Replace the connection now (no backoff), e.g. when the server announces shutdown."""
        self._wake_reason = reason
        self._wake.set()

    async def stop(self) -> None:
        """Close the connection and stop reconnecting."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if self._ws is not None:  # the task was cancelled before it took the connection over
            await self._ws.close()
            self._ws = None
        self._emit("disconnected", "stopped")

    def _url(self) -> str:
        url = self.config.stream_url + "/stream"
        return url + "?streams=" + "/".join(self.streams) if self.streams else url

    async def _connect(self) -> Socket:
        assert self._session is not None
        async with asyncio.timeout(self.config.timeout_s):
            ws = await self._session.ws_connect(
                self._url(),
                autoping=True,
                decode_text=False,  # msgspec decodes the bytes; no str is built
                timeout=aiohttp.ClientWSTimeout(ws_close=self.config.timeout_s),
            )
        self._ws = ws
        self.connects += 1
        return ws

    async def _run(self, ws: Socket) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            opened = loop.time()
            reason, planned = await self._serve(ws)
            self._emit("disconnected", reason)
            if loop.time() - opened >= self.config.reconnect_max_s:
                failures = 0
            while True:
                if not planned:
                    await asyncio.sleep(self._backoff(failures))
                    failures += 1
                planned = False
                try:
                    ws = await self._connect()
                except (aiohttp.ClientError, OSError, TimeoutError) as error:
                    self._on_failure(f"connecting to {self.config.stream_url} failed: {error!r}")
                    continue
                break
            self._emit("reconnected", f"{len(self.streams)} streams")

    def _backoff(self, failures: int) -> float:
        ceiling = min(self.config.reconnect_max_s, self.config.reconnect_initial_s * 2.0**failures)
        return float(ceiling * random.uniform(0.5, 1.0))

    async def _serve(self, ws: Socket) -> tuple[str, bool]:
        """Read `ws` until it ends or must be replaced: (why, whether it was planned)."""
        loop = asyncio.get_running_loop()
        self._wake.clear()  # before the reader runs: it may read a serverShutdown at once
        reader = loop.create_task(self._read(ws))
        watcher = loop.create_task(self._watch())
        try:
            done, _ = await asyncio.wait((reader, watcher), return_when=asyncio.FIRST_COMPLETED)
        finally:
            # A cancelled receive marks the close abnormal, so close() does not wait for an
            # answer a dead peer would never send.
            reader.cancel()
            watcher.cancel()
            await asyncio.gather(reader, watcher, return_exceptions=True)
            await ws.close()
            self._ws = None
        if self._wake.is_set():
            # Asked for before the server's close, which may have been read first.
            return self._wake_reason, True
        ended = done.pop()
        error = ended.exception()
        if error is not None:
            return f"reading failed: {error!r}", False
        return ended.result()

    async def _read(self, ws: Socket) -> tuple[str, bool]:
        on_frame = self._on_frame
        receive = ws.receive
        data_types = _DATA
        while True:
            kind, data, _ = await receive()
            if kind in data_types:
                self.frames += 1
                on_frame(data)
            elif kind == WSMsgType.ERROR:
                return f"connection error: {data!r}", False
            else:
                return f"closed by the server (code {ws.close_code})", False

    async def _watch(self) -> tuple[str, bool]:
        loop = asyncio.get_running_loop()
        opened = loop.time()
        silence = self.config.watchdog_s
        retire = opened + self.config.max_connection_s
        seen, quiet_since = self.frames, opened
        while True:
            wait = min(silence / WATCH_FRACTION, retire - loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(wait, 0.0))
            if self._wake.is_set():
                return self._wake_reason, True
            now = loop.time()
            if now >= retire:
                age = self.config.max_connection_s
                return f"the connection reached max_connection_s ({age:g} s)", True
            if self.frames != seen or not self.streams:
                seen, quiet_since = self.frames, now
            elif now - quiet_since >= silence:
                return f"no message for {silence:g} s", False

    def _emit(self, state: State, detail: str = "") -> None:
        self._on_state(ConnectionEvent("market", state, detail))
