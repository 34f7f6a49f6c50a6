"""The Python face of the native order book: every order type and time in force."""

from __future__ import annotations

import math
import re

import pytest

from alphaforge.execution import BookFill, BookResult, OrderBook, OrderSide, TimeInForce

BUY, SELL = OrderSide.Buy, OrderSide.Sell


@pytest.fixture
def book() -> OrderBook:
    b = OrderBook("BTCUSDT", tick_size=0.01, lot_size=0.001)
    b.add_limit(1, SELL, 100.02, 1.5)
    b.add_limit(2, SELL, 100.01, 0.5)
    b.add_limit(3, SELL, 100.01, 0.25)
    b.add_limit(4, BUY, 99.99, 2.0)
    b.add_limit(5, BUY, 99.98, 1.0)
    return b


def test_levels_and_depth(book: OrderBook) -> None:
    assert book.best_bid() == (99.99, 2.0)
    assert book.best_ask() == (100.01, 0.75)
    assert book.depth(1) == ([(99.99, 2.0)], [(100.01, 0.75)])
    assert book.depth(5) == ([(99.99, 2.0), (99.98, 1.0)], [(100.01, 0.75), (100.02, 1.5)])
    assert book.orders(SELL) == [(2, 100.01, 0.5), (3, 100.01, 0.25), (1, 100.02, 1.5)]
    assert len(book) == 5
    assert 4 in book
    assert 9 not in book
    assert book.order(4) == (BUY, 99.99, 2.0)


def test_limit_partial_fill_at_maker_prices(book: OrderBook) -> None:
    fills = book.add_limit(10, BUY, 100.02, 1.0)
    assert fills == [
        BookFill(2, 10, 100.01, 0.5),
        BookFill(3, 10, 100.01, 0.25),
        BookFill(1, 10, 100.02, 0.25),
    ]
    assert book.last_result == BookResult.Filled
    assert book.best_ask() == (100.02, 1.25)
    assert book.last_trade_price == 100.02


def test_gtc_remainder_rests(book: OrderBook) -> None:
    fills = book.add_limit(10, BUY, 100.01, 1.0)
    assert sum(f.qty for f in fills) == pytest.approx(0.75)
    assert book.last_result == BookResult.Rested
    assert book.best_bid() == (100.01, 0.25)


def test_ioc_and_market_drop_the_rest(book: OrderBook) -> None:
    fills = book.add_limit(10, BUY, 100.01, 1.0, TimeInForce.IOC)
    assert [f.maker_order_id for f in fills] == [2, 3]
    assert book.last_result == BookResult.Canceled
    assert 10 not in book
    fills = book.add_market(11, SELL, 5.0)
    assert [(f.maker_order_id, f.qty) for f in fills] == [(4, 2.0), (5, 1.0)]
    assert book.best_bid() is None
    assert book.last_result == BookResult.Canceled


def test_fok_all_or_nothing(book: OrderBook) -> None:
    assert book.add_limit(10, BUY, 100.01, 1.0, TimeInForce.FOK) == []
    assert book.last_result == BookResult.Killed
    assert book.best_ask() == (100.01, 0.75)
    assert len(book.add_limit(11, BUY, 100.02, 1.0, TimeInForce.FOK)) == 3
    assert book.add_market(12, SELL, 3.5, TimeInForce.FOK) == []
    assert book.last_result == BookResult.Killed


def test_post_only_refuses_to_take(book: OrderBook) -> None:
    assert book.add_limit(10, BUY, 100.01, 1.0, TimeInForce.PostOnly) == []
    assert book.last_result == BookResult.WouldCross
    assert 10 not in book
    book.add_limit(11, BUY, 100.0, 1.0, TimeInForce.PostOnly)
    assert book.last_result == BookResult.Rested
    with pytest.raises(ValueError, match="would cross"):
        book.modify(11, 100.01, 1.0)
    assert book.order(11) == (BUY, 100.0, 1.0)


def test_cancel_is_by_id(book: OrderBook) -> None:
    assert book.cancel(2) is True
    assert book.cancel(2) is False
    assert book.cancel(12345) is False
    assert book.best_ask() == (100.01, 0.25)


def test_modify_priority(book: OrderBook) -> None:
    book.modify(2, 100.01, 0.4)
    assert [o[0] for o in book.orders(SELL)][:2] == [2, 3]
    book.modify(2, 100.01, 0.6)
    assert [o[0] for o in book.orders(SELL)][:2] == [3, 2]
    fills = book.modify(5, 100.02, 1.0)
    assert [(f.maker_order_id, f.price, f.qty) for f in fills] == [
        (3, 100.01, 0.25),
        (2, 100.01, 0.6),
        (1, 100.02, 0.15),
    ]


def test_stops_trigger_on_trades(book: OrderBook) -> None:
    assert book.add_stop(20, BUY, 100.02, 1.0) == []
    assert book.last_result == BookResult.StopPending
    assert 20 in book
    fills = book.add_limit(21, BUY, 100.01, 0.75)  # prints 100.01: below the stop
    assert len(fills) == 2
    assert book.trade(100.02) != []  # a print elsewhere fires it as a market order
    assert book.best_ask() == (100.02, 0.5)
    assert 20 not in book


def test_bad_input_raises_and_leaves_the_book(book: OrderBook) -> None:
    snapshot = book.depth(10)
    with pytest.raises(
        ValueError, match=re.escape("price 100.005 is not a multiple of the tick_size")
    ):
        book.add_limit(30, BUY, 100.005, 1.0)
    with pytest.raises(ValueError, match=re.escape("qty 0.0005 is not a multiple of the lot_size")):
        book.add_limit(30, BUY, 100.0, 0.0005)
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="price must be a finite number > 0"):
            book.add_limit(30, BUY, bad, 1.0)
        with pytest.raises(ValueError, match="qty must be a finite number > 0"):
            book.add_limit(30, BUY, 100.0, bad)
    with pytest.raises(ValueError, match="already in the book"):
        book.add_limit(1, BUY, 90.0, 1.0)
    with pytest.raises(ValueError, match="not resting"):
        book.modify(99, 100.0, 1.0)
    with pytest.raises(TypeError, match="order_id must be an int"):
        book.add_limit("7", BUY, 90.0, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="order_id must be an int in"):
        book.add_limit(-1, BUY, 90.0, 1.0)
    with pytest.raises(ValueError, match="post-only"):
        book.add_market(31, BUY, 1.0, TimeInForce.PostOnly)
    with pytest.raises(ValueError, match="tick_size must be a finite number > 0"):
        OrderBook("X", 0.0)
    assert book.depth(10) == snapshot
    assert len(book) == 5
