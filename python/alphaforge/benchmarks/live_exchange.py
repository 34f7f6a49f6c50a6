"""The exchanges ``alphaforge bench live`` starts, each in a process of its own.

``tick``: a loopback exchange for the tick-to-order benchmark. It answers what a TradingNode
in live mode asks before it trades (server time, exchangeInfo, the account, the user data
subscription on the WebSocket API), then sends one trade frame at a time on the combined
stream and stamps, with this process's monotonic clock, when the order it answers arrives
(POST /api/v3/order, or order.place on the WebSocket API). Each trade waits for that order,
plus a pause, so no two are in flight. It prints each client's latencies as one JSON line.

``replay``: replay exchanges with order rate limits raised, so a benchmark can place orders
back to back; it prints their URLs as one JSON line.

Both bind 127.0.0.1 on a free port and stop by themselves after ``--deadline`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import signal
import sys
import time
from typing import Any

from aiohttp import WSMsgType, web

from alphaforge.replay import ReplayConfig, ReplayExchange
from alphaforge.replay.config import DEFAULT_API_KEY, DEFAULT_API_SECRET, RateLimits

SYMBOL = "BTCUSDT"
TRADE_STREAM = "btcusdt@trade"
FIRST_TRADE_ID = 1_000_000
PRICE = "39432.48000000"
ORDER_WAIT_S = 1.0  # a trade whose order has not come by then counts as missed
_ORDER_LIMIT = 1_000_000  # orders a 10 s window and a day: the benchmarks send them back to back


def exchange_info() -> dict[str, object]:
    """exchangeInfo of the one symbol, with limits that never hold an order back."""
    filters: list[dict[str, object]] = [
        {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000",
         "tickSize": "0.01"},
        {"filterType": "LOT_SIZE", "minQty": "0.000001", "maxQty": "9000",
         "stepSize": "0.000001"},
        {"filterType": "NOTIONAL", "minNotional": "5", "applyMinToMarket": True,
         "maxNotional": "9000000", "applyMaxToMarket": False},
    ]  # fmt: skip
    limits = [
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
         "limit": _ORDER_LIMIT},
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10,
         "limit": _ORDER_LIMIT},
    ]  # fmt: skip
    symbol = {"symbol": SYMBOL, "status": "TRADING", "baseAsset": "BTC", "quoteAsset": "USDT",
              "orderTypes": ["LIMIT", "MARKET"], "filters": filters}  # fmt: skip
    return {"timezone": "UTC", "rateLimits": limits, "symbols": [symbol]}


def trade_frame(trade_id: int) -> bytes:
    """One trade on the combined stream, as Binance sends it."""
    ms = time.time_ns() // 1_000_000
    data = (
        f'{{"e":"trade","E":{ms},"s":"{SYMBOL}","t":{trade_id},"p":"{PRICE}",'
        f'"q":"0.00100000","T":{ms},"m":true,"M":true}}'
    )
    return f'{{"stream":"{TRADE_STREAM}","data":{data}}}'.encode()


class TickExchange:
    """Sends `trades` trades one by one to each client in turn and times the order each draws.

    A client's session starts when its combined-stream connection subscribes the trade stream
    and ends after the last trade's order (or wait), with one JSON line of its latencies.
    """

    def __init__(self, trades: int, pause_s: float, secret: str) -> None:
        self.trades = trades
        self.pause_s = pause_s
        self.secret = secret.encode()
        self._latencies_ns: list[int] = []
        self._unmatched = 0  # orders that came while no trade waited for one
        self._bad_signatures = 0
        self._waiter: asyncio.Future[int] | None = None
        self._order_ids = 0
        self._session = asyncio.Lock()

    def app(self) -> web.Application:
        """The routes a node and the echo clients use."""
        app = web.Application()
        app.router.add_get("/api/v3/time", self._time)
        app.router.add_get("/api/v3/exchangeInfo", self._info)
        app.router.add_get("/api/v3/account", self._account)
        app.router.add_get("/api/v3/openOrders", self._open_orders)
        app.router.add_post("/api/v3/order", self._rest_order)
        app.router.add_get("/stream", self._stream)
        app.router.add_get("/ws-api/v3", self._ws_api)
        return app

    def _arrived(self, stamp: int) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(stamp)
        else:
            self._unmatched += 1

    async def _rest_order(self, request: web.Request) -> web.Response:
        stamp = time.perf_counter_ns()  # first: the time to compare with the trade's send
        self._arrived(stamp)
        await request.read()
        query = request.query_string
        payload, _, signature = query.rpartition("&signature=")
        if payload and not hmac.compare_digest(self._sign(payload), signature):
            self._bad_signatures += 1
        return web.json_response(self._order(request.query.get("newClientOrderId", "")))

    async def _ws_api(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            stamp = time.perf_counter_ns()
            frame = json.loads(message.data)
            method, params = frame.get("method"), frame.get("params") or {}
            result: object = {}
            if method == "order.place":
                self._arrived(stamp)
                signed = {k: v for k, v in params.items() if k != "signature"}
                text = "&".join(f"{k}={signed[k]}" for k in sorted(signed))
                if "signature" in params and not hmac.compare_digest(
                    self._sign(text), str(params["signature"])
                ):
                    self._bad_signatures += 1
                result = self._order(str(params.get("newClientOrderId", "")))
            elif method == "userDataStream.subscribe.signature":
                result = {"subscriptionId": 0}
            answer = {"id": frame.get("id"), "status": 200, "result": result}
            await ws.send_str(json.dumps(answer))
        return ws

    async def _stream(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        subscribed = TRADE_STREAM in request.query.get("streams", "")
        if not subscribed:
            async for message in ws:  # a node subscribes with a SUBSCRIBE frame once it runs
                if message.type != WSMsgType.TEXT:
                    break
                frame = json.loads(message.data)
                await ws.send_str(json.dumps({"result": None, "id": frame.get("id")}))
                if TRADE_STREAM in frame.get("params", ()):
                    subscribed = True
                    break
        if subscribed:
            async with self._session:
                reader = asyncio.get_running_loop().create_task(self._drain(ws))
                await self._feed(ws)
                _announce(self._report())
                await reader  # the stream stays open until the client closes it
        return ws

    async def _drain(self, ws: web.WebSocketResponse) -> None:
        async for _ in ws:
            pass

    async def _feed(self, ws: web.WebSocketResponse) -> None:
        loop = asyncio.get_running_loop()
        self._latencies_ns, self._unmatched, self._bad_signatures = [], 0, 0
        await asyncio.sleep(0.1)  # the client's handlers are in place
        for n in range(self.trades):
            frame = trade_frame(FIRST_TRADE_ID + n)
            self._waiter = loop.create_future()
            sent = time.perf_counter_ns()
            await ws.send_frame(frame, WSMsgType.TEXT)
            with contextlib.suppress(TimeoutError):
                self._latencies_ns.append(await asyncio.wait_for(self._waiter, ORDER_WAIT_S) - sent)
            self._waiter = None
            await asyncio.sleep(self.pause_s)

    def _report(self) -> dict[str, object]:
        return {
            "latencies_ns": self._latencies_ns,
            "missed": self.trades - len(self._latencies_ns),
            "unmatched": self._unmatched,
            "bad_signatures": self._bad_signatures,
        }

    def _order(self, client_id: str) -> dict[str, object]:
        self._order_ids += 1
        now = time.time_ns() // 1_000_000
        return {"symbol": SYMBOL, "orderId": self._order_ids, "orderListId": -1,
                "clientOrderId": client_id, "transactTime": now, "price": "1.00000000",
                "origQty": "0.00100000", "executedQty": "0.00000000",
                "cummulativeQuoteQty": "0.00000000", "status": "NEW", "timeInForce": "GTC",
                "type": "LIMIT", "side": "BUY", "workingTime": now,
                "selfTradePreventionMode": "NONE"}  # fmt: skip

    def _sign(self, payload: str) -> str:
        return hmac.new(self.secret, payload.encode(), hashlib.sha256).hexdigest()

    async def _time(self, _: web.Request) -> web.Response:
        return web.json_response({"serverTime": time.time_ns() // 1_000_000})

    async def _info(self, _: web.Request) -> web.Response:
        return web.json_response(exchange_info())

    async def _account(self, _: web.Request) -> web.Response:
        balances = [{"asset": "USDT", "free": "1000000000", "locked": "0"},
                    {"asset": "BTC", "free": "1000", "locked": "0"}]  # fmt: skip
        return web.json_response({"balances": balances, "updateTime": 0})

    async def _open_orders(self, _: web.Request) -> web.Response:
        return web.json_response([])


async def serve_ticks(trades: int, pause_s: float, deadline_s: float) -> None:
    """Serve sessions of `trades` trades until SIGTERM or the deadline."""
    exchange = TickExchange(trades, pause_s, DEFAULT_API_SECRET)
    runner = web.AppRunner(exchange.app(), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    _announce({"url": f"http://127.0.0.1:{port}", "ws": f"ws://127.0.0.1:{port}"})
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), deadline_s)
    finally:
        await runner.cleanup()


async def serve_replay(
    count: int, speed: float, loops: int | None, start_on_subscribe: bool, deadline_s: float
) -> None:
    """Run `count` replay exchanges, order limits raised, until SIGTERM or the deadline.

    Each has its own port, feed and accounts; one that no client has subscribed to waits
    idle, so a benchmark can read them one after the other for the cost of one start."""
    limits = RateLimits(orders_per_10s=_ORDER_LIMIT, orders_per_day=_ORDER_LIMIT)
    keys = {DEFAULT_API_KEY: DEFAULT_API_SECRET}
    config = ReplayConfig(port=0, speed=speed, loops=loops, start_on_subscribe=start_on_subscribe,
                          limits=limits, api_keys=keys)  # fmt: skip
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with contextlib.AsyncExitStack() as stack:
        exchanges = [await stack.enter_async_context(ReplayExchange(config)) for _ in range(count)]
        urls = [{"rest": e.rest_url, "stream": e.stream_url, "ws_api": e.ws_api_url}
                for e in exchanges]  # fmt: skip
        _announce({"exchanges": urls})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), deadline_s)


def _announce(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    """``python -m alphaforge.benchmarks.live_exchange tick|replay ...``."""
    parser = argparse.ArgumentParser(prog="alphaforge.benchmarks.live_exchange")
    kinds = parser.add_subparsers(dest="kind", required=True)
    tick = kinds.add_parser("tick")
    tick.add_argument("--trades", type=int, required=True)
    tick.add_argument("--pause", type=float, default=0.002, help="seconds between trades")
    tick.add_argument("--deadline", type=float, default=300.0)
    replay = kinds.add_parser("replay")
    replay.add_argument("--count", type=int, default=1, help="exchanges, each on its own port")
    replay.add_argument("--speed", type=float, default=1.0)
    replay.add_argument("--loops", type=int)
    replay.add_argument("--start-on-subscribe", action="store_true")
    replay.add_argument("--deadline", type=float, default=300.0)
    args = parser.parse_args(argv)
    if args.kind == "tick":
        asyncio.run(serve_ticks(args.trades, args.pause, args.deadline))
    else:
        asyncio.run(
            serve_replay(args.count, args.speed, args.loops, args.start_on_subscribe, args.deadline)
        )


if __name__ == "__main__":
    main()
