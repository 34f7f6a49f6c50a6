"""Brackets, OCO, trailing stops, GTD and modify on hand-made bars and trades, against prices
worked out by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import alphaforge as af
from alphaforge.records import OrderRecord

DAY = pd.Timestamp("2024-01-01", tz="UTC")


def bars(rows: list[tuple[float, float, float, float]]) -> pd.DataFrame:
    index = pd.date_range(DAY, periods=len(rows), freq="D")
    frame = pd.DataFrame(rows, columns=["open", "high", "low", "close"], index=index)
    return frame.assign(volume=1.0)


class Scripted(af.Strategy):
    """Runs `script[i](self)` at bar i (or trade i) and keeps every order update."""

    def __init__(self, script: dict[int, Callable[[Scripted], Any]], ticks: bool = False) -> None:
        super().__init__()
        self.script = script
        self.ticks = ticks
        self.seen = -1
        self.updates: list[OrderRecord] = []
        self.results: dict[int, Any] = {}
        self.positions: list[float] = []

    def on_start(self) -> None:
        if self.ticks:
            self.subscribe_trades("X")
        else:
            self.subscribe_bars("X")

    def step(self) -> None:
        self.seen += 1
        self.positions.append(self.position("X"))
        if self.seen in self.script:
            self.results[self.seen] = self.script[self.seen](self)

    def on_bar(self, bar: Any) -> None:
        self.step()

    def on_trade(self, trade: Any) -> None:
        self.step()

    def on_order_update(self, order: OrderRecord) -> None:
        self.updates.append(order)


def run_bars(rows: list[tuple[float, float, float, float]], script: Any) -> tuple[Any, Scripted]:
    engine = af.BacktestEngine(cash=100_000.0)
    engine.add_instrument("X", tick_size=0.01)
    engine.add_bars("X", bars(rows))
    strategy = Scripted(script)
    engine.add_strategy(strategy)
    return engine.run(), strategy


def fills_of(result: Any) -> list[tuple[str, float, float]]:
    f = result.fills
    return list(zip(f["side"], f["qty"], f["price"], strict=True))


# A bar that reaches both 95 and 105: a bracket around 100 sees its stop and its target.
BOTH = (100.0, 110.0, 90.0, 100.0)
FLAT = (100.0, 101.0, 99.0, 100.0)


def test_two_separate_exits_both_fill_on_one_bar_and_end_short() -> None:
    script = {
        0: lambda s: s.buy("X", 10),
        1: lambda s: (s.submit_order("X", "SELL", 10, stop=95.0), s.sell("X", 10, 105.0)),
    }
    result, strategy = run_bars([FLAT, FLAT, BOTH, FLAT], script)
    assert fills_of(result) == [("BUY", 10, 100.0), ("SELL", 10, 95.0), ("SELL", 10, 105.0)]
    assert strategy.positions[-1] == -10  # what a bracket or OCO pair is there to prevent


def test_an_oco_pair_fills_once_the_first_placed_first() -> None:
    def exits(s: Scripted) -> None:
        target = s.sell("X", 10, 105.0)
        s.submit_order("X", "SELL", 10, stop=95.0, oco=target)

    result, strategy = run_bars([FLAT, FLAT, BOTH, FLAT], {0: lambda s: s.buy("X", 10), 1: exits})
    assert fills_of(result)[1:] == [("SELL", 10, 105.0)]
    assert strategy.positions[-1] == 0
    canceled = [u for u in strategy.updates if u.status == "CANCELED"]
    assert [(u.type, u.reject_reason) for u in canceled] == [
        ("STOP", "OCO: order 2 filled or ended")
    ]


def test_buy_bracket_on_a_bar_reaching_both_fills_the_stop_loss_only() -> None:
    script = {0: lambda s: s.buy_bracket("X", 10, stop_loss=95.0, take_profit=105.0)}
    result, strategy = run_bars([FLAT, FLAT, BOTH, BOTH], script)
    assert fills_of(result) == [("BUY", 10, 100.0), ("SELL", 10, 95.0)]
    assert min(strategy.positions) >= 0
    assert strategy.positions[-1] == 0
    bracket = strategy.results[0]
    assert bracket.stop_loss_id == 2
    assert bracket.take_profit_id == 3
    statuses = {u.order_id: u.status for u in strategy.updates}
    assert statuses == {1: "FILLED", 2: "FILLED", 3: "CANCELED"}


def test_sell_bracket_with_a_limit_entry_waits_for_it_then_takes_profit() -> None:
    script = {0: lambda s: s.sell_bracket("X", 5, stop_loss=106.0, take_profit=98.0, limit=102.0)}
    rows = [FLAT, FLAT, (101.0, 103.0, 100.5, 101.0), (101.0, 101.5, 97.0, 97.5), FLAT]
    result, strategy = run_bars(rows, script)
    # The entry rests at 102 until bar 2 reaches it; bar 3 reaches the take-profit at 98.
    assert fills_of(result) == [("SELL", 5, 102.0), ("BUY", 5, 98.0)]
    assert strategy.results[0].stop_loss_id is not None
    assert strategy.positions[-1] == 0


def test_a_bracket_whose_entry_is_canceled_places_no_children() -> None:
    script = {
        0: lambda s: s.buy_bracket("X", 5, stop_loss=90.0, take_profit=110.0, limit=95.0),
        2: lambda s: s.cancel(s.results[0].entry_id),
    }
    result, strategy = run_bars([FLAT, FLAT, FLAT, BOTH], script)
    assert fills_of(result) == []
    assert strategy.results[0].stop_loss_id is None


def test_bracket_prices_on_the_wrong_side_are_refused_by_name() -> None:
    def bad(s: Scripted) -> str:
        with pytest.raises(ValueError, match="stop_loss below take_profit"):
            s.buy_bracket("X", 1, stop_loss=105.0, take_profit=95.0)
        with pytest.raises(ValueError, match="entry limit 111 must lie between"):
            s.buy_bracket("X", 1, stop_loss=95.0, take_profit=105.0, limit=111.0)
        with pytest.raises(ValueError, match="stop_loss"):
            s.buy_bracket("X", 1, stop_loss=95.001, take_profit=105.0)
        return "checked"

    _, strategy = run_bars([FLAT, FLAT], {0: bad})
    assert strategy.results[0] == "checked"
    assert strategy.updates == []


def test_trailing_stop_by_amount_follows_each_close_and_fires_at_its_stop() -> None:
    rows = [
        (100.0, 100.5, 99.5, 100.0),  # sent here: stop 97
        (100.0, 103.5, 99.0, 103.0),  # low 99 above 97; then stop 100
        (103.0, 106.5, 102.0, 106.0),  # low 102 above 100; then stop 103
        (106.0, 106.5, 103.5, 104.0),  # low 103.5 above 103; stop stays 103
        (104.0, 104.5, 99.0, 100.0),  # low 99 reaches 103: fills at 103
    ]
    script = {0: lambda s: (s.buy("X", 4), s.submit_order("X", "SELL", 4, trail_amount=3.0))}
    result, strategy = run_bars(rows, script)
    assert fills_of(result) == [("BUY", 4, 100.0), ("SELL", 4, 103.0)]
    stops = [u.stop_price for u in strategy.updates if u.type == "STOP"]
    assert stops == [97.0, 103.0]  # accepted at 97; filled with the stop it had moved to


def test_trailing_stop_by_percent_of_a_buy_moves_down_only() -> None:
    rows = [
        (100.0, 100.5, 99.5, 100.0),  # sent: stop 110
        (100.0, 100.5, 89.0, 90.0),  # high 100.5 below 110; then stop 99
        (90.0, 95.0, 89.5, 95.0),  # high 95 below 99; 95 * 1.1 = 104.5 would move it up: kept
        (96.0, 99.5, 95.5, 99.0),  # high 99.5 reaches 99: fills at 99
    ]
    script = {0: lambda s: s.submit_order("X", "BUY", 2, trail_percent=0.1)}
    result, _ = run_bars(rows, script)
    assert fills_of(result) == [("BUY", 2, 99.0)]


def test_trailing_stop_terms_are_checked_by_name() -> None:
    def bad(s: Scripted) -> str:
        with pytest.raises(ValueError, match="takes no limit= or stop="):
            s.submit_order("X", "SELL", 1, stop=90.0, trail_amount=1.0)
        with pytest.raises(ValueError, match="trail_percent must be a fraction"):
            s.submit_order("X", "SELL", 1, trail_percent=1.5)
        with pytest.raises(ValueError, match="not both"):
            s.submit_order("X", "SELL", 1, trail_percent=0.1, trail_amount=1.0)
        with pytest.raises(ValueError, match="trail is too wide"):
            s.submit_order("X", "SELL", 1, trail_amount=200.0)
        with pytest.raises(ValueError, match="order_id 99 is unknown"):
            s.submit_order("X", "SELL", 1, limit=120.0, oco=99)
        return "checked"

    _, strategy = run_bars([FLAT, FLAT], {0: bad})
    assert strategy.results[0] == "checked"
    assert strategy.updates == []


def test_gtd_order_expires_at_the_first_bar_at_or_after_its_expiry() -> None:
    expiry = DAY + pd.Timedelta(days=2)
    script = {0: lambda s: s.buy("X", 1, 95.0) and s.submit_order(
        "X", "BUY", 1, limit=95.0, time_in_force="GTD", expire_time=expiry
    )}  # fmt: skip
    rows = [FLAT, FLAT, (96.0, 97.0, 94.0, 96.0), FLAT]
    result, strategy = run_bars(rows, script)
    # The GTC limit fills at bar 2; the GTD one expires there, before it could.
    assert fills_of(result) == [("BUY", 1, 95.0)]
    expired = [u for u in strategy.updates if u.status == "EXPIRED"]
    assert len(expired) == 1
    assert expired[0].order_id == 2
    assert expired[0].ts == DAY


def test_gtd_terms_are_checked_by_name() -> None:
    def bad(s: Scripted) -> str:
        with pytest.raises(ValueError, match="'GTD' needs expire_time"):
            s.submit_order("X", "BUY", 1, limit=90.0, time_in_force="GTD")
        with pytest.raises(ValueError, match="must be after the current time"):
            s.submit_order("X", "BUY", 1, limit=90.0, expire_time=DAY)
        with pytest.raises(ValueError, match="expire_time is for orders that rest"):
            s.submit_order("X", "BUY", 1, limit=90.0, time_in_force="IOC", expire_time=DAY)
        return "checked"

    _, strategy = run_bars([FLAT, FLAT], {1: bad})
    assert strategy.results[1] == "checked"
    assert strategy.updates == []


def test_modify_keeps_the_id_and_fills_the_new_terms() -> None:
    script = {
        0: lambda s: s.buy("X", 10, 95.0),
        1: lambda s: s.modify(1, quantity=4),
        2: lambda s: s.modify(1, price=98.5),
    }
    rows = [FLAT, FLAT, FLAT, (99.0, 99.5, 98.0, 99.0)]
    result, strategy = run_bars(rows, script)
    assert fills_of(result) == [("BUY", 4, 98.5)]
    assert {u.order_id for u in strategy.updates} == {1}
    # Every record carries the time the order was sent (bar 0), re-priced or not.
    assert {u.ts for u in strategy.updates} == {strategy.updates[0].ts}
    assert [(u.qty, u.price, u.status) for u in strategy.updates] == [
        (10, 95.0, "ACCEPTED"),
        (4, 95.0, "ACCEPTED"),
        (4, 98.5, "ACCEPTED"),
        (4, 98.5, "FILLED"),
    ]


def test_modify_is_refused_by_name_and_leaves_the_order_as_it_was() -> None:
    def bad(s: Scripted) -> str:
        with pytest.raises(ValueError, match="is FILLED and cannot be modified"):
            s.modify(1, quantity=2)
        with pytest.raises(ValueError, match="price"):
            s.modify(2, price=95.001)
        with pytest.raises(ValueError, match="quantity must be a finite quantity"):
            s.modify(2, quantity=-1)
        with pytest.raises(ValueError, match="has no pending stop_price"):
            s.modify(2, stop=99.0)
        with pytest.raises(ValueError, match="needs a new price"):
            s.modify(2)
        with pytest.raises(ValueError, match="order_id 77 is unknown"):
            s.modify(77, price=90.0)
        return "checked"

    script = {0: lambda s: (s.buy("X", 1), s.buy("X", 3, 90.0)), 2: bad}
    _, strategy = run_bars([FLAT, FLAT, FLAT, FLAT], script)
    assert strategy.results[2] == "checked"
    order = [u for u in strategy.updates if u.order_id == 2][-1]
    assert (order.qty, order.price, order.status) == (3, 90.0, "ACCEPTED")


# Tick replays.


def run_trades(prices: list[float], script: Any) -> tuple[Any, Scripted]:
    ts = DAY.value + pd.Series(range(len(prices))) * 1_000_000_000
    trades = pd.DataFrame({"ts_ns": ts, "price": prices, "size": 1.0})
    engine = af.BacktestEngine(cash=100_000.0)
    engine.add_instrument("X", tick_size=0.01)
    engine.add_trades("X", trades)
    strategy = Scripted(script, ticks=True)
    engine.add_strategy(strategy)
    return engine.run(), strategy


def test_tick_trailing_stop_follows_each_trade_after_it_reached_the_market() -> None:
    # Sent at trade 0 (100): stop 98. Trades 101, 103 move it to 99, 101; 102 leaves it; 100.5
    # reaches it: a stop takes at the print, 100.5.
    prices = [100.0, 101.0, 103.0, 102.0, 100.5, 99.0]
    result, _ = run_trades(
        prices, {0: lambda s: (s.buy("X", 1), s.submit_order("X", "SELL", 1, trail_amount=2.0))}
    )
    assert fills_of(result) == [("BUY", 1, 101.0), ("SELL", 1, 100.5)]


def test_tick_bracket_places_children_on_the_fill_and_fills_one() -> None:
    # Entry takes at trade 1 (100); the children wait for trade 2 on; 104 passes the target
    # 103.5 (a resting limit fills at its price on a print through it); the stop is canceled.
    prices = [100.0, 100.0, 101.0, 104.0, 90.0]
    script = {0: lambda s: s.buy_bracket("X", 2, stop_loss=97.0, take_profit=103.5)}
    result, strategy = run_trades(prices, script)
    assert fills_of(result) == [("BUY", 2, 100.0), ("SELL", 2, 103.5)]
    assert strategy.positions[-1] == 0
    assert [u.status for u in strategy.updates if u.type == "STOP"] == ["ACCEPTED", "CANCELED"]


def test_tick_gtd_expires_at_the_first_trade_at_or_after_its_time() -> None:
    expiry = DAY + pd.Timedelta(seconds=2)
    script = {0: lambda s: s.buy("X", 1, 95.0, ) and s.submit_order(
        "X", "BUY", 1, limit=96.0, expire_time=expiry
    )}  # fmt: skip
    result, strategy = run_trades([100.0, 99.0, 94.0, 93.0], script)
    assert fills_of(result) == [("BUY", 1, 95.0)]
    assert [u.status for u in strategy.updates if u.order_id == 2] == ["ACCEPTED", "EXPIRED"]


def test_a_bracket_in_a_spot_account_locks_the_base_asset_once() -> None:
    # Both legs sell the same 1 BTC and only one can fill: the take-profit is not refused for
    # the coin the stop-loss already locks.
    engine = af.BacktestEngine(cash=0.0, account="spot", currency="USDT", balances={"USDT": 1e3})
    engine.add_instrument("X", 0.01, 0.001, base="BTC", quote="USDT")
    engine.add_bars("X", bars([FLAT, FLAT, BOTH, FLAT]))
    script = {0: lambda s: s.buy_bracket("X", 1, stop_loss=95.0, take_profit=105.0)}
    strategy = Scripted(script)
    engine.add_strategy(strategy)
    result = engine.run()
    assert fills_of(result) == [("BUY", 1, 100.0), ("SELL", 1, 95.0)]
    assert [u.status for u in strategy.updates if u.type == "LIMIT"] == ["ACCEPTED", "CANCELED"]
    assert engine.balances()["BTC"].free == 0
    assert engine.balances()["BTC"].locked == 0


def test_tick_modify_reprices_as_a_new_arrival_from_the_next_trade() -> None:
    # The limit at 95 rests; modified to 98.5 at trade 1 (99) it arrives at trade 2 (98), where
    # it is marketable and takes at the print.
    script = {0: lambda s: s.buy("X", 3, 95.0), 1: lambda s: s.modify(1, price=98.5, quantity=2)}
    result, strategy = run_trades([100.0, 99.0, 98.0, 97.0], script)
    assert fills_of(result) == [("BUY", 2, 98.0)]
    filled = strategy.updates[-1]
    assert (filled.order_id, filled.status, filled.price) == (1, "FILLED", 98.5)
