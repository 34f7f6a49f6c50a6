"""Random stop-limit orders on random bars, here and in backtrader: the same fills, the same
cash rejections, the same final value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from alphaforge.records import OrderRecord

bt = pytest.importorskip("backtrader")

FEE = 0.001
CASH = 100_000.0
BARS = 10_000
KEEP_BARS = 5  # an order still open after this many bars is canceled


def random_bars(seed: int) -> pd.DataFrame:
    """A random walk of daily bars on a 0.01 grid, opens gapping from the previous close."""
    rng = np.random.default_rng(seed)
    close = np.empty(BARS)
    open_ = np.empty(BARS)
    price = 100.0
    for i in range(BARS):
        open_[i] = max(price + rng.normal(0.0, 0.4), 5.0)
        price = max(open_[i] + rng.normal(0.0, 1.0), 5.0)
        close[i] = price
    high = np.maximum(open_, close) + rng.exponential(0.6, BARS)
    low = np.maximum(np.minimum(open_, close) - rng.exponential(0.6, BARS), 1.0)
    index = pd.date_range("2000-01-03", periods=BARS, freq="D", tz="UTC")
    frame = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close}, index=index)
    return frame.round(2).assign(volume=1000.0)


@dataclass(frozen=True)
class Plan:
    """What the strategy does at each bar, drawn once so both engines follow the same plan."""

    side: np.ndarray  # +1 buy, -1 sell
    stop_offset: np.ndarray
    limit_offset: np.ndarray
    size: np.ndarray

    @staticmethod
    def draw(seed: int) -> Plan:
        rng = np.random.default_rng(seed + 1)
        return Plan(
            side=rng.choice([1, -1], BARS),
            stop_offset=rng.uniform(0.0, 2.0, BARS).round(2),
            # Below and above the stop, so the limit is sometimes past the trigger.
            limit_offset=rng.uniform(-1.5, 1.0, BARS).round(2),
            size=rng.integers(50, 1_600, BARS),
        )

    def order(self, i: int, close: float) -> tuple[str, float, float, int]:
        """(side, stop, limit, size) of the order sent at bar i with that close."""
        buy = self.side[i] > 0
        stop = round(close + self.stop_offset[i] if buy else close - self.stop_offset[i], 2)
        limit = round(stop + self.limit_offset[i] if buy else stop - self.limit_offset[i], 2)
        return ("BUY" if buy else "SELL", stop, max(limit, 0.01), int(self.size[i]))


def backtrader_run(bars: pd.DataFrame, plan: Plan) -> tuple[list[tuple[str, float, float]], float]:
    fills: list[tuple[str, float, float]] = []

    class Random(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.working: Any = None
            self.sent = 0

        def notify_order(self, order: Any) -> None:
            # Each order executes once: whole, or its closing part before a Margin refusal.
            if order.status in (order.Completed, order.Partial) and order.executed.size:
                side = "BUY" if order.isbuy() else "SELL"
                fills.append((side, abs(order.executed.size), order.executed.price))
            if order.status in (order.Completed, order.Canceled, order.Margin, order.Rejected):
                self.working = None

        def next(self) -> None:
            i = len(self) - 1
            if self.working is not None and i - self.sent >= KEEP_BARS:
                self.cancel(self.working)
            if self.working is None:
                side, stop, limit, size = plan.order(i, self.data.close[0])
                send = self.buy if side == "BUY" else self.sell
                self.working = send(
                    size=size, exectype=bt.Order.StopLimit, price=stop, plimit=limit
                )
                self.sent = i

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.broker.setcash(CASH)
    cerebro.broker.setcommission(commission=FEE)
    cerebro.adddata(bt.feeds.PandasData(dataname=bars.tz_convert(None)))
    cerebro.addstrategy(Random)
    cerebro.run()
    return fills, cerebro.broker.getvalue()


class RandomStopLimits(af.Strategy):
    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan
        self.working: int | None = None
        self.sent = 0
        self.bar_index = -1
        self.rejections: list[str] = []

    def on_start(self) -> None:
        self.subscribe_bars("X")

    def on_order_update(self, order: OrderRecord) -> None:
        if order.status == "REJECTED":
            self.rejections.append(order.reject_reason)
        if order.order_id == self.working and not order.is_open:
            self.working = None

    def on_bar(self, bar: Any) -> None:
        self.bar_index += 1
        i = self.bar_index
        if self.working is not None and i - self.sent >= KEEP_BARS:
            self.cancel(self.working)
            self.working = None
            return  # backtrader tells its strategy of the cancel at the next bar
        if self.working is None:
            side, stop, limit, size = self.plan.order(i, bar.close)
            order_id = self.submit_order("X", side, size, stop=stop, limit=limit)
            # A refusal at submission has been reported already.
            self.working = order_id if self.open_orders("X") else None
            self.sent = i


@pytest.mark.parametrize("seed", [7, 2024])
def test_random_stop_limits_fill_and_are_refused_as_in_backtrader(seed: int) -> None:
    bars = random_bars(seed)
    plan = Plan.draw(seed)
    want, value = backtrader_run(bars, plan)
    engine = af.BacktestEngine(cash=CASH, fees=FEE)
    engine.add_instrument("X", tick_size=0.01)
    engine.add_bars("X", bars)
    strategy = RandomStopLimits(plan)
    engine.add_strategy(strategy)
    result = engine.run()
    fills = result.fills
    got = list(zip(fills["side"], fills["qty"], fills["price"], strict=True))
    assert len(got) == len(want) > 500
    for ours, theirs in zip(got, want, strict=True):
        assert ours[:2] == theirs[:2]
        assert ours[2] == pytest.approx(theirs[2], abs=1e-9)
    assert result.equity["equity"].iloc[-1] == pytest.approx(value, rel=1e-9)
    # The plan's larger orders exceed the cash: both brokers refuse them.
    assert any(r.startswith("insufficient cash") for r in strategy.rejections)
