"""Every fault flag of the replay exchange, seen from a real client."""

from __future__ import annotations

import asyncio
import itertools
import json
import time

import aiohttp

from alphaforge.replay import FaultConfig
from replay_helpers import Rest, WsApi, run, serving

FEED = {"speed": 0, "loops": 1, "start_on_subscribe": True}


@run
async def test_drop_every_closes_the_connection_after_n_messages() -> None:
    # A real pace, so the feed is still under way when the client reconnects.
    async with serving(faults=FaultConfig(drop_every=5), speed=50, loops=1) as (exchange, session):
        for _ in range(2):  # and a reconnect is served again
            ws = await session.ws_connect(exchange.stream_url + "/ws/btcusdt@trade")
            received = []
            async for message in ws:
                received.append(json.loads(message.data))
            assert len(received) == 5
            assert ws.closed


@run
async def test_gap_every_skips_depth_update_ids() -> None:
    async with serving(faults=FaultConfig(gap_every=3), **FEED) as (exchange, session):
        ws = await session.ws_connect(exchange.stream_url + "/ws/btcusdt@depth@100ms")
        events = [json.loads(await ws.receive_str()) for _ in range(20)]
        gaps = [b["U"] - a["u"] - 1 for a, b in itertools.pairwise(events)]
        assert gaps.count(0) > 0
        assert all(g >= 0 for g in gaps)
        assert sum(1 for g in gaps if g > 0) >= 6  # one event in three is missing
        await ws.close()


@run
async def test_gap_every_on_a_combined_stream_keeps_the_other_streams_flowing() -> None:
    async with serving(faults=FaultConfig(gap_every=3), **FEED) as (exchange, session):
        streams = "btcusdt@depth@100ms/btcusdt@trade"
        ws = await session.ws_connect(f"{exchange.stream_url}/stream?streams={streams}")
        names = [json.loads(await ws.receive_str())["stream"] for _ in range(300)]
        assert {"btcusdt@depth@100ms", "btcusdt@trade"} <= set(names)
        await ws.close()


@run
async def test_malformed_every_adds_frames_that_are_not_json_and_loses_nothing() -> None:
    async with serving(faults=FaultConfig(malformed_every=4), **FEED) as (exchange, session):
        ws = await session.ws_connect(exchange.stream_url + "/ws/btcusdt@trade")
        trades, broken = [], 0
        while len(trades) < 100:
            text = await ws.receive_str()
            try:
                trades.append(json.loads(text))
            except json.JSONDecodeError:
                broken += 1
        assert broken == 25
        ids = [t["t"] for t in trades]
        assert ids == list(range(ids[0], ids[0] + 100))
        await ws.close()


@run
async def test_http429_every_refuses_every_nth_request_with_retry_after() -> None:
    async with serving(faults=FaultConfig(http429_every=3), speed=0, loops=1) as (
        exchange,
        session,
    ):
        rest = Rest(session, exchange)
        statuses = []
        for _ in range(6):
            status, body, headers = await rest.public("GET", "/api/v3/ping")
            statuses.append(status)
            if status == 429:
                assert body["code"] == -1003
                assert headers["Retry-After"] == "1"
        assert statuses == [200, 200, 429, 200, 200, 429]


@run
async def test_http5xx_order_every_answers_503_for_an_order_that_exists() -> None:
    async with serving(faults=FaultConfig(http5xx_order_every=2), speed=0, loops=1) as (
        exchange,
        session,
    ):
        await exchange.wait_finished()
        rest = Rest(session, exchange)
        order = {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.001",
            "price": "30000",
        }
        assert (await rest.signed("POST", "/api/v3/order", newClientOrderId="a", **order))[0] == 200
        status, body, _ = await rest.signed("POST", "/api/v3/order", newClientOrderId="b", **order)
        assert (status, body["code"]) == (503, -1007)
        found = await rest.ok("GET", "/api/v3/order", symbol="BTCUSDT", origClientOrderId="b")
        assert found["status"] == "NEW"
        assert [o["clientOrderId"] for o in exchange.orders()] == ["a", "b"]
        # A blind resend of the same client id is refused while the order is open.
        status, body, _ = await rest.signed("POST", "/api/v3/order", newClientOrderId="b", **order)
        assert (status, body["code"]) == (400, -2010)
        api = WsApi(
            await session.ws_connect(exchange.ws_api_url), exchange.api_key, exchange.api_secret
        )
        answer = await api.call("order.place", signed=True, newClientOrderId="c", **order)
        assert answer["status"] == 200  # the third accepted order (the refused one not counted)
        answer = await api.call("order.place", signed=True, newClientOrderId="d", **order)
        assert (answer["status"], answer["error"]["code"]) == (503, -1007)
        assert exchange.orders()[-1]["clientOrderId"] == "d"


@run
async def test_latency_ms_delays_every_answer() -> None:
    async with serving(faults=FaultConfig(latency_ms=150), speed=0, loops=1) as (exchange, session):
        rest = Rest(session, exchange)
        start = time.perf_counter()
        await rest.public("GET", "/api/v3/ping")
        assert time.perf_counter() - start >= 0.15


@run
async def test_shutdown_after_sends_server_shutdown_then_closes() -> None:
    async with serving(faults=FaultConfig(shutdown_after=0.3), speed=0, loops=1) as (
        exchange,
        session,
    ):
        raw = await session.ws_connect(exchange.stream_url + "/ws")
        combined = await session.ws_connect(exchange.stream_url + "/stream")
        api = await session.ws_connect(exchange.ws_api_url)
        raw_event = json.loads(await raw.receive_str())
        combined_event = json.loads(await combined.receive_str())
        api_event = json.loads(await api.receive_str())
        assert raw_event["e"] == "serverShutdown"
        assert combined_event["stream"] == "!serverShutdown"
        assert api_event["event"]["e"] == "serverShutdown"
        for ws in (raw, combined, api):
            closing = await asyncio.wait_for(ws.receive(), 2)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        # The server itself keeps serving: a client that reconnects is answered.
        assert (await Rest(session, exchange).public("GET", "/api/v3/ping"))[0] == 200
