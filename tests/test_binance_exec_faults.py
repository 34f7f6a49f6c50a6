"""BinanceExecution under the replay exchange's faults: 429s, 5xx after the order was taken,
unknown outcomes resolved by stream or by query, and the WebSocket API order transport."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import aiohttp

from alphaforge.live.venue import OrderIntent
from alphaforge.replay import FaultConfig, ReplayExchange
from binance_exec_helpers import trading
from replay_helpers import Rest, run


async def _eventually(condition: Callable[[], bool]) -> None:
    # Polled: what it waits on is counted inside the client, not reported to the listener.
    while not condition():
        await asyncio.sleep(0.01)


def _client_ids(exchange: ReplayExchange) -> list[str]:
    return sorted(str(o["clientOrderId"]) for o in exchange.orders())


def _row(exchange: ReplayExchange, client_order_id: str) -> dict[str, Any]:
    (row,) = [o for o in exchange.orders() if o["clientOrderId"] == client_order_id]
    return row


def _limit(cid: str, price: float = 30000.0) -> OrderIntent:
    return OrderIntent(cid, "BTCUSDT", "BUY", "LIMIT", 0.01, price=price)


@run
async def test_429_refuses_some_orders_definitely_and_loses_none() -> None:
    async with trading({"faults": FaultConfig(http429_every=3)}) as (exchange, client, _):
        results = {f"q{i}": await client.submit(_limit(f"q{i}", 30000.0 + i)) for i in range(6)}
        accepted = {c for c, r in results.items() if r.status == "ACCEPTED"}
        refused = {c for c, r in results.items() if r.status == "REJECTED"}
        assert accepted | refused == set(results)
        assert refused
        assert {results[c].code for c in refused} == {-1003}
        assert _client_ids(exchange) == sorted(accepted)  # each accepted order once, no other
        # Reads wait a 429 out and go on.
        opened = await client.open_orders("BTCUSDT")
        assert sorted(o.client_order_id for o in opened) == sorted(accepted)
        assert client.http.rate_limited >= len(refused)


@run
async def test_5xx_after_the_order_was_taken_is_unknown_then_resolved_and_never_resent() -> None:
    faults = FaultConfig(http5xx_order_every=2)
    async with trading({"faults": faults}) as (exchange, client, recorder):
        intents = [_limit("u0"), _limit("u1"), _limit("u2", 30001.0)]
        intents.append(OrderIntent("u3", "BTCUSDT", "BUY", "MARKET", 0.02))
        results = [await client.submit(i) for i in intents]
        assert [r.status for r in results] == ["ACCEPTED", "UNKNOWN", "ACCEPTED", "UNKNOWN"]
        assert "-1007" in results[1].reason
        await _eventually(lambda: client.counters.resolved_by_stream == 2)
        assert _client_ids(exchange) == ["u0", "u1", "u2", "u3"]  # placed exactly once each
        assert client.counters.unknown_outcomes == 2
        assert recorder.of("u1")[-1].status == "ACCEPTED"
        assert recorder.of("u1")[-1].venue_order_id == _row(exchange, "u1")["orderId"]
        assert recorder.of("u3")[-1].status == "FILLED"
        trades = [t for t in exchange.trades() if t["orderId"] == _row(exchange, "u3")["orderId"]]
        assert sorted(f.trade_id for f in recorder.fills if f.client_order_id == "u3") == sorted(
            int(str(t["id"])) for t in trades
        )


@run
async def test_resolve_by_query_reports_the_order_and_its_fills() -> None:
    async with trading() as (exchange, client, recorder), aiohttp.ClientSession() as session:
        rest = Rest(session, exchange)
        # Placed behind the client's back, as an order whose answer was lost would be.
        await rest.ok(
            "POST",
            "/api/v3/order",
            symbol="BTCUSDT",
            side="SELL",
            type="MARKET",
            quantity="0.5",
            newClientOrderId="lost-1",
        )
        intent = OrderIntent("lost-1", "BTCUSDT", "SELL", "MARKET", 0.5)
        report = await client.resolve(intent)
        assert report is not None
        row = _row(exchange, "lost-1")
        assert (report.status, report.venue_order_id, report.filled_qty) == (
            "FILLED",
            row["orderId"],
            float(Decimal(str(row["executedQty"]))),
        )
        trades = {int(str(t["id"])): t for t in exchange.trades() if t["orderId"] == row["orderId"]}
        assert len(trades) >= 1
        queried = [f for f in recorder.fills if f.client_order_id == "lost-1" and f.cum_filled_qty]
        assert sorted(f.trade_id for f in queried) == sorted(trades)
        for fill in queried:
            trade = trades[fill.trade_id]
            assert (fill.price, fill.qty, fill.fee, fill.fee_asset) == (
                float(Decimal(str(trade["price"]))),
                float(Decimal(str(trade["qty"]))),
                float(Decimal(str(trade["commission"]))),
                trade["commissionAsset"],
            )
        assert abs(queried[-1].cum_filled_qty - 0.5) < 1e-12
        assert client.counters.resolved_by_query == 1


@run
async def test_an_order_the_exchange_never_saw_is_reported_not_placed_after_retries() -> None:
    async with trading(query_retries=3, query_retry_s=0.01) as (exchange, client, recorder):
        report = await client.resolve(_limit("ghost"))
        assert report is not None
        assert (report.status, report.reason, report.client_order_id) == (
            "REJECTED",
            "not placed",
            "ghost",
        )
        assert recorder.of("ghost") == [report]
        assert client.counters.not_placed == 1
        assert exchange.orders() == []


@run
async def test_not_found_right_after_is_retried_until_the_request_expires() -> None:
    # An order that shows up only after the first queries (Memory => Database lag) is found.
    async with (
        trading(query_retries=2, query_retry_s=0.05) as (exchange, client, _),
        aiohttp.ClientSession() as session,
    ):
        resolving = asyncio.create_task(
            client.resolve(_limit("late"), expires_ms=client.http.now_ms() + 5000)
        )
        await asyncio.sleep(0.3)
        assert not resolving.done()
        await Rest(session, exchange).ok(
            "POST",
            "/api/v3/order",
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.01",
            price="30000",
            newClientOrderId="late",
        )
        report = await resolving
        assert report is not None
        assert (report.status, report.venue_order_id) == (
            "ACCEPTED",
            _row(exchange, "late")["orderId"],
        )


@run
async def test_orders_over_the_websocket_api() -> None:
    async with trading(order_transport="ws") as (exchange, client, recorder):
        placed = await client.submit(_limit("w1"))
        assert placed.status == "ACCEPTED"
        assert placed.report is not None
        assert placed.report.venue_order_id == _row(exchange, "w1")["orderId"]
        filled = await client.submit(OrderIntent("w2", "BTCUSDT", "BUY", "MARKET", 0.01))
        assert filled.report is not None
        assert filled.report.status == "FILLED"
        refused = await client.submit(OrderIntent("w3", "BTCUSDT", "BUY", "MARKET", 50.0))
        assert (refused.status, refused.code) == ("REJECTED", -2010)
        canceled = await client.cancel("BTCUSDT", "w1")
        assert canceled.status == "CANCELED"
        assert _row(exchange, "w1")["status"] == "CANCELED"
        again = await client.cancel("BTCUSDT", "w1")
        assert (again.status, again.code) == ("REJECTED", -2011)
        await recorder.until(lambda: any(f.client_order_id == "w2" for f in recorder.fills))
        assert _client_ids(exchange) == ["w1", "w2"]
        # The answers' rateLimits keep the order count.
        assert client.http.order_count_10s >= 2


@run
async def test_5xx_over_the_websocket_api_is_unknown_and_placed_once() -> None:
    faults = FaultConfig(http5xx_order_every=1)
    async with trading({"faults": faults}, order_transport="ws") as (exchange, client, recorder):
        result = await client.submit(_limit("wu"))
        assert result.status == "UNKNOWN"
        await _eventually(lambda: client.counters.resolved_by_stream == 1)
        assert _client_ids(exchange) == ["wu"]
        assert recorder.of("wu")[-1].status == "ACCEPTED"
