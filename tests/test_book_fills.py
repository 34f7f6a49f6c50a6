"""Orders on a symbol with depth fill on its recorded book: takers walk the levels, resting
limits wait in their level's queue, latencies delay orders, cancels and notices. Every expected
fill below is worked out by hand from the book and the trades."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import alphaforge as af
from alphaforge.records import BookView, FillRecord, OrderRecord

T0 = 1_700_000_000_000_000_000  # ns
Row = tuple[int, str, float, float, int, int, bool]
Action = Callable[["Script"], object]


def depth(*rows: Row) -> pd.DataFrame:
    """The canonical depth frame from (ts, side, price, size, update_id, prev_update_id,
    snapshot) rows."""
    columns = ("ts", "side", "price", "size", "update_id", "prev_update_id", "snapshot")
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype({"ts": "int64", "update_id": "int64", "prev_update_id": "int64"})


# Bids 99 x 1, 98 x 2; asks 101 x 3, 102 x 4.
SNAPSHOT: tuple[Row, ...] = (
    (T0, "bid", 99.0, 1.0, 10, -1, True),
    (T0, "bid", 98.0, 2.0, 10, -1, True),
    (T0, "ask", 101.0, 3.0, 10, -1, True),
    (T0, "ask", 102.0, 4.0, 10, -1, True),
)


def diffs(*changes: tuple[int, str, float, float]) -> tuple[Row, ...]:
    """Diff messages (ts offset, side, price, size), one message per row, chained on the
    snapshot."""
    return tuple(
        (T0 + dt, side, price, size, 11 + i, 10 + i, False)
        for i, (dt, side, price, size) in enumerate(changes)
    )


def trades(*prints: tuple[int, float, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts_ns": [T0 + dt for dt, _, _ in prints],
            "price": [p for _, p, _ in prints],
            "size": [s for _, _, s in prints],
        }
    )


class Script(af.Strategy):
    """Runs `on_books[i]` in its i-th on_book call and `on_trades[i]` in its i-th on_trade;
    records fills and order updates with the time it learned of them."""

    def __init__(
        self,
        on_books: dict[int, Action] | None = None,
        on_trades: dict[int, Action] | None = None,
    ) -> None:
        super().__init__()
        self.on_books, self.on_trades = on_books or {}, on_trades or {}
        self.books = 0
        self.trades = 0
        self.ids: list[int] = []
        self.fills: list[tuple[int, str, float, float, str]] = []
        self.learned: list[tuple[str, int, int]] = []  # (what, order id, when)

    def on_start(self) -> None:
        self.subscribe_book("X")
        if self.on_trades:
            self.subscribe_trades("X")

    def on_book(self, book: BookView) -> None:
        if self.books in self.on_books:
            self.ids.append(int(self.on_books[self.books](self)))  # type: ignore[call-overload]
        self.books += 1

    def on_trade(self, trade: Any) -> None:
        if self.trades in self.on_trades:
            self.on_trades[self.trades](self)
        self.trades += 1

    def on_fill(self, fill: FillRecord) -> None:
        self.fills.append((fill.ts.value - T0, fill.side, fill.qty, fill.price, fill.liquidity))
        self.learned.append(("fill", fill.order_id, self.clock.timestamp_ns() - T0))

    def on_order_update(self, order: OrderRecord) -> None:
        self.learned.append((order.status, order.order_id, self.clock.timestamp_ns() - T0))


def run(
    book: tuple[Row, ...],
    strategy: Script,
    prints: pd.DataFrame | None = None,
    lot: float = 0.1,
    **settings: Any,
) -> af.BacktestResult:
    engine = af.BacktestEngine(cash=1_000_000.0, **settings)
    engine.add_instrument("X", tick_size=0.5, lot_size=lot)
    engine.add_book("X", depth(*book))
    if prints is not None:
        engine.add_trades("X", prints)
    engine.add_strategy(strategy)
    return engine.run()


def order(result: af.BacktestResult, order_id: int) -> pd.Series:
    orders = result.orders
    return orders[orders["order_id"] == order_id].iloc[-1]


# Takers walk the book.


def test_a_market_order_walks_the_levels_at_their_sizes() -> None:
    # 5 against asks 101 x 3, 102 x 4: 3 at 101 and 2 at 102, at once (no latency).
    s = Script({0: lambda s: s.buy("X", 5.0)})
    result = run(SNAPSHOT + diffs((5, "bid", 99.0, 0.5)), s)
    assert s.fills == [(0, "BUY", 3.0, 101.0, "TAKER"), (0, "BUY", 2.0, 102.0, "TAKER")]
    assert result.positions.set_index("symbol").loc["X", "qty"] == 5.0
    assert order(result, s.ids[0])["status"] == "FILLED"


def test_what_the_book_cannot_fill_expires_per_time_in_force() -> None:
    s = Script(
        {
            0: lambda s: s.buy("X", 10.0),  # 7 shown: 3 at 101, 4 at 102, 3 expire
            1: lambda s: s.submit_order("X", "BUY", 5.0, limit=101.0, time_in_force="IOC"),
            2: lambda s: s.submit_order("X", "BUY", 8.0, limit=102.0, time_in_force="FOK"),
            3: lambda s: s.submit_order("X", "BUY", 1.0, limit=101.0, time_in_force="POST_ONLY"),
        }
    )
    book = SNAPSHOT + diffs((1, "bid", 97.0, 1.0), (2, "bid", 96.0, 1.0), (3, "bid", 95.0, 1.0))
    result = run(book, s)
    market, ioc, fok, post = (order(result, i) for i in s.ids)
    assert (market["status"], market["filled_qty"]) == ("EXPIRED", 7.0)
    assert (ioc["status"], ioc["filled_qty"]) == ("EXPIRED", 3.0)  # 101 x 3 only
    assert (fok["status"], fok["filled_qty"]) == ("EXPIRED", 0.0)  # 7 < 8 up to 102
    assert (post["status"], post["filled_qty"]) == ("EXPIRED", 0.0)  # would take at 101
    assert s.fills == [
        (0, "BUY", 3.0, 101.0, "TAKER"),
        (0, "BUY", 4.0, 102.0, "TAKER"),
        (1, "BUY", 3.0, 101.0, "TAKER"),
    ]


def test_our_orders_do_not_move_the_recorded_book() -> None:
    # Two market buys of 3 at one moment both take the 3 shown at 101.
    def both(s: Script) -> int:
        s.buy("X", 3.0)
        return s.buy("X", 3.0)

    s = Script({0: both})
    run(SNAPSHOT + diffs((5, "bid", 99.0, 0.5)), s)
    assert s.fills == [(0, "BUY", 3.0, 101.0, "TAKER"), (0, "BUY", 3.0, 101.0, "TAKER")]


def test_a_marketable_gtc_limit_takes_to_its_price_and_rests_the_rest() -> None:
    # Buy 5 at 101.5: takes 101 x 3; 2 rest at 101.5 with nothing displayed ahead, and fill
    # when a sell trade prints there.
    s = Script({0: lambda s: s.buy("X", 5.0, limit=101.5)})
    prints = trades((4, 101.5, 0.5), (6, 101.5, 5.0))
    run(SNAPSHOT + diffs((5, "bid", 99.0, 0.5)), s, prints)
    assert s.fills == [
        (0, "BUY", 3.0, 101.0, "TAKER"),
        (4, "BUY", 0.5, 101.5, "MAKER"),
        (6, "BUY", 1.5, 101.5, "MAKER"),
    ]


# Resting orders in the queue.


def test_a_resting_order_waits_for_the_queue_ahead_then_fills_partly() -> None:
    # Sell 2 at 101 joins behind the 3 shown there. Trades at 101: 2 (1 left ahead), then 2
    # (1 reaches the order), then 3 (the last 1).
    s = Script({0: lambda s: s.sell("X", 2.0, limit=101.0)})
    prints = trades((1, 101.0, 2.0), (2, 101.0, 2.0), (3, 101.0, 3.0))
    result = run(SNAPSHOT + diffs((5, "bid", 99.0, 0.5)), s, prints)
    assert s.fills == [(2, "SELL", 1.0, 101.0, "MAKER"), (3, "SELL", 1.0, 101.0, "MAKER")]
    statuses = [what for what, oid, _ in s.learned if oid == s.ids[0] and what != "fill"]
    assert statuses == ["ACCEPTED", "PARTIALLY_FILLED", "FILLED"]
    assert order(result, s.ids[0])["avg_fill_price"] == 101.0


def test_a_trade_through_the_price_fills_whole_and_a_crossing_book_fills_whole() -> None:
    s = Script({0: lambda s: s.sell("X", 2.0, limit=101.0), 1: lambda s: s.buy("X", 1.0, 99.0)})
    prints = trades((2, 101.5, 0.1))  # through the sell at 101: all 2, at 101
    # At 3 the bid at 99 leaves and the asks fall to 98.5, through the resting bid at 99: it
    # fills whole, at 99.
    book = (
        *SNAPSHOT,
        (T0 + 1, "bid", 97.0, 1.0, 11, 10, False),
        (T0 + 3, "bid", 99.0, 0.0, 12, 11, False),
        (T0 + 3, "ask", 98.5, 2.0, 12, 11, False),
    )
    run(book, s, prints)
    assert s.fills == [(2, "SELL", 2.0, 101.0, "MAKER"), (3, "BUY", 1.0, 99.0, "MAKER")]


def power_ahead(front: float, back: float, decrease: float, n: float) -> float:
    """hftbacktest's ProbQueueModel with PowerProbQueueFunc: (1 - p) of a decrease was ahead,
    p = back^n / (back^n + front^n)."""
    p = back**n / (back**n + front**n)
    return front - (1.0 - p) * decrease + min(back - p * decrease, 0.0)


def log_ahead(front: float, back: float, decrease: float) -> float:
    p = math.log1p(back) / (math.log1p(back) + math.log1p(front))
    return front - (1.0 - p) * decrease + min(back - p * decrease, 0.0)


@pytest.mark.parametrize(
    ("model", "ahead"),
    [
        ("risk_averse", 3.0),  # a cancellation never moves it up
        ("power", power_ahead(3.0, 4.0, 2.0, 3.0)),
        ("log", log_ahead(3.0, 4.0, 2.0)),
    ],
)
def test_cancellations_move_the_queue_by_the_model(model: str, ahead: float) -> None:
    # Sell 2 at 101 joins behind 3; the level grows to 7 (4 join behind), then shrinks to 5
    # without a trade: the models disagree on how much of the 2 canceled was ahead. A trade of
    # 3 at 101 then reaches the order by 3 - ahead, rounded to the 0.1 lot.
    s = Script({0: lambda s: s.sell("X", 2.0, limit=101.0)})
    book = SNAPSHOT + diffs((1, "ask", 101.0, 7.0), (2, "ask", 101.0, 5.0))
    result = run(book, s, trades((3, 101.0, 3.0)), queue_model=model)
    expected = round(max(3.0 - ahead, 0.0) * 10) / 10
    filled = order(result, s.ids[0])["filled_qty"]
    assert filled == pytest.approx(expected)
    assert (filled > 0.0) == (model != "risk_averse")


# Latencies.


def test_an_order_reaches_the_book_after_the_feed_and_entry_latencies() -> None:
    # Sent at T0; it reaches the venue at T0 + 2 + 8 = T0 + 10, after the best ask moved to
    # 100.5 x 1.5 (at T0 + 9): 1.5 at 100.5, 0.5 at 101.
    s = Script({0: lambda s: s.buy("X", 2.0)})
    book = SNAPSHOT + diffs((9, "ask", 100.5, 1.5), (12, "bid", 97.0, 1.0))
    run(book, s, latency=8e-9, feed_latency=2e-9, response_latency=3e-9)
    assert s.fills == [(10, "BUY", 1.5, 100.5, "TAKER"), (10, "BUY", 0.5, 101.0, "TAKER")]
    # The strategy learns of the fills a response latency after they happen (its clock).
    assert [when for what, _, when in s.learned if what == "fill"] == [13, 13]


def test_a_cancel_reaches_the_venue_late_and_the_order_may_fill_meanwhile() -> None:
    # A sell of 1 at 101 reaches the venue at T0 + 5 and rests behind 3. The cancel, sent at
    # the first trade (T0 + 4), reaches it at T0 + 9; the trade of 4 at T0 + 7 fills it first.
    def cancel(s: Script) -> None:
        assert s.cancel(s.ids[0]) is True

    s = Script({0: lambda s: s.sell("X", 1.0, limit=101.0)}, {0: cancel})
    prints = trades((4, 100.0, 0.1), (7, 101.0, 4.0), (12, 100.0, 0.1))
    result = run(SNAPSHOT + diffs((13, "bid", 99.0, 0.5)), s, prints, latency=5e-9)
    assert s.fills == [(7, "SELL", 1.0, 101.0, "MAKER")]
    assert order(result, s.ids[0])["status"] == "FILLED"


def test_a_cancel_that_arrives_first_removes_the_order() -> None:
    def cancel(s: Script) -> None:
        s.cancel(s.ids[0])

    s = Script({0: lambda s: s.sell("X", 1.0, limit=101.0)}, {0: cancel})
    # The order lands at T0 + 5, the cancel at T0 + 6, before the trade at T0 + 9.
    prints = trades((1, 100.0, 0.1), (9, 101.0, 4.0))
    result = run(SNAPSHOT + diffs((12, "bid", 99.0, 0.5)), s, prints, latency=5e-9)
    assert s.fills == []
    assert order(result, s.ids[0])["status"] == "CANCELED"


def test_bad_book_fill_settings_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"queue_model must be one of .* got 'fifo'"):
        af.BacktestEngine(queue_model="fifo")
    with pytest.raises(ValueError, match=r"queue_n must be finite and > 0, got -1"):
        af.BacktestEngine(queue_model="power", queue_n=-1)
    with pytest.raises(ValueError, match=r"feed_latency .* must not exceed the response latency"):
        af.BacktestEngine(feed_latency=0.002, response_latency=0.001)
    with pytest.raises(ValueError, match="response_latency must be >= 0"):
        af.BacktestEngine(response_latency=-1.0)
    with pytest.raises(
        ValueError, match=r"latency_series lacks the column\(s\) entry_ns, response_ns"
    ):
        af.BacktestEngine(latency_series=pd.DataFrame({"ts": [1]}))


def test_a_recorded_latency_series_is_interpolated() -> None:
    # Entry latency 4 ns at T0, 20 ns at T0 + 16: an order sent at T0 arrives at T0 + 4, one
    # sent at T0 + 8 (halfway) after 12 ns, at T0 + 20 (after the ask moved to 100.5 at 19).
    series = pd.DataFrame({"ts": [T0, T0 + 16], "entry_ns": [4, 20], "response_ns": [0, 0]})
    s = Script({0: lambda s: s.buy("X", 1.0), 1: lambda s: s.buy("X", 1.0)})
    book = SNAPSHOT + diffs((8, "bid", 97.0, 1.0), (19, "ask", 100.5, 1.5), (30, "bid", 96.0, 1.0))
    run(book, s, latency_series=series)
    assert s.fills == [(4, "BUY", 1.0, 101.0, "TAKER"), (20, "BUY", 1.0, 100.5, "TAKER")]


# Contingent orders on the book.


def test_a_stop_fires_when_the_best_price_it_would_take_reaches_it() -> None:
    # A sell stop at 98.5: the best bid 99 leaves at T0 + 3, the best is 98 (<= 98.5): the
    # stop sells 1 at market, into 98 x 2.
    s = Script({0: lambda s: s.submit_order("X", "SELL", 1.0, stop=98.5)})
    book = SNAPSHOT + diffs((1, "bid", 99.0, 2.0), (3, "bid", 99.0, 0.0), (5, "ask", 103.0, 1.0))
    run(book, s)
    assert s.fills == [(3, "SELL", 1.0, 98.0, "TAKER")]


def test_a_bracket_places_its_children_on_the_book_and_one_closes_the_other() -> None:
    # The entry takes 1 at 101; the take-profit rests at 102 behind the 4 shown there, the
    # stop-loss waits at 97. Trades at 102 of 4 (the queue ahead) and 1 fill the take-profit;
    # the stop-loss is canceled with it, and the bid falling to 96 later sells nothing.
    brackets: list[Any] = []

    def enter(s: Script) -> int:
        bracket = s.buy_bracket("X", 1.0, stop_loss=97.0, take_profit=102.0)
        brackets.append(bracket)
        return bracket.entry_id

    s = Script({0: enter})
    book = SNAPSHOT + diffs(
        (1, "bid", 97.5, 1.0), (6, "bid", 99.0, 0.0), (6 + 1, "bid", 98.0, 0.0),
        (8, "bid", 97.5, 0.0), (9, "bid", 96.0, 3.0),
    )  # fmt: skip
    result = run(book, s, trades((4, 102.0, 4.0), (5, 102.0, 1.0)))
    assert s.fills == [(0, "BUY", 1.0, 101.0, "TAKER"), (5, "SELL", 1.0, 102.0, "MAKER")]
    stop_loss, take_profit = brackets[0].stop_loss_id, brackets[0].take_profit_id
    assert order(result, take_profit)["status"] == "FILLED"
    assert order(result, stop_loss)["status"] == "CANCELED"
    assert result.positions.set_index("symbol").loc["X", "qty"] == 0.0


def test_a_gtd_order_on_the_book_expires_at_its_time() -> None:
    s = Script({0: lambda s: s.submit_order("X", "SELL", 1.0, limit=101.0, expire_time=T0 + 4)})
    book = SNAPSHOT + diffs((2, "bid", 97.0, 1.0), (4, "bid", 96.0, 1.0))
    result = run(book, s, trades((6, 101.0, 10.0)))
    assert s.fills == []
    assert order(result, s.ids[0])["status"] == "EXPIRED"


def test_a_smaller_quantity_keeps_the_place_a_new_price_joins_anew() -> None:
    # Two sells of 2 at 101 behind the 3 shown. The first shrinks to 1 (its place kept); the
    # second moves to 101.5, behind nothing shown there. A trade of 4 at 101 reaches the
    # first by 1; a trade at 101.5 fills the second.
    def both(s: Script) -> int:
        s.ids.append(s.sell("X", 2.0, limit=101.0))
        return s.sell("X", 2.0, limit=101.0)

    def modify(s: Script) -> int:
        s.modify(s.ids[0], quantity=1.0)
        s.modify(s.ids[1], price=101.5)
        return 0

    s = Script({0: both, 1: modify})
    prints = trades((3, 101.0, 4.0), (5, 101.5, 2.0))
    run(SNAPSHOT + diffs((1, "bid", 97.0, 1.0), (7, "bid", 96.0, 1.0)), s, prints)
    assert s.fills == [(3, "SELL", 1.0, 101.0, "MAKER"), (5, "SELL", 2.0, 101.5, "MAKER")]


def test_a_response_latency_delays_notices_on_symbols_without_depth_too() -> None:
    class Buyer(af.Strategy):
        def __init__(self) -> None:
            super().__init__()
            self.learned: list[tuple[str, int]] = []

        def on_start(self) -> None:
            self.subscribe_trades("Y")

        def on_trade(self, trade: Any) -> None:
            if trade.ts_ns == T0:
                self.buy("Y", 1.0)

        def on_order_update(self, order: OrderRecord) -> None:
            self.learned.append((order.status, self.clock.timestamp_ns() - T0))

    engine = af.BacktestEngine(response_latency=5e-9)
    engine.add_trades("Y", trades((0, 10.0, 1.0), (2, 10.5, 1.0), (9, 11.0, 1.0)))
    buyer = Buyer()
    engine.add_strategy(buyer)
    engine.run()
    # Accepted as sent (T0), filled by the tick model at the next trade (T0 + 2).
    assert buyer.learned == [("ACCEPTED", 5), ("FILLED", 7)]


def test_a_recorded_taker_side_decides_which_resting_orders_a_trade_reaches() -> None:
    # A bid at 100.5 rests with nothing ahead. A print at 100 below it went through it, unless
    # its taker bought: a buyer traded with someone's ask, not with our bid.
    def bid(s: Script) -> int:
        return s.buy("X", 1.0, limit=100.5)

    for aggressor, filled in ((1, []), (2, [(2, "BUY", 1.0, 100.5, "MAKER")])):
        s = Script({0: bid})
        prints = trades((2, 100.0, 1.0)).assign(aggressor=aggressor)
        run(SNAPSHOT + diffs((5, "bid", 99.0, 0.5)), s, prints)
        assert s.fills == filled
    s = Script({0: bid})
    run(SNAPSHOT + diffs((5, "bid", 99.0, 0.5)), s, trades((2, 100.0, 1.0)))
    assert s.fills == [(2, "BUY", 1.0, 100.5, "MAKER")]  # no side recorded: it reaches


def test_what_reaches_an_order_under_half_a_lot_carries_to_the_next_trade() -> None:
    # Lot 1: a sell of 1 at 101 behind 3; trades at 101 of 3.3 (0.3 beyond the queue: no
    # fill) and 0.4 (0.7 reached in all: one lot fills).
    s = Script({0: lambda s: s.sell("X", 1.0, limit=101.0)})
    prints = trades((1, 101.0, 3.3), (2, 101.0, 0.4))
    run(SNAPSHOT + diffs((5, "bid", 99.0, 0.5)), s, prints, lot=1.0)
    assert s.fills == [(2, "SELL", 1.0, 101.0, "MAKER")]


def test_a_modify_sent_before_the_order_arrived_reaches_the_venue_in_its_turn() -> None:
    # A sell at 103 sent at T0 is on its way until T0 + 5; re-priced to 101 at T0 + 1, the
    # change reaches the venue at T0 + 6. The order is not there before: the buyer's trade
    # at 103 at T0 + 5 fills nothing. From T0 + 6 it rests at 101 behind 3; a trade of 4
    # there at T0 + 8 reaches it.
    def reprice(s: Script) -> None:
        s.modify(s.ids[0], price=101.0)

    s = Script({0: lambda s: s.sell("X", 1.0, limit=103.0)}, {0: reprice})
    prints = trades((1, 100.0, 0.1), (5, 103.0, 1.0), (8, 101.0, 4.0))
    run(SNAPSHOT + diffs((9, "bid", 99.0, 0.5)), s, prints, latency=5e-9)
    assert s.fills == [(8, "SELL", 1.0, 101.0, "MAKER")]


def test_the_run_settings_record_the_latencies_and_the_queue_model() -> None:
    s = Script()
    result = run(SNAPSHOT + diffs((5, "bid", 99.0, 0.5)), s, latency=0.001,
                 response_latency=0.002, feed_latency=0.0005, queue_model="power3")  # fmt: skip
    settings = result.settings
    assert settings is not None
    assert (settings.latency, settings.response_latency, settings.feed_latency) == (
        0.001, 0.002, 0.0005,
    )  # fmt: skip
    assert (settings.queue_model, settings.latency_series) == ("power3", False)
