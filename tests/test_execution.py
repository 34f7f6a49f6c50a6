"""ExecutionEngine: the simulated venue, fills, fees, positions and the account, against
figures worked out by hand."""

from __future__ import annotations

import pytest

from alphaforge.execution import (
    ExecutionEngine,
    Fees,
    Fill,
    Instrument,
    Liquidity,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)

BUY, SELL = OrderSide.Buy, OrderSide.Sell


def es_engine() -> ExecutionEngine:
    engine = ExecutionEngine(fees=Fees(maker=0.0001, taker=0.0005), cash=100_000.0)
    engine.add_instrument(Instrument("ES", tick_size=0.25, lot_size=1))
    return engine


def test_market_order_fills_at_the_quote_and_is_accounted() -> None:
    engine = es_engine()
    engine.update_quote("ES", 4500.00, 4500.25)
    oid = engine.submit_order(Order.market("ES", BUY, 4, "trend"))
    order = engine.order(oid)
    assert order.status == OrderStatus.Filled
    assert order.type == OrderType.Market
    assert order.filled_qty == 4
    assert order.avg_fill_price == 4500.25
    (fill,) = engine.fills()
    assert (fill.price, fill.qty, fill.liquidity) == (4500.25, 4, Liquidity.Taker)
    assert fill.fee == pytest.approx(4 * 4500.25 * 0.0005)  # 9.0005
    account = engine.account()
    assert account.cash == pytest.approx(100_000 - 18_001 - 9.0005)
    # Marked at the mid 4500.125: 4 * (4500.125 - 4500.25) = -0.5
    assert account.unrealized_pnl == pytest.approx(-0.5)
    assert account.equity == pytest.approx(100_000 - 0.5 - 9.0005)


def test_limit_order_rests_then_fills_as_maker_on_a_trade() -> None:
    engine = es_engine()
    engine.update_price("ES", 4500.0)
    oid = engine.submit_order(Order.limit("ES", SELL, 2, 4502.5, "mm"))
    assert engine.order(oid).status == OrderStatus.Accepted
    assert [o.id for o in engine.open_orders()] == [oid]
    engine.update_price("ES", 4502.25)
    assert engine.order(oid).status == OrderStatus.Accepted
    engine.update_price("ES", 4503.0)
    order = engine.order(oid)
    assert order.status == OrderStatus.Filled
    assert order.avg_fill_price == 4502.5
    assert engine.fills()[0].liquidity == Liquidity.Maker
    assert engine.fills()[0].fee == pytest.approx(2 * 4502.5 * 0.0001)
    assert engine.open_orders() == []


def test_every_time_in_force_on_the_venue() -> None:
    engine = es_engine()
    engine.update_quote("ES", 4500.0, 4500.5)

    def status(order: Order) -> OrderStatus:
        return engine.order(engine.submit_order(order)).status

    assert status(Order.limit("ES", BUY, 1, 4500.25, time_in_force=TimeInForce.IOC)) == (
        OrderStatus.Expired
    )
    assert status(Order.limit("ES", BUY, 1, 4500.25, time_in_force=TimeInForce.FOK)) == (
        OrderStatus.Expired
    )
    assert status(Order.limit("ES", BUY, 1, 4500.5, time_in_force=TimeInForce.IOC)) == (
        OrderStatus.Filled
    )
    assert status(Order.limit("ES", BUY, 1, 4500.5, time_in_force=TimeInForce.FOK)) == (
        OrderStatus.Filled
    )
    assert status(Order.limit("ES", BUY, 1, 4500.25, time_in_force=TimeInForce.PostOnly)) == (
        OrderStatus.Accepted
    )
    rejected = engine.order(
        engine.submit_order(Order.limit("ES", BUY, 1, 4500.5, time_in_force=TimeInForce.PostOnly))
    )
    assert rejected.status == OrderStatus.Rejected
    assert rejected.reject_reason is not None
    assert "post-only" in rejected.reject_reason
    assert status(Order.market("ES", SELL, 1, time_in_force=TimeInForce.FOK)) == (
        OrderStatus.Filled
    )


def test_partial_fills_between_strategies_then_cancel() -> None:
    engine = es_engine()
    maker = engine.submit_order(Order.limit("ES", SELL, 5, 4510.0, "a"))
    taker = engine.submit_order(Order.limit("ES", BUY, 2, 4510.0, "b"))
    assert engine.order(taker).status == OrderStatus.Filled
    partial = engine.order(maker)
    assert partial.status == OrderStatus.PartiallyFilled
    assert (partial.filled_qty, partial.leaves_qty) == (2, 3)
    assert engine.cancel_order(maker) is True
    assert engine.order(maker).status == OrderStatus.Canceled
    assert engine.order(maker).filled_qty == 2
    assert engine.cancel_order(maker) is False
    assert engine.position("ES", "a").quantity == -2
    assert engine.position("ES", "b").quantity == 2
    assert engine.position("ES").quantity == 0
    fees = [(f.liquidity, f.fee) for f in engine.fills()]
    assert fees[0] == (Liquidity.Maker, pytest.approx(2 * 4510 * 0.0001))
    assert fees[1] == (Liquidity.Taker, pytest.approx(2 * 4510 * 0.0005))


def test_stop_and_stop_limit_orders() -> None:
    engine = es_engine()
    engine.update_price("ES", 4500.0)
    stop = engine.submit_order(Order.stop("ES", BUY, 1, 4505.0))
    stop_limit = engine.submit_order(Order.stop_limit("ES", SELL, 1, 4495.0, 4494.0))
    assert engine.order(stop).status == OrderStatus.Accepted
    engine.update_price("ES", 4504.75)
    assert not engine.order(stop).triggered
    engine.update_price("ES", 4506.0)  # through the stop: fills at the trade price
    assert engine.order(stop).triggered
    assert engine.order(stop).avg_fill_price == 4506.0
    engine.update_quote("ES", 4493.0, 4493.5)
    engine.update_price("ES", 4493.5)  # fires the stop-limit; the bid is below its limit
    order = engine.order(stop_limit)
    assert order.triggered
    assert order.status == OrderStatus.Accepted  # resting at 4494 after the trigger
    engine.update_quote("ES", 4494.0, 4494.5)
    assert engine.order(stop_limit).status == OrderStatus.Filled
    assert engine.order(stop_limit).avg_fill_price == 4494.0


def test_position_flip_pnl_and_fees_by_hand() -> None:
    engine = ExecutionEngine(fees=Fees(maker=0.0, taker=0.001), cash=10_000.0)
    engine.add_instrument(Instrument("BTC", tick_size=0.5, lot_size=0.01))
    trades = [(100.0, BUY, 2.0), (110.0, BUY, 2.0), (120.0, SELL, 1.0), (90.0, SELL, 5.0)]
    for price, side, qty in trades:
        engine.update_price("BTC", price)
        engine.submit_order(Order.market("BTC", side, qty, "s"))
    pos = engine.position("BTC", "s")
    # Long 4 @ 105; sell 1 @ 120 realizes 15; sell 5 @ 90 closes 3 (-45) and opens 2 short @ 90.
    assert pos.quantity == -2
    assert pos.avg_price == 90.0
    assert pos.realized_pnl == pytest.approx(15 - 45)
    fees = 0.001 * (200 + 220 + 120 + 450)
    assert pos.fees == pytest.approx(fees)
    engine.update_price("BTC", 80.0)
    pos = engine.position("BTC", "s")
    assert pos.unrealized_pnl == pytest.approx(20.0)
    assert pos.net_pnl == pytest.approx(-30 + 20 - fees)
    account = engine.account()
    assert account.cash == pytest.approx(10_000 - 200 - 220 + 120 + 450 - fees)
    assert account.equity == pytest.approx(10_000 - 30 + 20 - fees)
    assert account.equity == pytest.approx(account.cash + pos.quantity * 80.0)
    engine.submit_order(Order.market("BTC", BUY, 2, "s"))
    assert engine.position("BTC", "s").quantity == 0
    assert engine.position("BTC", "s").realized_pnl == pytest.approx(-30 + 20)


def test_modify_order() -> None:
    engine = es_engine()
    engine.update_price("ES", 4500.0)
    oid = engine.submit_order(Order.limit("ES", BUY, 3, 4490.0))
    engine.modify_order(oid, qty=2)
    assert engine.order(oid).quantity == 2
    engine.modify_order(oid, price=4495.0)
    assert engine.order(oid).price == 4495.0
    engine.modify_order(oid, price=4500.0)  # marketable against the last trade
    assert engine.order(oid).status == OrderStatus.Filled
    with pytest.raises(ValueError, match="FILLED and cannot be modified"):
        engine.modify_order(oid, qty=5)
    stop = engine.submit_order(Order.stop("ES", SELL, 1, 4480.0))
    engine.modify_order(stop, stop_price=4485.0)
    assert engine.order(stop).stop_price == 4485.0
    engine.update_price("ES", 4485.0)
    assert engine.order(stop).status == OrderStatus.Filled


def test_events_follow_the_lifecycle() -> None:
    engine = es_engine()  # no market price: the two orders can only meet each other
    updates: list[tuple[str | None, OrderStatus]] = []
    fills: list[Fill] = []
    engine.set_handlers(
        on_order_update=lambda o: updates.append((o.id, o.status)), on_fill=fills.append
    )
    oid = engine.submit_order(Order.limit("ES", BUY, 2, 4499.0))
    other = engine.submit_order(Order.limit("ES", SELL, 1, 4499.0, "b"))
    engine.cancel_order(oid)
    assert updates == [
        (oid, OrderStatus.Accepted),
        (other, OrderStatus.Accepted),
        (oid, OrderStatus.PartiallyFilled),
        (other, OrderStatus.Filled),
        (oid, OrderStatus.Canceled),
    ]
    assert [(f.order_id, f.qty, f.price) for f in fills] == [(oid, 1, 4499.0), (other, 1, 4499.0)]


def test_handler_may_submit_and_errors_surface() -> None:
    engine = es_engine()
    engine.update_price("ES", 4500.0)
    hedges: list[str] = []

    def hedge(fill: Fill) -> None:
        if fill.strategy_id == "main":
            hedges.append(engine.submit_order(Order.market("ES", SELL, fill.qty, "hedge")))

    engine.set_handlers(on_fill=hedge)
    engine.submit_order(Order.market("ES", BUY, 3, "main"))
    assert len(hedges) == 1
    assert engine.position("ES").quantity == 0

    def broken(fill: Fill) -> None:
        raise RuntimeError("handler failed")

    engine.set_handlers(on_fill=broken)
    with pytest.raises(RuntimeError, match="handler failed"):
        engine.submit_order(Order.market("ES", BUY, 1, "x"))
    assert engine.position("ES", "x").quantity == 1  # the engine finished its work first
    with pytest.raises(TypeError, match="on_fill must be callable"):
        engine.set_handlers(on_fill=5)  # type: ignore[arg-type]


class FakeDataEngine:
    """Stands in for the data engine: the price source protocol, nothing else."""

    def __init__(self) -> None:
        self.last: dict[str, float] = {}

    def last_price(self, symbol: str) -> float | None:
        return self.last.get(symbol)

    def best_bid_ask(self, symbol: str) -> tuple[float, float] | None:
        return None


def test_prices_from_a_data_engine() -> None:
    data = FakeDataEngine()
    engine = ExecutionEngine(data_engine=data, cash=1e9)
    oid = engine.submit_order(Order.market("ETH", BUY, 1.5))
    assert engine.order(oid).status == OrderStatus.Rejected
    data.last["ETH"] = 2000.5
    oid = engine.submit_order(Order.market("ETH", BUY, 1.5))
    assert engine.order(oid).avg_fill_price == 2000.5
    assert engine.data_engine is data


def test_statistics_and_deterministic_clock() -> None:
    engine = es_engine()
    engine.set_time(1_700_000_000_000_000_000)
    engine.update_price("ES", 4500.0)
    engine.submit_order(Order.market("ES", BUY, 1))
    engine.submit_order(Order.limit("ES", BUY, 1, 4400.0))
    engine.submit_order(Order.market("ES", BUY, 10, time_in_force=TimeInForce.IOC))
    engine.cancel_all()
    stats = engine.statistics()
    assert stats.orders_submitted == 3
    assert stats.orders_filled == 2
    assert stats.orders_canceled == 1
    assert stats.orders_rejected == 0
    assert 0 < stats.latency_p50_ms <= stats.latency_p99_ms <= stats.latency_max_ms
    assert stats.avg_execution_latency_ms > 0
    assert engine.fills()[0].ts_ns == 1_700_000_000_000_000_000
    assert engine.order(engine.fills()[0].order_id).ts_created_ns == 1_700_000_000_000_000_000


def test_prices_come_back_as_the_decimals_that_went_in() -> None:
    engine = ExecutionEngine(instruments=[Instrument("X", tick_size=0.01, lot_size=1)], cash=1e9)
    for cents in range(1, 2_000, 7):
        price = cents / 100
        engine.update_price("X", price)
        order = engine.order(engine.submit_order(Order.market("X", OrderSide.Buy, 1)))
        assert order.avg_fill_price == price
        assert engine.fills()[-1].price == price


def test_prices_from_the_native_data_engine() -> None:
    from alphaforge.data import DataEngine

    data = DataEngine()
    engine = ExecutionEngine(data_engine=data, cash=1e9)
    assert engine.data_engine is data
    oid = engine.submit_order(Order.market("BTCUSDT", BUY, 0.5))
    assert engine.order(oid).status == OrderStatus.Rejected  # no price known yet
    data.process_trade("BTCUSDT", 42_000.5, 0.1, ts_ns=1)
    oid = engine.submit_order(Order.market("BTCUSDT", BUY, 0.5))
    assert engine.order(oid).avg_fill_price == 42_000.5
    data.process_quote("BTCUSDT", 42_001.0, 42_002.5, 1.0, 2.0, ts_ns=2)
    oid = engine.submit_order(Order.market("BTCUSDT", SELL, 0.25))
    assert engine.order(oid).avg_fill_price == 42_001.0  # a sell takes the bid
    oid = engine.submit_order(Order.market("BTCUSDT", BUY, 0.25))
    assert engine.order(oid).avg_fill_price == 42_002.5  # a buy takes the ask
