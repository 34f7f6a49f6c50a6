"""Fill rules that used to give wrong numbers without an error: each case here failed before."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import alphaforge as af

T0 = 1_700_000_000_000_000_000
SECOND = 1_000_000_000


def trades(prices: list[float], sizes: list[float] | None = None) -> pd.DataFrame:
    """One trade a second from T0."""
    return pd.DataFrame(
        {
            "ts_ns": [T0 + i * SECOND for i in range(len(prices))],
            "price": prices,
            "size": sizes or [1.0] * len(prices),
        }
    )


class BuyOnFirstBar(af.Strategy):
    """Buys at market in the handler of the first bar it sees; keeps what it is handed."""

    def __init__(self, spec: str | None) -> None:
        super().__init__()
        self.spec = spec
        self.bars: list[Any] = []

    def on_start(self) -> None:
        self.subscribe_bars("X", self.spec)

    def on_bar(self, bar: Any) -> None:
        self.bars.append(bar)
        if len(self.bars) == 1:
            self.buy("X", 1)


def fill_price(spec: str, prices: list[float], sizes: list[float] | None = None) -> float:
    engine = af.BacktestEngine()
    engine.add_trades("X", trades(prices, sizes))
    engine.add_strategy(BuyOnFirstBar(spec))
    return float(engine.run().fills["price"].iloc[0])


def test_tick_and_volume_bars_fill_at_the_trade_after_the_bar() -> None:
    prices = [100.0, 101.0, 102.0, 103.0, 104.0, 105.0]
    # A 2-trade bar is completed by its own second trade (101): the order fills at 102.
    assert fill_price("2tick", prices) == 102.0
    # A bar of 3 units of volume is completed by the third trade (102): the fill is at 103.
    assert fill_price("3volume", prices) == 103.0
    # A time bar is completed by the first trade after it, which the strategy has not seen.
    assert fill_price("2s", prices) == 102.0


def test_a_kept_bar_is_never_rewritten() -> None:
    engine = af.BacktestEngine()
    engine.add_trades("X", trades([100.0, 101.0, 102.0, 103.0, 104.0, 105.0]))
    strategy = BuyOnFirstBar("2tick")
    engine.add_strategy(strategy)
    engine.run()
    assert [bar.close for bar in strategy.bars] == [101.0, 103.0, 105.0]


def test_kept_bars_and_ticks_of_a_bar_replay_stay_as_handed_out() -> None:
    kept: list[Any] = []

    class Keep(af.Strategy):
        def on_start(self) -> None:
            self.subscribe_bars("X")

        def on_bar(self, bar: Any) -> None:
            kept.append(bar)

    frame = pd.DataFrame(
        {"open": [1.0, 2.0, 3.0], "high": [1.0, 2.0, 3.0], "low": [1.0, 2.0, 3.0]},
        index=pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC"),
    ).assign(close=[1.0, 2.0, 3.0], volume=1.0)
    engine = af.BacktestEngine()
    engine.add_bars("X", frame)
    engine.add_strategy(Keep())
    engine.run()
    assert [bar.close for bar in kept] == [1.0, 2.0, 3.0]


def test_subscribing_twice_hands_each_bar_over_once() -> None:
    class Twice(BuyOnFirstBar):
        def on_start(self) -> None:
            self.subscribe_bars("X", self.spec)
            self.subscribe_bars("X", self.spec)
            self.subscribe_trades("X")
            self.subscribe_trades("X")
            self.trades = 0

        def on_trade(self, trade: Any) -> None:
            self.trades += 1

    engine = af.BacktestEngine()
    engine.add_trades("X", trades([100.0, 101.0, 102.0, 103.0]))
    strategy = Twice("2tick")
    engine.add_strategy(strategy)
    engine.run()
    assert len(strategy.bars) == 2
    assert strategy.trades == 4


class LimitAt(af.Strategy):
    def __init__(self, price: float, tif: str = "GTC") -> None:
        super().__init__()
        self.price = price
        self.tif = tif
        self.statuses: list[str] = []

    def on_start(self) -> None:
        self.subscribe_bars("X")

    def on_bar(self, bar: Any) -> None:
        if not self.statuses:
            self.submit_order("X", "BUY", 10, limit=self.price, time_in_force=self.tif)
            self.statuses.append("sent")

    def on_order_update(self, order: Any) -> None:
        self.statuses.append(order.status)


def two_bars(second_open: float, second_low: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "open": [100.0, second_open],
            "high": [101.0, max(second_open, 104.0)],
            "low": [99.0, second_low],
            "close": [100.0, 103.5],
            "volume": [1.0, 1.0],
        },
        index=pd.date_range("2024-01-01", periods=2, freq="D", tz="UTC"),
    )


@pytest.mark.parametrize(
    ("second_open", "second_low", "liquidity", "rate"),
    [
        (103.0, 102.0, "TAKER", 0.002),  # opens at the limit: it takes, as a POST_ONLY could not
        (104.0, 102.0, "MAKER", 0.001),  # opens above: it rests, and the low reaches it
    ],
)
def test_one_rule_decides_maker_and_taker_on_bars(
    second_open: float, second_low: float, liquidity: str, rate: float
) -> None:
    engine = af.BacktestEngine(fees=(0.001, 0.002))
    engine.add_bars("X", two_bars(second_open, second_low))
    engine.add_strategy(LimitAt(103.0))
    fill = engine.run().fills.iloc[0]
    assert (fill.price, fill.liquidity) == (103.0, liquidity)
    assert fill.fee == pytest.approx(rate * 1030.0)
    post_only = af.BacktestEngine(fees=(0.001, 0.002))
    post_only.add_bars("X", two_bars(second_open, second_low))
    strategy = LimitAt(103.0, "POST_ONLY")
    post_only.add_strategy(strategy)
    post_only.run()
    assert strategy.statuses[-1] == ("EXPIRED" if liquidity == "TAKER" else "FILLED")


def test_slippage_that_the_grid_or_the_prices_cannot_take_is_refused_up_front() -> None:
    engine = af.BacktestEngine(slippage_price=0.3)
    engine.add_instrument("X", tick_size=0.25)
    with pytest.raises(ValueError, match=r"slippage_price 0\.3 is not a multiple of the tick_size"):
        engine.add_trades("X", trades([100.0, 101.0]))
    engine = af.BacktestEngine(slippage_price=5.0)
    with pytest.raises(ValueError, match=r"would push a sell of X at 4 \(row 1\) to zero"):
        engine.add_trades("X", trades([100.0, 4.0, 101.0]))
    for bps in (-1.0, 10_000.0, float("nan")):
        with pytest.raises(ValueError, match="slippage_bps"):
            af.BacktestEngine(slippage_bps=bps)


def test_slippage_in_basis_points_rounds_against_the_order() -> None:
    engine = af.BacktestEngine(slippage_bps=10)
    engine.add_instrument("X", tick_size=0.01)
    engine.add_trades("X", trades([100.0, 100.0, 100.0, 99.99]))

    class RoundTrip(af.Strategy):
        def on_start(self) -> None:
            self.subscribe_trades("X")
            self.seen = 0

        def on_trade(self, trade: Any) -> None:
            self.seen += 1
            if self.seen == 1:
                self.buy("X", 1)
            elif self.seen == 3:
                self.sell("X", 1)

    engine.add_strategy(RoundTrip())
    # 100 + 10 bps = 100.10; 99.99 - 10 bps = 99.89001, down to 99.89.
    assert engine.run().fills["price"].tolist() == [100.10, 99.89]
