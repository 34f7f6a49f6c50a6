"""Bar backtests: backtrader's fill conventions on hand-made bars, hand-computed accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from alphaforge.execution import OrderSide
from alphaforge.records import FillRecord, OrderRecord

# open, high, low, close of five daily bars
ROWS = [
    (100.0, 102.0, 99.0, 101.0),
    (103.0, 105.0, 101.0, 104.0),
    (104.0, 106.0, 98.0, 100.0),
    (99.0, 101.0, 95.0, 97.0),
    (98.0, 100.0, 96.0, 99.0),
]
DAYS = pd.date_range("2024-01-01", periods=len(ROWS), freq="D", tz="UTC")


def bars(rows: list[tuple[float, float, float, float]] = ROWS) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["open", "high", "low", "close"], index=DAYS[: len(rows)])
    frame["volume"] = 1000.0
    return frame


class Script(af.Strategy):
    """Runs the actions given for each bar index: each action gets the strategy."""

    def __init__(self, actions: dict[int, list[Callable[[af.Strategy], Any]]], name: str) -> None:
        super().__init__(name)
        self.actions = actions
        self.index = -1
        self.seen: list[tuple[int, float]] = []
        self.fills: list[FillRecord] = []
        self.updates: list[OrderRecord] = []

    def on_start(self) -> None:
        self.subscribe_bars("X")

    def on_bar(self, bar: Any) -> None:
        self.index += 1
        self.seen.append((bar.ts, bar.close))
        for action in self.actions.get(self.index, []):
            action(self)

    def on_fill(self, fill: FillRecord) -> None:
        self.fills.append(fill)

    def on_order_update(self, order: OrderRecord) -> None:
        self.updates.append(order)


def run(*strategies: af.Strategy, fees: float = 0.0, cash: float = 100_000.0) -> dict[str, Any]:
    engine = af.BacktestEngine(cash=cash, fees=fees)
    engine.add_bars("X", bars())
    for s in strategies:
        engine.add_strategy(s)
    return engine.run_frames()


def one_fill(action: Callable[[af.Strategy], Any], at_bar: int) -> pd.DataFrame:
    frames = run(Script({at_bar: [action]}, "s"))
    return frames["fills"]


def test_market_order_fills_at_next_open_with_fees_cash_and_equity() -> None:
    s = Script({0: [lambda st: st.buy("X", 10)]}, "s")
    frames = run(s, fees=0.001)
    fills = frames["fills"]
    assert len(fills) == 1
    row = fills.iloc[0]
    assert (row.symbol, row.side, row.qty, row.price) == ("X", "BUY", 10.0, 103.0)
    assert row.fee == pytest.approx(1.03)
    assert row.ts == DAYS[1]
    assert row.strategy == "s"
    cash_after = 100_000.0 - 10 * 103.0 - 1.03
    equity = frames["equity"]
    assert list(equity.index) == list(DAYS)
    assert str(equity.index.dtype) == "datetime64[ns, UTC]"
    assert equity["equity"].iloc[0] == pytest.approx(100_000.0)
    expected = [100_000.0] + [cash_after + 10 * c for _, _, _, c in ROWS[1:]]
    assert equity["equity"].to_numpy() == pytest.approx(expected)
    assert equity["cash"].to_numpy() == pytest.approx([100_000.0] + [cash_after] * 4)
    assert (equity["cash"] + equity["positions_value"]).to_numpy() == pytest.approx(expected)
    position = frames["positions"].iloc[0]
    assert (position.strategy, position.symbol, position.qty) == ("s", "X", 10.0)
    assert position.avg_price == pytest.approx(103.0)
    assert position.unrealized_pnl == pytest.approx(10 * (99.0 - 103.0))
    assert position.fees == pytest.approx(1.03)
    assert s.fills[0].price == 103.0
    # Accepted after the bar that sent it, as a venue's acknowledgement; filled on the next.
    assert [u.status for u in s.updates] == ["ACCEPTED", "FILLED"]
    assert s.updates[0].filled_qty == 0.0
    assert s.updates[1].filled_qty == 10.0


def test_round_trip_realizes_pnl() -> None:
    s = Script({0: [lambda st: st.buy("X", 10)], 2: [lambda st: st.sell("X", 10)]}, "s")
    frames = run(s, fees=0.001)
    prices = frames["fills"]["price"].tolist()
    assert prices == [103.0, 99.0]
    fees = 0.001 * (1030.0 + 990.0)
    assert frames["equity"]["equity"].iloc[-1] == pytest.approx(100_000.0 - 40.0 - fees)
    assert frames["equity"]["positions_value"].iloc[-1] == pytest.approx(0.0)
    position = frames["positions"].iloc[0]
    assert position.qty == 0.0
    assert position.realized_pnl == pytest.approx(-40.0)  # fees are kept apart
    assert position.fees == pytest.approx(fees)


@pytest.mark.parametrize(
    ("side", "limit", "at_bar", "price", "fill_day"),
    [
        ("BUY", 102.0, 1, 102.0, 2),  # open 104 above: the low 98 reaches the limit
        ("BUY", 100.0, 2, 99.0, 3),  # open 99 at or below the limit: the open
        ("BUY", 103.0, 0, 103.0, 1),  # open equal to the limit
        ("SELL", 105.0, 0, 105.0, 1),  # open 103 below: the high 105 reaches it
        ("SELL", 102.0, 0, 103.0, 1),  # open 103 at or above: the open
    ],
)
def test_limit_orders(side: str, limit: float, at_bar: int, price: float, fill_day: int) -> None:
    fills = one_fill(lambda st: st.submit_order("X", side, 5, limit=limit), at_bar)
    assert fills["price"].tolist() == [price]
    assert fills["ts"].tolist() == [DAYS[fill_day]]
    assert fills["side"].tolist() == [side]


def test_limit_rests_until_reached_and_unreached_stays_open() -> None:
    s = Script(
        {0: [lambda st: st.buy("X", 1, limit=96.0), lambda st: st.buy("X", 1, limit=90.0)]}, "s"
    )
    frames = run(s)
    fills = frames["fills"]
    # Lows 99, 101, 98 miss 96; bar 3 (low 95) reaches it.
    assert fills["price"].tolist() == [96.0]
    assert fills["ts"].tolist() == [DAYS[3]]
    orders = frames["orders"].set_index("order_id")
    assert orders.loc[1, "status"] == "FILLED"
    assert orders.loc[1, "avg_fill_price"] == 96.0
    assert orders.loc[2, "status"] == "ACCEPTED"
    assert orders.loc[2, "filled_qty"] == 0.0


@pytest.mark.parametrize(
    ("side", "stop", "at_bar", "price", "fill_day"),
    [
        ("BUY", 104.0, 0, 104.0, 1),  # open 103 below: the high reaches the stop
        ("BUY", 102.0, 0, 103.0, 1),  # opens through the stop: the open
        ("SELL", 97.0, 2, 97.0, 3),  # open 99 above: the low reaches it
        ("SELL", 100.0, 2, 99.0, 3),  # opens through: the open
    ],
)
def test_stop_orders(side: str, stop: float, at_bar: int, price: float, fill_day: int) -> None:
    fills = one_fill(lambda st: st.submit_order("X", side, 5, stop=stop), at_bar)
    assert fills["price"].tolist() == [price]
    assert fills["ts"].tolist() == [DAYS[fill_day]]


def test_cancel_before_the_next_bar_keeps_the_order_out() -> None:
    def buy_and_cancel(st: af.Strategy) -> None:
        order_id = st.buy("X", 1, limit=50.0)
        assert st.cancel(order_id) is True
        assert st.cancel(order_id) is False

    frames = run(Script({0: [buy_and_cancel]}, "s"))
    assert frames["fills"].empty
    assert frames["orders"]["status"].tolist() == ["CANCELED"]


def test_strategies_share_one_portfolio() -> None:
    a = Script({0: [lambda st: st.buy("X", 10)]}, "a")
    b = Script({1: [lambda st: st.buy("X", 5)], 3: [lambda st: st.sell("X", 5)]}, "b")
    frames = run(a, b)
    fills = frames["fills"]
    assert list(zip(fills.strategy, fills.price, fills.qty, strict=True)) == [
        ("a", 103.0, 10.0),
        ("b", 104.0, 5.0),
        ("b", 98.0, 5.0),
    ]
    cash = 100_000.0 - 1030.0 - 520.0 + 490.0
    equity = frames["equity"]
    assert equity["cash"].iloc[-1] == pytest.approx(cash)
    assert equity["equity"].iloc[2] == pytest.approx(100_000.0 - 1550.0 + 15 * 100.0)
    assert equity["equity"].iloc[-1] == pytest.approx(cash + 10 * 99.0)
    positions = frames["positions"].set_index("strategy")
    assert positions.loc["a", "qty"] == 10.0
    assert positions.loc["b", "qty"] == 0.0
    assert positions.loc["b", "realized_pnl"] == pytest.approx(-30.0)
    assert a.position("X") == 10.0
    assert b.position("X") == 0.0


def test_two_symbols_run_in_time_order() -> None:
    engine = af.BacktestEngine(cash=10_000.0)
    engine.add_bars("X", bars())
    other = bars()[["open", "high", "low", "close", "volume"]] / 2
    other.index = other.index + pd.Timedelta(hours=12)
    engine.add_bars("Y", other)
    seen: list[str] = []

    class Both(af.Strategy):
        def on_start(self) -> None:
            self.subscribe_bars("X")
            self.subscribe_bars("Y")

        def on_bar(self, bar: Any) -> None:
            seen.append(bar.symbol)
            if len(seen) == 1:
                self.buy("Y", 2)

    engine.add_strategy(Both())
    frames = engine.run_frames()
    assert seen == ["X", "Y"] * 5
    assert len(frames["equity"]) == 10
    # Sent at X's first bar; Y's next bar is its first, 12 hours later, open 50.
    assert frames["fills"]["price"].tolist() == [50.0]
    assert frames["fills"]["ts"].tolist() == [DAYS[0] + pd.Timedelta(hours=12)]


def test_runs_are_deterministic() -> None:
    def make() -> dict[str, Any]:
        s = Script(
            {
                0: [lambda st: st.buy("X", 3), lambda st: st.sell("X", 1, limit=105.0)],
                2: [lambda st: st.submit_order("X", "SELL", 1, stop=97.0)],
            },
            "s",
        )
        return run(s, fees=0.0005)

    first, second = make(), make()
    for name in ("fills", "orders", "positions", "equity"):
        pd.testing.assert_frame_equal(first[name], second[name])


def test_bar_fields_reach_the_strategy() -> None:
    s = Script({}, "s")
    run(s)
    assert s.seen == [(int(d.value), r[3]) for d, r in zip(DAYS, ROWS, strict=True)]


def rejected(
    engine: af.BacktestEngine, frame: pd.DataFrame, error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text):
        engine.add_bars("X", frame)


def test_bad_bars_are_refused_and_leave_no_symbol() -> None:
    engine = af.BacktestEngine()
    frame = bars()
    rejected(engine, frame.iloc[::-1], ValueError, r"bars of X: ts_ns\[1\].*earlier than row 0")
    rejected(engine, frame.iloc[:0], ValueError, "empty")
    nan = frame.copy()
    nan.iloc[2, 1] = np.nan
    rejected(engine, nan, ValueError, r"high\[2\] = nan")
    rejected(engine, frame.drop(columns="low"), ValueError, "missing column .low.")
    rejected(engine, frame.reset_index(drop=True), ValueError, "DatetimeIndex")
    broken = frame.copy()
    broken.iloc[1, 1] = 100.0  # high below open 103
    rejected(engine, broken, ValueError, r"high\[1\] = 100.0: below the open")
    negative = frame.copy()
    negative.iloc[0, 0] = -1.0
    rejected(engine, negative, ValueError, r"open\[0\] = -1.0")
    with pytest.raises(TypeError, match="DataFrame"):
        engine.add_bars("X", frame.to_numpy())  # type: ignore[arg-type]
    engine.add_bars("X", frame)  # nothing of the refused calls stayed behind
    with pytest.raises(ValueError, match="already added"):
        engine.add_bars("X", frame)


def test_bad_settings_are_refused() -> None:
    for cash in (0.0, -5.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="cash"):
            af.BacktestEngine(cash=cash)
    with pytest.raises(TypeError, match="cash"):
        af.BacktestEngine(cash="100")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="fee"):
        af.BacktestEngine(fees=1.5)
    with pytest.raises(ValueError, match="slippage_price"):
        af.BacktestEngine(slippage_price=-1.0)
    with pytest.raises(ValueError, match="slippage_bps"):
        af.BacktestEngine(slippage_bps=10_000)


def test_bad_orders_are_refused_and_change_nothing() -> None:
    errors: list[str] = []

    def try_bad(st: af.Strategy) -> None:
        for call, text in (
            (lambda: st.buy("NOPE", 1), "unknown symbol NOPE"),
            (lambda: st.buy("X", 0), "quantity"),
            (lambda: st.buy("X", -1), "quantity"),
            (lambda: st.submit_order("X", "HOLD", 1), "side"),
        ):
            with pytest.raises(ValueError, match=text):
                call()
            errors.append(text)

    frames = run(Script({0: [try_bad]}, "s"))
    assert len(errors) == 4
    assert frames["orders"].empty
    assert frames["fills"].empty
    assert frames["equity"]["equity"].tolist() == [100_000.0] * 5


def test_engine_refuses_a_second_run_and_unsubscribed_symbol() -> None:
    engine = af.BacktestEngine()
    engine.add_bars("X", bars())
    with pytest.raises(ValueError, match="no strategy"):
        engine.run_frames()

    class Wrong(af.Strategy):
        def on_start(self) -> None:
            self.subscribe_bars("Z")

    engine.add_strategy(Wrong())
    with pytest.raises(ValueError, match="unknown symbol Z"):
        engine.run_frames()


def test_slippage_moves_market_and_stop_fills_not_limits() -> None:
    engine = af.BacktestEngine(cash=100_000.0, slippage_price=1.0)
    engine.add_instrument("X", tick_size=0.5)
    engine.add_bars("X", bars())
    actions = {
        0: [
            lambda st: st.buy("X", 1),  # open 103 + 1.0 (two ticks of 0.5)
            lambda st: st.submit_order("X", "BUY", 1, stop=104.0),  # stop 104 + 1
            lambda st: st.sell("X", 1, limit=105.0),  # limits fill at their price
        ],
        2: [lambda st: st.sell("X", 1)],  # open 99 - 1
    }
    engine.add_strategy(Script(actions, "s"))
    fills = engine.run_frames()["fills"]
    assert fills["price"].tolist() == [104.0, 105.0, 105.0, 98.0]


def test_recorded_prices_off_the_grid_are_accepted_order_prices_are_not() -> None:
    engine = af.BacktestEngine()
    instrument = engine.add_instrument("X", tick_size=0.25)
    adjusted = bars()
    adjusted.iloc[1, 0] = 103.1  # an adjusted open, between two ticks
    engine.add_bars("X", adjusted)
    refused: list[str] = []

    def off_grid(st: af.Strategy) -> None:
        with pytest.raises(ValueError, match=r"101\.1 is not a multiple of the tick_size 0\.25"):
            st.buy("X", 1, limit=101.1)
        refused.append("limit")
        st.buy("X", 1, limit=instrument.round_price(101.1, OrderSide.Buy))
        st.buy("X", 1)  # fills at the open 103.1, rounded to the nearest tick

    engine.add_strategy(Script({0: [off_grid]}, "s"))
    fills = engine.run_frames()["fills"]
    assert refused == ["limit"]
    assert fills["price"].tolist() == [101.0, 103.0]
    assert instrument.round_price(101.1, OrderSide.Sell) == 101.25
    assert instrument.round_price(101.0, OrderSide.Sell) == 101.0


def test_clock_log_and_cache_of_a_strategy() -> None:
    times: list[tuple[int, int]] = []

    class Watch(af.Strategy):
        def on_start(self) -> None:
            self.subscribe_bars("X")
            self.cache.put("bars", 0)

        def on_bar(self, bar: Any) -> None:
            times.append((self.clock.timestamp_ns(), bar.ts))
            self.cache.put("bars", self.cache.get("bars") + 1)
            self.log.debug("bar %s", bar)

    watch = Watch()
    run(watch)
    assert times == [(int(d.value), int(d.value)) for d in DAYS]
    assert isinstance(watch.cache, af.cache.GenericCache)
    assert watch.cache.get("bars") == 5
    assert watch.log.name == "alphaforge.strategy.Watch"
    with pytest.raises(RuntimeError, match="not added"):
        Watch().position("X")


def test_time_in_force_on_bars() -> None:
    # Bar 1 opens at 103 (low 101): an IOC buy at 102 cannot take at the open and expires; an
    # IOC at 104 takes at the open; a POST_ONLY at 104 would take and expires; a POST_ONLY at
    # 102 rests and fills at 102 as maker when the low reaches it.
    strategy = Script(
        {
            0: [
                lambda s: s.submit_order("X", "BUY", 1, limit=102.0, time_in_force="IOC"),
                lambda s: s.submit_order("X", "BUY", 2, limit=104.0, time_in_force="IOC"),
                lambda s: s.submit_order("X", "BUY", 3, limit=104.0, time_in_force="POST_ONLY"),
                lambda s: s.submit_order("X", "BUY", 4, limit=102.0, time_in_force="POST_ONLY"),
            ]
        },
        "s1",
    )
    out = run(strategy, fees=0.001)
    fills = out["fills"]
    assert list(zip(fills["qty"], fills["price"], fills["liquidity"], strict=True)) == [
        (2.0, 103.0, "TAKER"),
        (4.0, 102.0, "MAKER"),
    ]
    assert out["orders"]["status"].tolist() == ["EXPIRED", "FILLED", "EXPIRED", "FILLED"]


def test_instruments_come_before_bars_and_cover_every_symbol() -> None:
    engine = af.BacktestEngine()
    engine.add_instrument("A", tick_size=0.25)
    with pytest.raises(ValueError, match="'X' is not a registered instrument"):
        engine.add_bars("X", bars())
    engine.add_bars("A", bars())
    with pytest.raises(ValueError, match="instrument of A before its bars"):
        engine.add_instrument("A", tick_size=0.5)
    engine = af.BacktestEngine()
    engine.add_bars("B", bars())
    with pytest.raises(ValueError, match="instrument of B before its bars"):
        engine.add_instrument("B", tick_size=0.25)
