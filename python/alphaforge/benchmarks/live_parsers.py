"""The parser rows of ``alphaforge bench live``: Binance messages decoded per second.

The messages are recorded at the start of the run from the replay exchange over a real
WebSocket: one loop of the bundled record on the combined trade and depth streams, and the
executionReports of orders placed, canceled and filled over the WebSocket API. Each is decoded
as the adapter does it (msgspec Structs from schemas.py: one decoder over the subscribed
streams' frames, and for user data the WebSocket API frame, the event's head, then the
report) and, as peers, by ``json.loads`` and ``orjson.loads`` into dicts, numbers left as
the strings Binance sends (less work than the adapter's floats).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any, Literal

import aiohttp

from alphaforge.adapters.binance import schemas
from alphaforge.adapters.binance.data import frames_decoder, stream_frame
from alphaforge.adapters.binance.http import sign, ws_payload
from alphaforge.replay import ReplayConfig, ReplayExchange

TRADE = "btcusdt@trade"
DEPTH = "btcusdt@depth@100ms"
QUIET_S = 0.3  # no frame for this long after the feed ended: everything is in
ORDERS = 20  # limit orders placed and canceled, and as many market orders, for the reports

Recorded = dict[str, list[bytes]]
Socket = aiohttp.ClientWebSocketResponse[Literal[False]]  # text frames as bytes


async def record() -> Recorded:
    """Trade and depth frames of one loop, and executionReport frames, from the exchange."""
    config = ReplayConfig(port=0, speed=0, loops=1, start_on_subscribe=True)
    async with ReplayExchange(config) as exchange, aiohttp.ClientSession() as session:
        frames: list[bytes] = []
        ws = await session.ws_connect(
            f"{exchange.stream_url}/stream?streams={TRADE}/{DEPTH}", decode_text=False
        )
        await exchange.wait_finished()
        while True:
            try:
                message = await ws.receive(timeout=QUIET_S)
            except TimeoutError:
                break
            frames.append(message.data)
        await ws.close()
        api = await session.ws_connect(exchange.ws_api_url, decode_text=False)
        reports = await _reports(api, exchange.api_key, exchange.api_secret)
        await api.close()
    trade_head = b'{"stream":"' + TRADE.encode()
    return {
        "trade": [f for f in frames if f.startswith(trade_head)],
        "depthUpdate": [f for f in frames if not f.startswith(trade_head)],
        "executionReport": reports,
    }


async def _reports(api: Socket, key: str, secret: str) -> list[bytes]:
    ids = iter(range(1, 1_000_000))

    async def send(method: str, params: dict[str, object]) -> None:
        payload = {**params, "apiKey": key, "timestamp": time.time_ns() // 1_000_000}
        payload["signature"] = sign(secret, ws_payload(payload))
        await api.send_str(json.dumps({"id": next(ids), "method": method, "params": payload}))

    await send("userDataStream.subscribe.signature", {})
    for n in range(ORDERS):
        order = {"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.001"}
        await send("order.place", {**order, "type": "LIMIT", "timeInForce": "GTC",
                                   "price": "20000", "newClientOrderId": f"rest-{n}"})  # fmt: skip
        await send("order.cancel", {"symbol": "BTCUSDT", "origClientOrderId": f"rest-{n}"})
        await send("order.place", {**order, "type": "MARKET", "newClientOrderId": f"take-{n}"})
    reports: list[bytes] = []
    expected = ORDERS * 4  # NEW and CANCELED; NEW and at least one TRADE
    async with asyncio.timeout(10):
        while len(reports) < expected:
            message = await api.receive()
            if b'"executionReport"' in message.data:
                reports.append(message.data)
    return reports


def decoders() -> dict[str, Callable[[bytes], Any]]:
    """The adapter's decoder of each kind, built as BinanceMarketData and WsApi build them."""
    streams = frames_decoder(
        [stream_frame(TRADE, schemas.TradeEvent), stream_frame(DEPTH, schemas.DepthUpdate)]
    )

    def user_event(frame: bytes) -> Any:
        event = schemas.decode_ws_frame(frame).event
        if schemas.decode_event_head(event).type == "executionReport":
            return schemas.decode_execution_report(event)
        return None

    return {"trade": streams, "depthUpdate": streams, "executionReport": user_event}


def workload(decode: Callable[[bytes], Any], messages: list[bytes]) -> Callable[[], float]:
    """Messages per second of `decode` over `messages`."""

    def once() -> float:
        start = time.perf_counter()
        for message in messages:
            decode(message)
        return len(messages) / (time.perf_counter() - start)

    return once
