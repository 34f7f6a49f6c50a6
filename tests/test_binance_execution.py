"""BinanceExecution against the replay exchange: orders, reports, fills and balances, each
checked against what the exchange itself holds (its GET /api/v3/order and myTrades rows)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from alphaforge.adapters.binance import (
    BinanceConfig,
    BinanceError,
    BinanceExecution,
    BinanceMarketData,
)
from alphaforge.live.venue import FillReport, OrderIntent, OrderReport
from alphaforge.replay import ReplayExchange
from binance_exec_helpers import Recorder, trading
from replay_helpers import Rest, config, run

# The still market of the bundled sample after one loop (best bid 39490.97, best ask 39490.98,
# 0.884984 BTC on the best ask); 100000 USDT and 1 BTC to start with.
BID, ASK = 39490.97, 39490.98


def _num(text: object) -> float:
    return float(Decimal(str(text)))


def _exchange_order(exchange: ReplayExchange, client_order_id: str) -> dict[str, Any]:
    rows = [o for o in exchange.orders() if o["clientOrderId"] == client_order_id]
    assert len(rows) == 1, rows
    return rows[0]


def _matches(report: OrderReport, row: dict[str, Any]) -> None:
    """`report` says what the exchange's own order row says."""
    executed = _num(row["executedQty"])
    assert report.venue_order_id == row["orderId"]
    assert report.qty == _num(row["origQty"])
    assert report.filled_qty == executed
    assert report.side == row["side"]
    if executed:
        assert report.avg_price is not None
        assert abs(report.avg_price - _num(row["cummulativeQuoteQty"]) / executed) < 1e-9


def _same_trades(fills: list[FillReport], rows: list[dict[str, Any]]) -> None:
    """The fills are the exchange's myTrades rows, one for one."""
    assert sorted(
        (f.trade_id, f.venue_order_id, f.price, f.qty, f.fee, f.fee_asset, f.liquidity, f.side)
        for f in fills
    ) == sorted(
        (
            r["id"],
            r["orderId"],
            _num(r["price"]),
            _num(r["qty"]),
            _num(r["commission"]),
            r["commissionAsset"],
            "MAKER" if r["isMaker"] else "TAKER",
            "BUY" if r["isBuyer"] else "SELL",
        )
        for r in rows
    )
    assert all(
        f.ts_ns == r["time"] * 1_000_000 for f in fills for r in rows if r["id"] == f.trade_id
    )


@run
async def test_start_reports_connected_and_balances_equal_the_account() -> None:
    async with trading() as (exchange, client, recorder):
        assert recorder.states() == ["connected"]
        balances = await client.balances()
        held = exchange.balances()
        assert {a: (b.free, b.locked) for a, b in balances.items()} == {
            a: (float(free), float(locked)) for a, (free, locked) in held.items()
        }


@run
async def test_a_market_order_fills_and_its_stream_fills_equal_my_trades() -> None:
    async with trading() as (exchange, client, recorder):
        # More than the best ask holds: two levels, two trades.
        result = await client.submit(OrderIntent("buy-1", "BTCUSDT", "BUY", "MARKET", 1.0))
        assert result.status == "ACCEPTED"
        assert result.report is not None
        row = _exchange_order(exchange, "buy-1")
        assert row["status"] == "FILLED"
        _matches(result.report, row)
        trades = [t for t in exchange.trades() if t["orderId"] == row["orderId"]]
        assert len(trades) >= 2
        await recorder.until(lambda: len(recorder.fills) == len(trades))
        _same_trades(recorder.fills, trades)
        cum = [f.cum_filled_qty for f in recorder.fills]
        assert cum == sorted(cum)
        assert abs(cum[-1] - 1.0) < 1e-12
        assert {f.client_order_id for f in recorder.fills} == {"buy-1"}
        assert recorder.of("buy-1")[-1].status == "FILLED"
        # The stream's balances are the account's after the fills.
        await recorder.until(lambda: bool(recorder.balances))
        after = exchange.balances()
        assert recorder.balances[-1]["BTC"].free == float(after["BTC"][0])
        # fills() reads the same trades back, with the client id it remembers.
        since = min(f.ts_ns for f in recorder.fills)
        read = await client.fills("BTCUSDT", since)
        _same_trades(read, trades)
        assert {f.client_order_id for f in read} == {"buy-1"}
        assert await client.fills("BTCUSDT", since + 10**12) == []


@run
async def test_limit_order_lifecycle_open_query_cancel() -> None:
    async with trading() as (exchange, client, recorder):
        intent = OrderIntent("rest-1", "BTCUSDT", "BUY", "LIMIT", 0.01, price=30000.0)
        result = await client.submit(intent)
        assert result.status == "ACCEPTED"
        assert result.report is not None
        assert result.report.status == "ACCEPTED"
        assert result.report.price == 30000.0
        opened = await client.open_orders("BTCUSDT")
        assert [o.client_order_id for o in opened] == ["rest-1"]
        _matches(opened[0], _exchange_order(exchange, "rest-1"))
        assert [o.client_order_id for o in await client.open_orders()] == ["rest-1"]
        queried = await client.query_order("BTCUSDT", "rest-1")
        assert queried is not None
        assert queried.status == "ACCEPTED"
        assert await client.query_order("BTCUSDT", "never-sent") is None
        # 300 USDT is held for the order.
        assert (await client.balances())["USDT"].locked == 300.0
        canceled = await client.cancel("BTCUSDT", "rest-1")
        assert canceled.status == "CANCELED"
        assert canceled.report is not None
        assert canceled.report.client_order_id == "rest-1"
        assert _exchange_order(exchange, "rest-1")["status"] == "CANCELED"
        again = await client.cancel("BTCUSDT", "rest-1")
        assert (again.status, again.code) == ("REJECTED", -2011)
        assert await client.open_orders() == []
        # The stream said the same: NEW, then CANCELED under the order's own id.
        await recorder.until(lambda: [r.status for r in recorder.of("rest-1")][-1:] == ["CANCELED"])
        assert [r.status for r in recorder.of("rest-1")] == ["ACCEPTED", "CANCELED"]


@run
async def test_order_types_map_to_binance_names() -> None:
    async with trading() as (exchange, client, _):
        intents = [
            OrderIntent("t-stop", "BTCUSDT", "SELL", "STOP", 0.01, stop_price=30000.0),
            OrderIntent(
                "t-stoplimit",
                "BTCUSDT",
                "SELL",
                "STOP_LIMIT",
                0.01,
                price=29000.0,
                stop_price=30000.0,
            ),
            OrderIntent(
                "t-maker", "BTCUSDT", "BUY", "LIMIT", 0.01, price=30000.0, time_in_force="POST_ONLY"
            ),
            OrderIntent(
                "t-ioc", "BTCUSDT", "BUY", "LIMIT", 0.01, price=30000.0, time_in_force="IOC"
            ),
        ]
        results = [await client.submit(i) for i in intents]
        assert [r.status for r in results] == ["ACCEPTED"] * 4
        rows = {
            cid: _exchange_order(exchange, cid)
            for cid in ("t-stop", "t-stoplimit", "t-maker", "t-ioc")
        }
        assert [(r["type"], r["timeInForce"]) for r in rows.values()] == [
            ("STOP_LOSS", "GTC"),
            ("STOP_LOSS_LIMIT", "GTC"),
            ("LIMIT_MAKER", "GTC"),
            ("LIMIT", "IOC"),
        ]
        assert rows["t-ioc"]["status"] == "EXPIRED"
        reports = [r.report for r in results]
        assert [(r.type, r.time_in_force) for r in reports if r] == [
            ("STOP", "GTC"),
            ("STOP_LIMIT", "GTC"),
            ("LIMIT", "POST_ONLY"),
            ("LIMIT", "IOC"),
        ]
        assert [r.status for r in reports if r][3] == "EXPIRED"
        assert reports[1] is not None
        assert (reports[1].price, reports[1].stop_price) == (29000.0, 30000.0)


@run
async def test_filters_are_checked_before_sending_with_the_exchanges_codes() -> None:
    async with trading() as (exchange, client, _):
        cases = {
            "off-tick": OrderIntent("f1", "BTCUSDT", "BUY", "LIMIT", 0.01, price=30000.005),
            "off-step": OrderIntent("f2", "BTCUSDT", "BUY", "LIMIT", 0.0100005, price=30000.0),
            "too-small": OrderIntent("f3", "BTCUSDT", "BUY", "LIMIT", 0.0001, price=30000.0),
            "too-big": OrderIntent("f4", "BTCUSDT", "BUY", "MARKET", 9001.0),
            "no-price": OrderIntent("f5", "BTCUSDT", "BUY", "LIMIT", 0.01),
            "bad-side": OrderIntent("f6", "BTCUSDT", "HOLD", "MARKET", 0.01),
        }
        results = {name: await client.submit(intent) for name, intent in cases.items()}
        assert {n: (r.status, r.code, r.reason) for n, r in results.items()} == {
            "off-tick": ("REJECTED", -1013, "Filter failure: PRICE_FILTER"),
            "off-step": ("REJECTED", -1013, "Filter failure: LOT_SIZE"),
            "too-small": ("REJECTED", -1013, "Filter failure: NOTIONAL"),
            "too-big": ("REJECTED", -1013, "Filter failure: LOT_SIZE"),
            "no-price": (
                "REJECTED",
                -1102,
                "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
            ),
            "bad-side": (
                "REJECTED",
                -1130,
                "Data sent for parameter 'side' is not valid (got 'HOLD').",
            ),
        }
        assert exchange.orders() == []  # none of them went out
        assert client.counters.refused_locally == 6
        # The exchange agrees: sent anyway, each is refused with the same code and message.
        async with aiohttp.ClientSession() as session:
            rest = Rest(session, exchange)
            for name, price, qty in (
                ("off-tick", "30000.005", "0.01"),
                ("off-step", "30000", "0.0100005"),
                ("too-small", "30000", "0.0001"),
            ):
                status, body, _ = await rest.signed(
                    "POST",
                    "/api/v3/order",
                    symbol="BTCUSDT",
                    side="BUY",
                    type="LIMIT",
                    timeInForce="GTC",
                    quantity=qty,
                    price=price,
                )
                assert (status, body["code"], body["msg"]) == (
                    400,
                    results[name].code,
                    results[name].reason,
                )
        # Float noise on the grid is not a violation: 0.1 + 0.2 goes out as 0.3.
        noisy = await client.submit(
            OrderIntent("f7", "BTCUSDT", "BUY", "LIMIT", 0.1 + 0.2, price=1000.0)
        )
        assert noisy.status == "ACCEPTED"
        assert _exchange_order(exchange, "f7")["origQty"] == "0.30000000"


@run
async def test_the_exchanges_own_refusals_are_rejections_with_its_code() -> None:
    async with trading() as (exchange, client, _):
        poor = await client.submit(OrderIntent("r1", "BTCUSDT", "BUY", "MARKET", 5.0))
        assert (poor.status, poor.code) == ("REJECTED", -2010)
        assert poor.reason == "Account has insufficient balance for requested action."
        taker = await client.submit(
            OrderIntent("r2", "BTCUSDT", "BUY", "LIMIT", 0.01, price=ASK, time_in_force="POST_ONLY")
        )
        assert (taker.status, taker.code, taker.reason) == (
            "REJECTED",
            -2010,
            "Order would immediately match and take.",
        )
        unknown = await client.submit(OrderIntent("r3", "ETHUSDT", "BUY", "MARKET", 1.0))
        assert (unknown.status, unknown.code, unknown.reason) == (
            "REJECTED",
            -1121,
            "Invalid symbol.",
        )
        assert exchange.orders() == []
        # A client id still open is refused here, as Binance would.
        assert (
            await client.submit(
                OrderIntent("r4", "BTCUSDT", "BUY", "LIMIT", 0.01, price=BID - 1000)
            )
        ).status == "ACCEPTED"
        dup = await client.submit(
            OrderIntent("r4", "BTCUSDT", "BUY", "LIMIT", 0.01, price=BID - 1000)
        )
        assert (dup.status, dup.code) == ("REJECTED", -2010)
        assert len(exchange.orders()) == 1


@run
async def test_start_refuses_a_wrong_secret_by_binances_code_without_showing_it() -> None:
    secret = "wrong-secret-that-must-not-show"
    async with ReplayExchange(config(speed=0, loops=1)) as exchange, aiohttp.ClientSession() as s:
        client = BinanceExecution(BinanceConfig.local(exchange, api_secret=secret))
        recorder = Recorder()
        with pytest.raises(BinanceError) as caught:
            await client.start(s, recorder)
        assert caught.value.code == -1022
        assert secret not in str(caught.value)
        assert all(secret not in e for _, e in recorder.errors)
        assert all(secret not in e.detail for e in recorder.connections)
        keyless = BinanceConfig.replay(
            exchange.rest_url, exchange.stream_url, exchange.ws_api_url, api_key="", api_secret=""
        )
        with pytest.raises(ValueError, match="api_key is not set"):
            await BinanceExecution(keyless).start(s, recorder)


def test_clients_gives_the_market_data_and_the_execution_client() -> None:
    config = BinanceConfig.testnet(symbols=["BTCUSDT"], api_key="k", api_secret="s")
    data, execution = config.clients()
    assert isinstance(data, BinanceMarketData)
    assert isinstance(execution, BinanceExecution)
    assert execution.config is config
    assert "k" not in repr(execution).replace("tracked", "")
