"""Market streams of the replay exchange over real WebSockets on loopback."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from replay_helpers import Rest, run, serving


@run
async def test_a_raw_stream_delivers_every_trade_of_the_loops_then_the_feed_finishes() -> None:
    async with serving(speed=0, loops=2, start_on_subscribe=True) as (exchange, session):
        ws = await session.ws_connect(exchange.stream_url + "/ws/btcusdt@trade")
        trades = [json.loads(await ws.receive_str()) for _ in range(2 * 2001)]
        await asyncio.wait_for(exchange.wait_finished(), 5)
        assert exchange.finished
        ids = [t["t"] for t in trades]
        assert ids == list(range(ids[0], ids[0] + len(ids)))
        times = [t["T"] for t in trades]
        assert times == sorted(times)
        assert {t["e"] for t in trades} == {"trade"}
        await ws.close()


@run
async def test_combined_streams_and_live_control_frames() -> None:
    async with serving(speed=0, loops=1, start_on_subscribe=True) as (exchange, session):
        ws = await session.ws_connect(exchange.stream_url + "/stream")
        await ws.send_json({"method": "LIST_SUBSCRIPTIONS", "id": 1})
        assert await ws.receive_json() == {"result": [], "id": 1}
        await ws.send_json(
            {
                "method": "SUBSCRIBE",
                "params": ["btcusdt@bookTicker", "btcusdt@aggTrade"],
                "id": 2,
            }
        )
        seen: dict[str, Any] = {}
        replied = False
        while len(seen) < 2 or not replied:
            message = await ws.receive_json()
            if message.get("id") == 2:
                assert message == {"result": None, "id": 2}
                replied = True
            else:
                seen.setdefault(message["stream"], message["data"])
        assert set(seen["btcusdt@bookTicker"]) == {"u", "s", "b", "B", "a", "A"}
        assert seen["btcusdt@aggTrade"]["e"] == "aggTrade"
        await ws.send_json({"method": "UNSUBSCRIBE", "params": ["btcusdt@aggTrade"], "id": "x"})
        await ws.send_json({"method": "LIST_SUBSCRIPTIONS", "id": 3})
        await ws.send_json({"method": "SUBSCRIBE", "params": ["btcusdt@nope"], "id": 4})
        await ws.send_json({"method": "GET_PROPERTY", "params": ["combined"], "id": 5})
        await ws.send_str("{not json")
        answers = []
        while len(answers) < 5:
            message = await ws.receive_json()
            if "stream" not in message:
                answers.append(message)
        assert answers[0] == {"result": None, "id": "x"}
        assert answers[1] == {"result": ["btcusdt@bookTicker"], "id": 3}
        assert answers[2]["code"] == 2
        assert answers[2]["id"] == 4
        assert answers[3] == {"result": True, "id": 5}
        assert answers[4]["code"] == 3
        await ws.close()


@run
async def test_an_unknown_stream_in_the_url_is_refused() -> None:
    async with serving(speed=0, loops=1) as (exchange, session):
        response = await session.get(exchange.rest_url + "/ws/ethusdt@trade")
        assert response.status == 400
        response.release()


@run
async def test_the_documented_local_order_book_procedure_ends_equal_to_the_snapshot() -> None:
    async with serving(speed=40, loops=1) as (exchange, session):
        rest = Rest(session, exchange)
        await asyncio.sleep(0.3)  # join a feed already under way
        ws = await session.ws_connect(exchange.stream_url + "/ws/btcusdt@depth@100ms")
        buffered = [json.loads(await ws.receive_str())]
        first_u = buffered[0]["U"]
        while True:
            _, snapshot, _ = await rest.public("GET", "/api/v3/depth", symbol="BTCUSDT", limit=5000)
            if snapshot["lastUpdateId"] >= first_u:
                break
            buffered.append(json.loads(await ws.receive_str()))
        book = {
            "b": {p: q for p, q in snapshot["bids"]},
            "a": {p: q for p, q in snapshot["asks"]},
        }
        book_id = snapshot["lastUpdateId"]
        applied = 0

        def apply(event: dict[str, Any]) -> None:
            nonlocal book_id, applied
            if event["u"] < book_id:
                return
            assert event["U"] <= book_id + 1, "missed events"
            for side in ("b", "a"):
                for price, qty in event[side]:
                    if float(qty) == 0:
                        book[side].pop(price, None)
                    else:
                        book[side][price] = qty
            book_id = event["u"]
            applied += 1

        for event in buffered:
            if event["u"] > snapshot["lastUpdateId"]:
                apply(event)
        finished = asyncio.ensure_future(exchange.wait_finished())
        while not finished.done():
            try:
                apply(json.loads(await asyncio.wait_for(ws.receive_str(), 0.5)))
            except TimeoutError:
                continue
        _, final, _ = await rest.public("GET", "/api/v3/depth", symbol="BTCUSDT", limit=5000)
        assert final["lastUpdateId"] == book_id
        assert applied > 10
        assert sorted(book["b"].items(), key=lambda x: -float(x[0])) == [
            tuple(x) for x in final["bids"]
        ]
        assert sorted(book["a"].items(), key=lambda x: float(x[0])) == [
            tuple(x) for x in final["asks"]
        ]
        await ws.close()


@run
async def test_the_server_pings_and_drops_a_client_that_never_pongs() -> None:
    async with serving(speed=0, loops=1, ping_interval=0.1, pong_timeout=0.35) as (
        exchange,
        session,
    ):
        polite = await session.ws_connect(exchange.stream_url + "/ws", autoping=False)
        silent = await session.ws_connect(exchange.stream_url + "/ws", autoping=False)
        ping = await polite.receive()
        assert ping.type == aiohttp.WSMsgType.PING
        await polite.pong(ping.data)
        await polite.ping(b"hello")
        pong = await polite.receive()
        assert (pong.type, pong.data) == (aiohttp.WSMsgType.PONG, b"hello")
        message = await silent.receive()
        while message.type == aiohttp.WSMsgType.PING:
            message = await silent.receive()
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        # The client that answers every ping stays connected past the pong timeout.
        loop = asyncio.get_running_loop()
        until = loop.time() + 0.6
        while loop.time() < until:
            ping = await polite.receive()
            assert ping.type == aiohttp.WSMsgType.PING
            await polite.pong(ping.data)
        assert not polite.closed
        await polite.close()
