"""Every way an order or a call is refused: a clear error naming the field and value, or a
rejected order with its reason; state is unchanged either way."""

from __future__ import annotations

import math
import re

import pytest

from alphaforge.execution import (
    ExecutionEngine,
    Fees,
    Instrument,
    Order,
    OrderSide,
    OrderStatus,
    RiskLimits,
    TimeInForce,
)

BUY, SELL = OrderSide.Buy, OrderSide.Sell


def engine_with(risk: RiskLimits | None = None) -> ExecutionEngine:
    engine = ExecutionEngine(
        risk=risk, instruments=[Instrument("BTC", 0.1, 0.001, min_qty=0.002)], cash=1e9
    )
    engine.update_price("BTC", 30_000.0)
    return engine


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf, -math.inf])
def test_bad_quantity_or_price_at_construction(bad: float) -> None:
    with pytest.raises(ValueError, match="qty must be a finite number > 0"):
        Order.market("BTC", BUY, bad)
    with pytest.raises(ValueError, match="price must be a finite number > 0"):
        Order.limit("BTC", BUY, 1.0, bad)
    with pytest.raises(ValueError, match="stop_price must be a finite number > 0"):
        Order.stop("BTC", BUY, 1.0, bad)


def test_bad_order_fields() -> None:
    with pytest.raises(ValueError, match="symbol must not be empty"):
        Order.market("", BUY, 1.0)
    with pytest.raises(ValueError, match="strategy_id must not be empty"):
        Order.market("BTC", BUY, 1.0, "")
    with pytest.raises(ValueError, match="time_in_force of a market order must be IOC or FOK"):
        Order.market("BTC", BUY, 1.0, time_in_force=TimeInForce.GTC)
    with pytest.raises(TypeError):
        Order.market("BTC", "buy", 1.0)  # type: ignore[arg-type]


def assert_unchanged(engine: ExecutionEngine, submitted: int) -> None:
    assert engine.statistics().orders_submitted == submitted
    assert engine.fills() == []


def test_off_grid_and_unknown_symbol_raise_without_state_change() -> None:
    engine = engine_with()
    cases = [
        (Order.limit("BTC", BUY, 1.0, 30_000.05), "price 30000.05 is not a multiple"),
        (Order.market("BTC", BUY, 0.0015), "quantity 0.0015 is not a multiple"),
        (Order.market("BTC", BUY, 0.001), "quantity 0.001 is below min_qty 0.002"),
        (Order.market("ETH", BUY, 1.0), "symbol 'ETH' is not a registered instrument"),
        (Order.stop("BTC", BUY, 1.0, 30_000.01), "stop_price 30000.01 is not a multiple"),
    ]
    for order, message in cases:
        with pytest.raises(ValueError, match=re.escape(message)):
            engine.submit_order(order)
    with pytest.raises(ValueError, match="not a registered instrument"):
        engine.update_price("ETH", 1.0)
    with pytest.raises(ValueError, match="bid 30001 is above ask 30000"):
        engine.update_quote("BTC", 30_001.0, 30_000.0)
    assert_unchanged(engine, 0)


def test_duplicate_client_order_id() -> None:
    engine = engine_with()
    engine.submit_order(Order.limit("BTC", BUY, 1.0, 29_000.0, client_order_id="abc"))
    with pytest.raises(ValueError, match="client_order_id 'abc' is already used"):
        engine.submit_order(Order.limit("BTC", BUY, 1.0, 29_000.0, client_order_id="abc"))
    assert engine.statistics().orders_submitted == 1
    found = engine.order_by_client_id("abc")
    assert found is not None
    assert found.price == 29_000.0
    assert engine.order_by_client_id("nope") is None


def test_unknown_ids_and_snapshots() -> None:
    engine = engine_with()
    for bad in ("O-99", "x", "O-", "O-1a", ""):
        with pytest.raises(ValueError, match="is unknown"):
            engine.cancel_order(bad)
        with pytest.raises(ValueError, match="is unknown"):
            engine.order(bad)
        with pytest.raises(ValueError, match="is unknown"):
            engine.modify_order(bad, qty=1.0)
    oid = engine.submit_order(Order.market("BTC", BUY, 1.0))
    with pytest.raises(ValueError, match="is a snapshot of a submitted order"):
        engine.submit_order(engine.order(oid))


def test_market_order_without_price_is_rejected_with_reason() -> None:
    engine = ExecutionEngine(cash=1e9)
    oid = engine.submit_order(Order.market("SOL", SELL, 3.0))
    order = engine.order(oid)
    assert order.status == OrderStatus.Rejected
    assert order.reject_reason is not None
    assert "no market price known for SOL" in order.reject_reason
    assert engine.fills() == []
    assert engine.position("SOL").quantity == 0


@pytest.mark.parametrize(
    ("risk", "order", "reason"),
    [
        (RiskLimits(max_order_qty=1.0), Order.market("BTC", BUY, 1.5), "max_order_qty"),
        (
            RiskLimits(max_order_notional=10_000),
            Order.market("BTC", BUY, 1.0),
            "max_order_notional",
        ),
        (RiskLimits(max_position=0.5), Order.limit("BTC", SELL, 0.6, 31_000.0), "max_position"),
        (RiskLimits(kill_switch=True), Order.market("BTC", BUY, 0.1), "kill switch is engaged"),
    ],
)
def test_risk_limits_reject_with_reason(risk: RiskLimits, order: Order, reason: str) -> None:
    engine = engine_with(risk)
    order_id = engine.submit_order(order)
    rejected = engine.order(order_id)
    assert rejected.status == OrderStatus.Rejected
    assert rejected.reject_reason is not None
    assert reason in rejected.reject_reason
    assert engine.fills() == []
    assert engine.open_orders() == []
    assert engine.statistics().orders_rejected == 1


def test_open_order_and_rate_limits() -> None:
    engine = engine_with(RiskLimits(max_open_orders=1, max_orders_per_second=2))
    engine.set_time(5_000_000_000)
    first = engine.submit_order(Order.limit("BTC", BUY, 0.1, 29_000.0))
    second = engine.order(engine.submit_order(Order.limit("BTC", BUY, 0.1, 29_000.0)))
    assert second.reject_reason is not None
    assert "max_open_orders" in second.reject_reason
    engine.cancel_order(first)
    engine.submit_order(Order.market("BTC", BUY, 0.1))
    third = engine.order(engine.submit_order(Order.market("BTC", BUY, 0.1)))
    assert third.reject_reason is not None
    assert "max_orders_per_second" in third.reject_reason
    engine.set_time(6_000_000_000)
    assert engine.order(engine.submit_order(Order.market("BTC", BUY, 0.1))).status == (
        OrderStatus.Filled
    )


def test_kill_switch_cancels_everything() -> None:
    engine = engine_with()
    engine.submit_order(Order.limit("BTC", BUY, 0.1, 29_000.0))
    engine.submit_order(Order.stop("BTC", SELL, 0.1, 28_000.0))
    engine.engage_kill_switch(cancel_all=True)
    assert engine.kill_switch_engaged
    assert engine.open_orders() == []
    assert engine.statistics().orders_canceled == 2
    refused = engine.order(engine.submit_order(Order.market("BTC", BUY, 0.1)))
    assert refused.reject_reason == "kill switch is engaged"
    engine.release_kill_switch()
    assert engine.order(engine.submit_order(Order.market("BTC", BUY, 0.1))).status == (
        OrderStatus.Filled
    )


def test_modify_refusals_leave_the_order() -> None:
    engine = engine_with(RiskLimits(max_order_qty=2.0))
    oid = engine.submit_order(Order.limit("BTC", BUY, 1.0, 29_000.0))
    with pytest.raises(ValueError, match="max_order_qty"):
        engine.modify_order(oid, qty=3.0)
    with pytest.raises(ValueError, match="not a multiple"):
        engine.modify_order(oid, price=29_000.03)
    with pytest.raises(ValueError, match="needs a new price"):
        engine.modify_order(oid)
    with pytest.raises(ValueError, match="has no pending stop_price"):
        engine.modify_order(oid, stop_price=1.0)
    order = engine.order(oid)
    assert (order.price, order.quantity, order.status) == (29_000.0, 1.0, OrderStatus.Accepted)


def test_bad_configuration() -> None:
    with pytest.raises(ValueError, match="max_order_qty must be a finite number > 0"):
        RiskLimits(max_order_qty=0.0)
    with pytest.raises(ValueError, match="max_open_orders must be > 0"):
        RiskLimits(max_open_orders=0)
    with pytest.raises(ValueError, match="taker fee rate"):
        Fees(taker=math.nan)
    with pytest.raises(ValueError, match="cash must be finite"):
        ExecutionEngine(cash=math.inf)
    with pytest.raises(TypeError, match=r"DataEngine or provide last_price\(symbol\)"):
        ExecutionEngine(data_engine=object())
    engine = ExecutionEngine(instruments=[Instrument("A", 0.01, 1)], cash=1e9)
    with pytest.raises(ValueError, match="already registered"):
        engine.add_instrument(Instrument("A", 0.01, 1))
    with pytest.raises(ValueError, match="lot_size must be a finite number > 0"):
        Instrument("A", 0.01, -1)
