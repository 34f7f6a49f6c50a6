"""The order rows of ``alphaforge bench live``: tick-to-order and the order round trip.

Tick-to-order: the tick exchange (live_exchange.py, a process of its own) sends one trade and
stamps when the order it draws arrives; the clients are a TradingNode in live mode whose
strategy answers each trade with a limit order, and bare aiohttp loops that answer each frame
with a request of the same kind (the floor of a Python client on that path).

Order round trip: from ``submit_order`` to the order's executionReport NEW read from the
WebSocket API user data subscription, against the replay exchange (its order limits raised);
each order is then canceled, untimed, before the next. The peers are binance-sdk-spot's
WebSocket API client and bare aiohttp.

Every client returns its latencies in nanoseconds, warm-up orders left out.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any, Self

import aiohttp

from alphaforge.adapters.binance import BinanceConfig
from alphaforge.adapters.binance.config import OrderTransport
from alphaforge.adapters.binance.http import query_string, sign, ws_payload
from alphaforge.live import TradingNode
from alphaforge.live.venue import OrderReport
from alphaforge.replay.config import DEFAULT_API_KEY, DEFAULT_API_SECRET
from alphaforge.strategy import Strategy

SYMBOL = "BTCUSDT"
WARMUP = 20  # first orders of a session, left out: connections and caches warming up
ORDER_QTY = 0.001
RESTING_PRICE = 20000.0  # a buy far under the replayed market (about 39,400): it rests
EXCHANGE = [sys.executable, "-m", "alphaforge.benchmarks.live_exchange"]

Urls = dict[str, Any]
TickClient = Callable[[Urls, asyncio.Event], Awaitable[None]]


class Server:
    """An exchange of live_exchange.py in a process of its own; `urls` as it announced them."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.urls: Urls = {}
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Self:
        self._process = await asyncio.create_subprocess_exec(
            *EXCHANGE, *self.args, stdout=asyncio.subprocess.PIPE
        )
        self.urls = json.loads(await self._lines().readline())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._process is not None:
            if self._process.returncode is None:
                self._process.terminate()
            await self._process.wait()

    @property
    def exchange(self) -> Urls:
        """The URLs of the first replay exchange it runs."""
        first: Urls = self.urls["exchanges"][0]
        return first

    def _lines(self) -> asyncio.StreamReader:
        assert self._process is not None
        assert self._process.stdout is not None
        return self._process.stdout


# Tick-to-order.


class TickServer(Server):
    """The tick exchange: each session is one client answering `orders` trades."""

    def __init__(self, orders: int, pause_s: float) -> None:
        super().__init__("tick", "--trades", str(orders + WARMUP), "--pause", str(pause_s))
        self.orders = orders

    async def session(self, client: TickClient) -> list[int]:
        """Run `client` through one session; the latency of each of its orders."""
        stop = asyncio.Event()
        running = asyncio.ensure_future(client(self.urls, stop))
        line = asyncio.ensure_future(self._lines().readline())
        await asyncio.wait({running, line}, return_when=asyncio.FIRST_COMPLETED)
        if not line.done():  # the client gave up: say why
            line.cancel()
            running.result()
            raise RuntimeError("the client stopped before the exchange had its orders")
        stop.set()
        await running
        report = json.loads(line.result())
        if report["bad_signatures"]:
            raise RuntimeError(f"{report['bad_signatures']} orders came with a wrong signature")
        if report["missed"] or report["unmatched"]:
            raise RuntimeError(
                f"of {self.orders + WARMUP} trades, {report['missed']} drew no order in time, "
                f"and {report['unmatched']} orders came with no trade waiting"
            )
        latencies: list[int] = report["latencies_ns"]
        return latencies[WARMUP:]


class Answer(Strategy):
    """Answers every trade with a resting limit buy."""

    def on_start(self) -> None:
        self.subscribe_trades(SYMBOL)

    def on_trade(self, trade: Any) -> None:
        self.buy(SYMBOL, ORDER_QTY, limit=round(trade.price * 0.5, 2))


def node_client(transport: OrderTransport, journal: bool = False) -> TickClient:
    """A TradingNode in live mode, orders over `transport`, optionally journaled."""

    async def run(urls: Urls, stop: asyncio.Event) -> None:
        config = BinanceConfig.replay(
            urls["url"], urls["ws"], urls["ws"] + "/ws-api/v3", symbols=[SYMBOL],
            order_transport=transport,
        )  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            node = TradingNode(
                [Answer()],
                venue=config,
                mode="live",
                journal=Path(tmp) / "journal.db" if journal else None,
                cancel_on_stop=False,
                install_signal_handlers=False,
            )
            running = asyncio.ensure_future(node.run_async())
            await _until(stop, running)
            node.stop()
            stats = await running
        if stats.handler_errors or stats.orders_refused:
            raise RuntimeError(f"the node did not answer every trade: {stats}")

    return run


async def echo_rest(urls: Urls, stop: asyncio.Event) -> None:
    """Each frame read from the stream goes back as the body of a POST."""
    async with aiohttp.ClientSession() as session:
        order = urls["url"] + "/api/v3/order"
        async with session.get(urls["url"] + "/api/v3/time") as warm:  # a kept-alive connection
            await warm.read()
        ws = await session.ws_connect(urls["ws"] + "/stream?streams=btcusdt@trade")

        async def answer() -> None:
            async for message in ws:
                async with session.post(order, data=message.data) as answered:
                    await answered.read()

        await _while_running(answer(), stop)
        await ws.close()


async def echo_ws(urls: Urls, stop: asyncio.Event) -> None:
    """Each frame read from the stream goes out as an order.place frame on the WebSocket API."""
    async with aiohttp.ClientSession() as session:
        stream = await session.ws_connect(urls["ws"] + "/stream?streams=btcusdt@trade")
        api = await session.ws_connect(urls["ws"] + "/ws-api/v3")
        answers = asyncio.ensure_future(_drain(api))
        ids = itertools.count(1)

        async def answer() -> None:
            async for _ in stream:
                await api.send_str(f'{{"id":{next(ids)},"method":"order.place","params":{{}}}}')

        await _while_running(answer(), stop)
        answers.cancel()
        await stream.close()
        await api.close()


async def _while_running(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> None:
    """Run `work` until `stop` is set; raise if it ends before."""
    task = asyncio.ensure_future(work)
    await _until(stop, task)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


# The order round trip against the replay exchange.


class ReplayServer(Server):
    """The replay exchange with its order limits raised, for the round-trip rows."""

    def __init__(self) -> None:
        super().__init__("replay")

    def config(self, transport: OrderTransport) -> BinanceConfig:
        """A BinanceConfig pointing at it."""
        urls = self.exchange
        return BinanceConfig.replay(
            urls["rest"], urls["stream"], urls["ws_api"], symbols=[SYMBOL],
            order_transport=transport,
        )  # fmt: skip


RoundTrip = Callable[[ReplayServer, int], Awaitable[list[int]]]


class _AckNode(TradingNode):
    """A node that tells when the venue's user stream reports an order's next status."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting: tuple[str, asyncio.Future[int]] | None = None

    def on_order_report(self, report: OrderReport) -> None:
        stamp = time.perf_counter_ns()
        if self.waiting is not None and report.status == self.waiting[0]:
            future = self.waiting[1]
            if not future.done():
                future.set_result(stamp)
        super().on_order_report(report)

    def expect(self, status: str) -> asyncio.Future[int]:
        """A future that gets the time of the next report with `status`."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.waiting = (status, future)
        return future


class _Idle(Strategy):
    """Subscribes nothing: the benchmark sends its orders."""

    def __init__(self) -> None:
        super().__init__("roundtrip")
        self.started = asyncio.Event()

    def on_start(self) -> None:
        self.started.set()


def node_round_trip(transport: OrderTransport) -> RoundTrip:
    """TradingNode in live mode: submit_order to the executionReport NEW it receives."""

    async def run(server: ReplayServer, orders: int) -> list[int]:
        strategy = _Idle()
        prefix = f"rt{time.monotonic_ns() % 10**9}"  # unique per session at the exchange
        node = _AckNode([strategy], venue=server.config(transport), mode="live",
                        client_prefix=prefix, install_signal_handlers=False)  # fmt: skip
        running = asyncio.ensure_future(node.run_async())
        await _until(strategy.started, running)
        latencies: list[int] = []
        try:
            for _ in range(orders + WARMUP):
                acked = node.expect("ACCEPTED")
                sent = time.perf_counter_ns()
                order_id = strategy.buy(SYMBOL, ORDER_QTY, limit=RESTING_PRICE)
                latencies.append(await asyncio.wait_for(acked, 5) - sent)
                canceled = node.expect("CANCELED")
                strategy.cancel(order_id)
                await asyncio.wait_for(canceled, 5)
        finally:
            node.stop()
            await running
        return latencies[WARMUP:]

    return run


async def bare_round_trip(
    server: ReplayServer, orders: int, transport: OrderTransport
) -> list[int]:
    """aiohttp alone: a signed order, then its executionReport NEW on the user subscription."""
    urls = server.exchange
    prefix = f"bare{time.monotonic_ns() % 10**9}"
    latencies: list[int] = []
    async with aiohttp.ClientSession() as session:
        api = await session.ws_connect(urls["ws_api"])
        requests = itertools.count(1)

        async def ws_request(method: str, params: dict[str, object]) -> None:
            payload = {**params, "apiKey": DEFAULT_API_KEY, "timestamp": time.time_ns() // 10**6}
            payload["signature"] = sign(DEFAULT_API_SECRET, ws_payload(payload))
            frame = {"id": next(requests), "method": method, "params": payload}
            await api.send_str(json.dumps(frame))

        async def rest(method: str, path: str, params: Mapping[str, object]) -> None:
            query = query_string({**params, "timestamp": time.time_ns() // 10**6})
            url = f"{urls['rest']}{path}?{query}&signature={sign(DEFAULT_API_SECRET, query)}"
            headers = {"X-MBX-APIKEY": DEFAULT_API_KEY}
            async with session.request(method, url, headers=headers) as answer:
                body = await answer.read()
            if answer.status != 200:
                raise RuntimeError(f"{method} {path} refused: {answer.status} {body[:200]!r}")

        async def event(client_id: str, kind: str) -> int:
            async with asyncio.timeout(5):
                return await next_event(client_id, kind)

        async def next_event(client_id: str, kind: str) -> int:
            while True:
                message = await api.receive()
                if message.type != aiohttp.WSMsgType.TEXT:
                    raise RuntimeError(f"the user data connection ended: {message.type!r}")
                stamp = time.perf_counter_ns()
                body = json.loads(message.data).get("event") or {}
                # A cancel's report names the order in C (c is the cancel's own id).
                named = body.get("C") or body.get("c")
                if (body.get("e"), named, body.get("x")) == ("executionReport", client_id, kind):
                    return stamp

        await ws_request("userDataStream.subscribe.signature", {})
        await rest("GET", "/api/v3/account", {})  # a kept-alive REST connection
        for n in range(orders + WARMUP):
            cid = f"{prefix}-{n}"
            order = {**_resting_order(), "newClientOrderId": cid}
            sent = time.perf_counter_ns()
            if transport == "ws":
                await ws_request("order.place", order)
                latencies.append(await event(cid, "NEW") - sent)
                await ws_request("order.cancel", {"symbol": SYMBOL, "origClientOrderId": cid})
            else:
                placing = asyncio.ensure_future(rest("POST", "/api/v3/order", order))
                latencies.append(await event(cid, "NEW") - sent)
                await placing
                cancel = {"symbol": SYMBOL, "origClientOrderId": cid}
                canceling = asyncio.ensure_future(rest("DELETE", "/api/v3/order", cancel))
                await event(cid, "CANCELED")
                await canceling
                continue
            await event(cid, "CANCELED")
        await api.close()
    return latencies[WARMUP:]


async def sdk_round_trip(server: ReplayServer, orders: int) -> list[int]:
    """binance-sdk-spot's WebSocket API client: order_place to its executionReport NEW."""
    from binance_common.configuration import ConfigurationWebSocketAPI
    from binance_sdk_spot.spot import Spot

    config = ConfigurationWebSocketAPI(
        api_key=DEFAULT_API_KEY, api_secret=DEFAULT_API_SECRET, stream_url=server.exchange["ws_api"]
    )
    api = await Spot(config_ws_api=config).websocket_api.create_connection()  # type: ignore[no-untyped-call]
    waiting: dict[tuple[str, str], asyncio.Future[int]] = {}

    def on_event(event: Any) -> None:
        stamp = time.perf_counter_ns()
        report = event.actual_instance
        named = getattr(report, "C", "") or getattr(report, "c", "")
        future = waiting.pop((named, getattr(report, "x", "")), None)
        if future is not None and not future.done():
            future.set_result(stamp)

    loop = asyncio.get_running_loop()
    prefix = f"sdk{time.monotonic_ns() % 10**9}"
    latencies: list[int] = []
    try:
        subscription = await api.user_data_stream_subscribe_signature()
        subscription.stream.on("message", on_event)
        for n in range(orders + WARMUP):
            cid = f"{prefix}-{n}"
            acked = waiting[(cid, "NEW")] = loop.create_future()
            canceled = waiting[(cid, "CANCELED")] = loop.create_future()
            sent = time.perf_counter_ns()
            place = api.order_place(
                symbol=SYMBOL, side="BUY", type="LIMIT", time_in_force="GTC",
                quantity=ORDER_QTY, price=RESTING_PRICE, new_client_order_id=cid,
            )  # fmt: skip
            placing = asyncio.ensure_future(place)
            latencies.append(await asyncio.wait_for(acked, 5) - sent)
            await placing
            await api.order_cancel(symbol=SYMBOL, orig_client_order_id=cid)
            await asyncio.wait_for(canceled, 5)
    finally:
        await api.close_connection()
    return latencies[WARMUP:]


def _resting_order() -> dict[str, object]:
    return {"symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
            "quantity": ORDER_QTY, "price": RESTING_PRICE}  # fmt: skip


async def _until(event: asyncio.Event, task: asyncio.Future[Any]) -> None:
    """Wait for `event`; if `task` ends first, raise what ended it."""
    waiter = asyncio.ensure_future(event.wait())
    await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    if not waiter.done():
        waiter.cancel()
        task.result()
        raise RuntimeError("the client ended before it was asked to")


async def _drain(ws: aiohttp.ClientWebSocketResponse) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        async for _ in ws:
            pass
