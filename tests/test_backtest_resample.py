"""Bars resampled to a coarser time step inside the bar backtest's native loop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from alphaforge.data.loaders import load_csv
from alphaforge.samples import btc_perp_1m

MINUTE = 60_000_000_000
FUTURES_1M = Path(__file__).parent / "data" / "6eh4-xcme-1m-january.csv.gz"
COLUMNS = ["open", "high", "low", "close", "volume"]
START = pd.Timestamp("2024-01-01", tz="UTC").value  # minute 0 of the hand-made bars


def minute(ns: Any) -> Any:
    """Minutes since START, of a timestamp or of a Series of them."""
    return (ns - START) // MINUTE


class Recorder(af.Strategy):
    """Keeps every bar of the subscribed streams with the clock at the time it was handed out."""

    def __init__(self, symbol: str, specs: tuple[str | None, ...], **options: Any) -> None:
        super().__init__(**options)
        self.symbol, self.specs = symbol, specs
        self.seen: list[tuple[Any, int]] = []

    def on_start(self) -> None:
        for spec in self.specs:
            self.subscribe_bars(self.symbol, spec)

    def on_bar(self, bar: Any) -> None:
        self.seen.append((bar, self.clock.timestamp_ns()))


def replay(bars: pd.DataFrame, *specs: str | None) -> Recorder:
    engine = af.BacktestEngine(cash=1e9)
    engine.add_bars("X", bars)
    strategy = Recorder("X", specs)
    engine.add_strategy(strategy)
    engine.run_frames()
    return strategy


def frame_of(seen: list[tuple[Any, int]]) -> pd.DataFrame:
    index = pd.DatetimeIndex([b.ts for b, _ in seen], tz="UTC")
    rows = [[getattr(b, c) for c in COLUMNS] for b, _ in seen]
    return pd.DataFrame(rows, index=index, columns=COLUMNS)


def pandas_resample(bars: pd.DataFrame, rule: str) -> pd.DataFrame:
    """pandas' own resampling: left-closed periods labelled by their start; empty ones dropped."""
    frame = bars.set_index(pd.DatetimeIndex(bars["ts_ns"], tz="UTC"))[COLUMNS]
    out = frame.resample(rule).agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    )
    return out.dropna(subset=["open"])


def assert_same_bars(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert got.index.equals(want.index)
    for column in ["open", "high", "low", "close"]:
        assert got[column].to_numpy().tolist() == want[column].to_numpy().tolist(), column
    np.testing.assert_allclose(got["volume"], want["volume"], rtol=1e-12)


@pytest.mark.parametrize("rule", ["5min", "15min", "1h", "4h", "1D"])
def test_btc_minute_bars_resample_as_pandas(rule: str) -> None:
    bars = btc_perp_1m()
    got = frame_of(replay(bars, rule).seen)
    assert_same_bars(got, pandas_resample(bars, rule))


@pytest.mark.parametrize("rule", ["15min", "1h", "1D"])
def test_gaps_invent_no_bar(rule: str) -> None:
    bars = load_csv(FUTURES_1M, "bars")
    assert np.diff(bars["ts_ns"]).max() > 24 * 60 * MINUTE  # a weekend
    got = frame_of(replay(bars, rule).seen)
    want = pandas_resample(bars, rule)
    assert_same_bars(got, want)
    # pandas' grid has empty periods over the gaps; neither the replay nor the reference
    # keeps them.
    full = pd.date_range(want.index[0], want.index[-1], freq=rule)
    assert len(full) > len(got)


def minute_bars(minutes: list[int]) -> pd.DataFrame:
    """Bars at the given minutes; bar i opens at 100 + i and closes at 100.5 + i."""
    n = len(minutes)
    opens = 100.0 + np.arange(n)
    return pd.DataFrame(
        {
            "ts_ns": START + np.asarray(minutes, dtype=np.int64) * MINUTE,
            "open": opens,
            "high": opens + 1.0,
            "low": opens - 1.0,
            "close": opens + 0.5,
            "volume": 1.0 + np.arange(n),
        }
    )


def test_handed_out_with_the_last_bar_of_its_period_after_that_bar() -> None:
    seen = replay(minute_bars(list(range(12))), None, "5min").seen
    labels = [(minute(b.ts), minute(clock)) for b, clock in seen]
    # The 5-minute bar of 0..4 comes at minute 4, after that minute's own bar; the last period
    # (10, 11) is cut short by the end of the data and handed out then.
    assert labels[:7] == [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (0, 4), (5, 5)]
    assert labels[-3:] == [(10, 10), (11, 11), (10, 11)]
    first = seen[5][0]
    assert (first.open, first.high, first.low, first.close, first.volume) == (
        100.0,
        105.0,
        99.0,
        104.5,
        15.0,
    )


class BuyOnResampled(af.Strategy):
    """Buys one unit on every bar of `spec`."""

    def __init__(self, spec: str) -> None:
        super().__init__()
        self.spec = spec

    def on_start(self) -> None:
        self.subscribe_bars("X", self.spec)

    def on_bar(self, bar: Any) -> None:
        self.buy("X", 1)


def fills_of(bars: pd.DataFrame, spec: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    engine = af.BacktestEngine(cash=1e6)
    engine.add_bars("X", bars)
    engine.add_strategy(BuyOnResampled(spec))
    frames = engine.run_frames()
    return frames["fills"], frames["orders"]


def test_an_order_from_a_resampled_bar_fills_at_the_next_base_open() -> None:
    fills, orders = fills_of(minute_bars(list(range(12))), "5min")
    # Sent at minutes 4 and 9 (the last bars of their periods); filled at the opens of 5 and 10.
    assert minute(orders["ts"].astype("int64")).tolist() == [4, 9, 11]
    assert minute(fills["ts"].astype("int64")).tolist() == [5, 10]
    assert fills["price"].tolist() == [105.0, 110.0]


def test_a_period_whose_last_bar_is_missing_ends_at_the_next_bar() -> None:
    # Minute 4 is missing: the bar of 0..3 is complete only once minute 5 arrives. It is handed
    # out then, before minute 5 fills, at the clock of the period's end, and its order takes
    # minute 5's open: what the market offered once the period was over, no earlier.
    bars = minute_bars([0, 1, 2, 3, 5, 6, 7, 8, 9, 10])
    seen = replay(bars, "5min").seen
    assert [(minute(b.ts), minute(clock)) for b, clock in seen] == [(0, 5), (5, 9), (10, 10)]
    fills, orders = fills_of(bars, "5min")
    assert minute(orders["ts"].astype("int64")).tolist() == [5, 9, 10]
    assert fills["price"].tolist() == [104.0, 109.0]  # the opens of minutes 5 and 10
    assert minute(fills["ts"].astype("int64")).tolist() == [5, 10]


def test_another_symbols_bar_ends_a_period_too() -> None:
    # X has no bar from minute 3 to 9; Y trades every minute. X's bar of 0..4 is over at
    # minute 5, which Y's bar there shows.
    engine = af.BacktestEngine(cash=1e9)
    engine.add_bars("X", minute_bars([0, 1, 2, 10]))
    engine.add_bars("Y", minute_bars(list(range(12))))
    strategy = Recorder("X", ("5min",))
    engine.add_strategy(strategy)
    engine.run_frames()
    assert [(minute(b.ts), minute(clock)) for b, clock in strategy.seen] == [(0, 5), (10, 11)]


def test_specs_that_are_not_whole_multiples_are_refused() -> None:
    bars = minute_bars(list(range(0, 40, 2)))  # two-minute bars
    with pytest.raises(ValueError, match="bar spec '3min' is not a whole multiple of the 2min"):
        replay(bars, "3min")
    with pytest.raises(ValueError, match="bar spec '1min' is not a whole multiple of the 2min"):
        replay(bars, "1min")
    with pytest.raises(ValueError, match="'100tick' is not a time span"):
        replay(bars, "100tick")
    with pytest.raises(ValueError, match="bar spec '5minutes'"):
        replay(bars, "5minutes")
    assert len(replay(bars, "6min").seen) == 7  # 40 minutes in periods of 6


def test_both_streams_and_two_strategies_on_one_stream() -> None:
    bars = btc_perp_1m().iloc[:600]
    engine = af.BacktestEngine(cash=1e9)
    engine.add_bars("X", bars)
    both, resampled_only = Recorder("X", (None, "15min")), Recorder("X", ("15min",))
    resampled_only.name = "resampled only"
    engine.add_strategy(both)
    engine.add_strategy(resampled_only)
    engine.run_frames()
    period = 15 * MINUTE
    want: list[int] = []
    want_resampled: list[int] = []
    for ts in bars["ts_ns"]:
        want.append(int(ts))
        if (ts + MINUTE) % period == 0:  # the period's last minute: its bar follows
            want_resampled.append(int(ts + MINUTE - period))
            want.append(want_resampled[-1])
    want_resampled.append(int(bars["ts_ns"].iloc[-1]) // period * period)  # cut short by the end
    want.append(want_resampled[-1])
    assert [b.ts for b, _ in both.seen] == want
    assert [b.ts for b, _ in resampled_only.seen] == want_resampled
    # bar.spec tells the streams apart, on kept bars too (each kept bar is a fresh object).
    specs = [b.spec for b, _ in both.seen]
    assert specs.count("15min") == len(want_resampled)
    assert specs.count(None) == len(bars)
    assert {b.spec for b, _ in resampled_only.seen} == {"15min"}


bt = pytest.importorskip("backtrader")


def backtrader_resampled(bars: pd.DataFrame, minutes: int) -> tuple[list[Any], list[Any]]:
    """backtrader's resampledata of the same bars, and the fills of BuyUpSellDown there.

    backtrader stamps a bar with its close, so the minute bars go in one minute later and
    its resampled bars come out stamped with their periods' ends."""
    frame = bars.set_index(pd.to_datetime(bars["ts_ns"] + MINUTE, unit="ns"))[COLUMNS]
    resampled: list[Any] = []
    fills: list[Any] = []

    class Strategy(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.count = 0

        def notify_order(self, order: Any) -> None:
            if order.status == order.Completed:
                fills.append(("BUY" if order.isbuy() else "SELL", order.executed.price))

        def next(self) -> None:
            if len(self.data1) == self.count:
                return
            self.count = len(self.data1)
            d = self.data1
            stamp = pd.Timestamp(bt.num2date(d.datetime[0])).value - minutes * MINUTE
            resampled.append((stamp, d.open[0], d.high[0], d.low[0], d.close[0], d.volume[0]))
            if d.close[0] > d.open[0] and self.position.size == 0:
                self.buy(data=self.data0, size=1)
            elif d.close[0] < d.open[0] and self.position.size > 0:
                self.sell(data=self.data0, size=self.position.size)

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.broker.setcash(1e6)
    feed = bt.feeds.PandasData(dataname=frame, timeframe=bt.TimeFrame.Minutes, compression=1)
    cerebro.adddata(feed)
    cerebro.resampledata(feed, timeframe=bt.TimeFrame.Minutes, compression=minutes)
    cerebro.addstrategy(Strategy)
    cerebro.run()
    return resampled, fills


class BuyUpSellDown(af.Strategy):
    def __init__(self, spec: str) -> None:
        super().__init__()
        self.spec = spec
        self.resampled: list[Any] = []

    def on_start(self) -> None:
        self.subscribe_bars("X", self.spec)

    def on_bar(self, bar: Any) -> None:
        self.resampled.append((bar.ts, bar.open, bar.high, bar.low, bar.close, bar.volume))
        held = self.position("X")
        if bar.close > bar.open and held == 0:
            self.buy("X", 1)
        elif bar.close < bar.open and held > 0:
            self.sell("X", held)


@pytest.mark.parametrize("minutes", [5, 15, 60])
def test_same_bars_and_fills_as_backtrader_resampledata(minutes: int) -> None:
    bars = btc_perp_1m().iloc[:3000]
    want_bars, want_fills = backtrader_resampled(bars, minutes)
    engine = af.BacktestEngine(cash=1e6)
    engine.add_bars("X", bars)
    strategy = BuyUpSellDown(f"{minutes}min")
    engine.add_strategy(strategy)
    fills = engine.run_frames()["fills"]
    got = strategy.resampled
    assert len(got) == len(want_bars)
    for ours, theirs in zip(got, want_bars, strict=True):
        assert ours[:5] == theirs[:5]
        assert ours[5] == pytest.approx(theirs[5], rel=1e-12)
    assert list(zip(fills["side"], fills["price"], strict=True)) == want_fills
    assert len(want_fills) > 20


def test_a_sizer_hears_the_closes_of_the_first_bars_subscribed() -> None:
    class Listening(af.sizing.FixedFractional):
        def __init__(self) -> None:
            super().__init__(0.01)
            self.closes: list[float] = []

        def on_bar(self, symbol: str, close: float) -> None:
            self.closes.append(close)

    bars = minute_bars(list(range(12)))
    sizer = Listening()
    engine = af.BacktestEngine(cash=1e6)
    engine.add_bars("X", bars)
    engine.add_strategy(Recorder("X", (None, "5min"), sizer=sizer))
    engine.run_frames()
    assert sizer.closes == bars["close"].tolist()  # the minutes, not the 5-minute bars too
