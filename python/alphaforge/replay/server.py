"""ReplayExchange: the local Binance Spot exchange as an object, for tests, demos and benchmarks.

Use it as ``async with ReplayExchange(config) as exchange:`` inside a running event loop, or
``with ReplayExchange(config) as exchange:`` from synchronous code, which runs the server on a
background thread of its own. Either way it binds ``config.host`` (127.0.0.1 by default); port 0
picks a free port, read back from :attr:`ReplayExchange.port`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable
from decimal import Decimal
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from alphaforge.replay.auth import Authenticator
from alphaforge.replay.config import ReplayConfig
from alphaforge.replay.context import Context
from alphaforge.replay.depth import DerivedDepth
from alphaforge.replay.exchange import Exchange, now_ms
from alphaforge.replay.faults import Faults
from alphaforge.replay.feed import Feed
from alphaforge.replay.frames import StreamBook
from alphaforge.replay.market import load_market
from alphaforge.replay.ratelimits import RateLimiter
from alphaforge.replay.rest import CONTEXT, dispatch
from alphaforge.replay.streams import stream_handler
from alphaforge.replay.ws_api import ws_api_handler

T = TypeVar("T")
_STOP_TIMEOUT_S = 2.0


class ReplayExchange:
    """A replaying, order-matching exchange server speaking the Binance Spot protocol."""

    def __init__(self, config: ReplayConfig | None = None, **overrides: Any) -> None:
        base = config if config is not None else ReplayConfig()
        self.config = dataclasses.replace(base, **overrides) if overrides else base
        self.port = self.config.port
        self._ctx: Context | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        state = "running" if self._runner is not None else "stopped"
        return f"ReplayExchange({self.config.symbol}, {self.config.host}:{self.port}, {state})"

    # URLs.

    @property
    def rest_url(self) -> str:
        """Base URL of the REST API (``/api/v3/...`` goes after it)."""
        return f"http://{self.config.host}:{self.port}"

    @property
    def stream_url(self) -> str:
        """Base URL of the market streams (``/ws/<name>`` or ``/stream?streams=...`` after it)."""
        return f"ws://{self.config.host}:{self.port}"

    @property
    def ws_api_url(self) -> str:
        """URL of the WebSocket API."""
        return f"ws://{self.config.host}:{self.port}/ws-api/v3"

    @property
    def api_key(self) -> str:
        """The first configured API key."""
        return next(iter(self.config.api_keys))

    @property
    def api_secret(self) -> str:
        """The secret of :attr:`api_key`."""
        return self.config.api_keys[self.api_key]

    # Lifecycle in a running loop.

    async def start(self) -> None:
        """Load the data, bind the port and start the replay."""
        if self._runner is not None:
            raise RuntimeError("the replay exchange is already running")
        ctx = self._build()
        app = web.Application()
        app[CONTEXT] = ctx
        app.router.add_get("/ws", stream_handler)
        app.router.add_get("/ws/{streams:.*}", stream_handler)
        app.router.add_get("/stream", stream_handler)
        app.router.add_get("/ws-api/v3", ws_api_handler)
        app.router.add_route("*", "/api/v3/{tail:.*}", dispatch)
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=_STOP_TIMEOUT_S
        )
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port)
        await site.start()
        self.port = int(runner.addresses[0][1])
        self._ctx, self._runner, self._loop = ctx, runner, asyncio.get_running_loop()
        self._tasks = [asyncio.create_task(ctx.feed.run(not self.config.start_on_subscribe))]
        if self.config.faults.shutdown_after:
            self._tasks.append(
                asyncio.create_task(self._shutdown_after(self.config.faults.shutdown_after))
            )

    async def stop(self) -> None:
        """Close every connection and stop the server."""
        if self._runner is None or self._ctx is None:
            return
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(
            *(c.ws.close() for c in list(self._ctx.connections)), return_exceptions=True
        )
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> ReplayExchange:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def wait_finished(self) -> None:
        """Wait until the feed has played its last loop (never, when loops is None)."""
        await self._context().feed.finished.wait()

    @property
    def finished(self) -> bool:
        """Whether the feed has played its last loop."""
        return self._context().feed.finished.is_set()

    # Lifecycle on a thread of its own.

    def __enter__(self) -> ReplayExchange:
        self.start_in_thread()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_thread()

    def start_in_thread(self) -> None:
        """Run the server on a background thread with its own event loop; return once it listens."""
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as error:  # reported to the starting thread
                failure.append(error)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=serve, name="replay-exchange", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            raise failure[0]

    def stop_thread(self) -> None:
        """Stop a server started with :meth:`start_in_thread` and join its thread."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._thread = None

    def wait_finished_sync(self, timeout: float | None = None) -> bool:
        """From another thread: wait until the feed has played its last loop."""
        future = asyncio.run_coroutine_threadsafe(self.wait_finished(), self._running_loop())
        try:
            future.result(timeout)
        except TimeoutError:
            future.cancel()
            return False
        return True

    # Ground truth, for tests that compare a client's records with the exchange's.

    def orders(self, api_key: str | None = None) -> list[dict[str, object]]:
        """Every order of `api_key` (the first key by default), as GET /api/v3/order shows it."""
        key = api_key or self.api_key
        return self._call(lambda ex: [o.query() for o in ex.orders.values() if o.api_key == key])

    def trades(self, api_key: str | None = None) -> list[dict[str, object]]:
        """Every fill of `api_key`, as GET /api/v3/myTrades shows it."""
        key = api_key or self.api_key
        return self._call(lambda ex: [f.my_trade() for f in ex.fills[key]])

    def balances(self, api_key: str | None = None) -> dict[str, tuple[Decimal, Decimal]]:
        """(free, locked) per asset of `api_key`, exact."""
        key = api_key or self.api_key
        return self._call(lambda ex: ex.accounts[key].balances())

    def _call(self, read: Callable[[Exchange], T]) -> T:
        exchange = self._context().exchange
        loop = self._running_loop()
        if self._thread is None or threading.current_thread() is self._thread:
            return read(exchange)

        async def on_loop() -> T:
            return read(exchange)

        return asyncio.run_coroutine_threadsafe(on_loop(), loop).result()

    def _context(self) -> Context:
        if self._ctx is None:
            raise RuntimeError("the replay exchange has not been started")
        return self._ctx

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("the replay exchange has not been started")
        return self._loop

    def _build(self) -> Context:
        config = self.config
        tick, step = float(config.tick_size), float(config.step_size)
        market = load_market(config.data, config.quotes, config.symbol, tick)
        depth = DerivedDepth(market, tick, step, config.depth_levels, config.seed)
        offset = now_ms() - market.start_ms if config.rebase_times else 0
        streams = StreamBook(market, depth, config.symbol, offset)
        feed = Feed(
            streams, None, speed=config.speed, loops=config.loops, gap_every=config.faults.gap_every
        )
        exchange = Exchange(config, feed)
        feed.exchange = exchange
        return Context(
            config=config,
            streams=streams,
            feed=feed,
            exchange=exchange,
            auth=Authenticator(config.api_keys),
            limiter=RateLimiter(config.limits),
            faults=Faults(config.faults),
        )

    async def _shutdown_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        ctx = self._context()
        now = now_ms()
        await asyncio.gather(
            *(c.shutdown(now) for c in list(ctx.connections)), return_exceptions=True
        )
