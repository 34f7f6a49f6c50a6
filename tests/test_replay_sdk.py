"""The official binance-sdk-spot against the replay exchange, with only its URLs changed."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from binance_common.configuration import (
    ConfigurationRestAPI,
    ConfigurationWebSocketAPI,
    ConfigurationWebSocketStreams,
)
from binance_sdk_spot.spot import Spot

from alphaforge.replay import ReplayConfig, ReplayExchange

# The SDK's WebSocket API client still passes aiohttp a float timeout; that is its warning.
pytestmark = pytest.mark.filterwarnings(
    "ignore:parameter 'timeout' of type 'float' is deprecated:DeprecationWarning"
)


def client(exchange: ReplayExchange) -> Spot:
    """The SDK's client with its three base URLs pointed at the replay exchange."""
    key, secret = exchange.api_key, exchange.api_secret
    return Spot(
        config_rest_api=ConfigurationRestAPI(
            api_key=key, api_secret=secret, base_path=exchange.rest_url
        ),
        config_ws_api=ConfigurationWebSocketAPI(
            api_key=key, api_secret=secret, stream_url=exchange.ws_api_url
        ),
        config_ws_streams=ConfigurationWebSocketStreams(stream_url=exchange.stream_url),
    )


def test_rest_market_data_and_an_order_placed_queried_and_cancelled() -> None:
    with ReplayExchange(ReplayConfig(port=0, speed=0, loops=1)) as exchange:
        exchange.wait_finished_sync(10)
        rest = client(exchange).rest_api
        assert rest.time().data().server_time > 0
        info = rest.exchange_info(symbol="BTCUSDT").data()
        assert info.symbols[0].symbol == "BTCUSDT"
        assert info.symbols[0].filters[0].actual_instance.tick_size == "0.01000000"
        depth = rest.depth(symbol="BTCUSDT", limit=10).data()
        assert depth.last_update_id == 451
        assert len(depth.bids) == 10
        placed = rest.new_order(
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            time_in_force="GTC",
            quantity=0.01,
            price=30000.0,
            new_client_order_id="sdk-1",
        ).data()
        assert (placed.status, placed.client_order_id) == ("NEW", "sdk-1")
        queried = rest.get_order(symbol="BTCUSDT", orig_client_order_id="sdk-1").data()
        assert (queried.order_id, queried.is_working) == (placed.order_id, True)
        canceled = rest.delete_order(symbol="BTCUSDT", order_id=placed.order_id).data()
        assert canceled.status == "CANCELED"
        balances = {b.asset: b.free for b in rest.get_account().data().balances}
        assert balances["USDT"] == "100000.00000000"
        assert [o["status"] for o in exchange.orders()] == ["CANCELED"]


def test_stream_client_receives_trades_and_depth() -> None:
    with ReplayExchange(ReplayConfig(port=0, speed=20, loops=1)) as exchange:

        async def receive() -> tuple[list[Any], list[Any]]:
            connection = await client(exchange).websocket_streams.create_connection()
            trades: list[Any] = []
            depth: list[Any] = []
            trade_stream = await connection.trade(symbol="btcusdt")
            trade_stream.on("message", trades.append)
            depth_stream = await connection.diff_book_depth(symbol="btcusdt", update_speed="100ms")
            depth_stream.on("message", depth.append)
            for _ in range(100):
                if len(trades) > 20 and len(depth) > 5:
                    break
                await asyncio.sleep(0.1)
            await connection.close_connection()
            return trades, depth

        trades, depth = asyncio.run(receive())
        ids = [t.t for t in trades]
        assert len(ids) > 20
        assert ids == list(range(ids[0], ids[0] + len(ids)))
        assert all(t.s == "BTCUSDT" for t in trades)
        chained = [(d.U, d.u) for d in depth]
        assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(chained))


def test_websocket_api_order_and_its_execution_report() -> None:
    with ReplayExchange(ReplayConfig(port=0, speed=0, loops=1)) as exchange:
        exchange.wait_finished_sync(10)

        async def trade() -> tuple[Any, list[Any]]:
            api = await client(exchange).websocket_api.create_connection()
            events: list[Any] = []
            subscription = await api.user_data_stream_subscribe_signature()
            subscription.stream.on("message", events.append)
            placed = await api.order_place(
                symbol="BTCUSDT",
                side="BUY",
                type="MARKET",
                quantity=0.002,
                new_client_order_id="sdk-ws",
            )
            for _ in range(50):
                if len(events) >= 3:
                    break
                await asyncio.sleep(0.05)
            status = await api.order_status(symbol="BTCUSDT", orig_client_order_id="sdk-ws")
            await api.close_connection()
            return (placed.data().result, status.data().result), events

        (placed, status), events = asyncio.run(trade())
        assert placed.status == status.status == "FILLED"
        reports = [
            e.actual_instance
            for e in events
            if type(e.actual_instance).__name__ == "ExecutionReport"
        ]
        assert next(r.x for r in reports) == "NEW"
        assert reports[-1].X == "FILLED"
        assert all(r.c == "sdk-ws" and r.i == placed.order_id for r in reports)
        assert [r.t for r in reports if r.x == "TRADE"] == [f.trade_id for f in placed.fills]
        assert exchange.trades()[-1]["orderId"] == placed.order_id
