"""Self-trade prevention: a strategy never trades with its own resting order."""

from __future__ import annotations

import pytest

from alphaforge.execution import (
    ExecutionEngine,
    OrderBook,
    OrderSide,
    OrderStatus,
    SelfTradePrevention,
)
from alphaforge.execution import Order as O

BUY, SELL = OrderSide.Buy, OrderSide.Sell


def engine(mode: SelfTradePrevention | None = None) -> ExecutionEngine:
    options = {} if mode is None else {"self_trade_prevention": mode}
    e = ExecutionEngine(cash=1e6, **options)
    e.update_quote("X", 99.0, 102.0)
    return e


@pytest.mark.parametrize(
    ("mode", "maker", "taker", "fills"),
    [
        (None, OrderStatus.Expired, OrderStatus.Filled, 1),  # EXPIRE_MAKER, Binance's default
        (SelfTradePrevention.EXPIRE_MAKER, OrderStatus.Expired, OrderStatus.Filled, 1),
        (SelfTradePrevention.EXPIRE_TAKER, OrderStatus.Accepted, OrderStatus.Expired, 0),
        (SelfTradePrevention.EXPIRE_BOTH, OrderStatus.Expired, OrderStatus.Expired, 0),
        (SelfTradePrevention.NONE, OrderStatus.Filled, OrderStatus.Filled, 2),
    ],
)
def test_modes_of_self_trade_prevention(
    mode: SelfTradePrevention | None, maker: OrderStatus, taker: OrderStatus, fills: int
) -> None:
    e = engine(mode)
    resting = e.submit_order(O.limit("X", SELL, 1, 101.0, "a"))
    crossing = e.submit_order(O.market("X", BUY, 1, "a"))
    assert e.order(resting).status == maker
    assert e.order(crossing).status == taker
    assert len(e.fills()) == fills
    if maker == OrderStatus.Expired:
        assert "self-trade prevention" in (e.order(resting).reject_reason or "")
    if taker == OrderStatus.Expired:
        assert "self-trade prevention" in (e.order(crossing).reject_reason or "")
    # Without a self trade the taker of EXPIRE_MAKER fills at the market, not at its own order.
    if mode in (None, SelfTradePrevention.EXPIRE_MAKER):
        assert e.fills()[0].price == 102.0
        assert e.statistics().self_trades_prevented == 1


def test_orders_of_different_strategies_trade_with_each_other() -> None:
    e = engine()
    resting = e.submit_order(O.limit("X", SELL, 1, 101.0, "a"))
    crossing = e.submit_order(O.limit("X", BUY, 1, 101.5, "b"))
    assert e.order(resting).status == OrderStatus.Filled
    assert e.order(crossing).status == OrderStatus.Filled
    assert [f.price for f in e.fills()] == [101.0, 101.0]
    assert e.statistics().self_trades_prevented == 0


def test_the_book_expires_makers_of_the_same_owner_and_trades_the_rest() -> None:
    book = OrderBook("X", 0.5, 1.0)
    book.add_limit(1, SELL, 100.0, 2.0, owner=7)
    book.add_limit(2, SELL, 100.0, 3.0, owner=8)
    fills = book.add_limit(
        3, BUY, 100.0, 4.0, owner=7, self_trade_prevention=SelfTradePrevention.EXPIRE_MAKER
    )
    assert [(f.maker_order_id, f.qty) for f in fills] == [(2, 3.0)]
    assert book.expired_makers() == [(1, 2.0)]
    assert book.order(3) == (BUY, 100.0, 1.0)  # the rest rests
    assert 1 not in book
    taker = book.add_limit(
        4, SELL, 100.0, 1.0, owner=7, self_trade_prevention=SelfTradePrevention.EXPIRE_TAKER
    )
    assert taker == []
    assert book.order(3) == (BUY, 100.0, 1.0)
    assert 4 not in book
