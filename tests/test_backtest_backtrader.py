"""Same strategy, same bars, in backtrader and here: the same fills and final value."""

from __future__ import annotations

from collections import deque
from typing import Any

import pytest

import alphaforge as af
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.samples import orcl

bt = pytest.importorskip("backtrader")

FEE = 0.001


def backtrader_run(limit_offset: float | None) -> tuple[list[tuple[str, float]], float]:
    """SMA 10/30 in backtrader; with limit_offset, entries are GTC limits below the close."""
    fills: list[tuple[str, float]] = []

    class Sma(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.closes: deque[float] = deque(maxlen=30)
            self.above: bool | None = None
            self.pending: Any = None

        def notify_order(self, order: Any) -> None:
            if order.status == order.Completed:
                side = "BUY" if order.isbuy() else "SELL"
                fills.append((side, order.executed.price))

        def next(self) -> None:
            self.closes.append(self.data.close[0])
            if len(self.closes) < 30:
                return
            window = list(self.closes)
            gap = sum(window[-10:]) * 30 - sum(window) * 10
            above = gap > 1e-10 * sum(window) * 10
            crossed = self.above is not None and above != self.above
            self.above = above
            if not crossed:
                return
            if above and self.position.size == 0:
                if limit_offset is None:
                    self.buy(size=100)
                else:
                    price = round(self.data.close[0] - limit_offset, 6)
                    self.buy(size=100, exectype=bt.Order.Limit, price=price)
            elif not above and self.position.size > 0:
                self.sell(size=self.position.size)

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.broker.setcash(100_000.0)
    cerebro.broker.setcommission(commission=FEE)
    cerebro.adddata(bt.feeds.PandasData(dataname=orcl().tz_convert(None)))
    cerebro.addstrategy(Sma)
    cerebro.run()
    return fills, cerebro.broker.getvalue()


class LimitEntry(SmaCross):
    """SmaCross entering with a GTC limit `offset` below the close."""

    def __init__(self, symbol: str, offset: float) -> None:
        super().__init__(symbol, 10, 30, 100)
        self.offset = offset

    def buy(self, symbol: str, qty: float, limit: float | None = None) -> int:
        return super().buy(symbol, qty, limit=round(self.bar_close - self.offset, 6))

    def on_bar(self, bar: Any) -> None:
        self.bar_close = bar.close
        super().on_bar(bar)


@pytest.mark.parametrize("offset", [None, 0.05])
def test_same_fills_and_final_value_as_backtrader(offset: float | None) -> None:
    want, value = backtrader_run(offset)
    engine = af.BacktestEngine(cash=100_000.0, fees=FEE)
    engine.add_bars("ORCL", orcl())
    strategy = SmaCross("ORCL", 10, 30, 100) if offset is None else LimitEntry("ORCL", offset)
    engine.add_strategy(strategy)
    frames = engine.run_frames()
    got = list(zip(frames["fills"]["side"], frames["fills"]["price"], strict=True))
    assert len(got) == len(want) > 20
    for (side, price), (want_side, want_price) in zip(got, want, strict=True):
        assert side == want_side
        assert price == pytest.approx(want_price, abs=1e-9)
    assert frames["equity"]["equity"].iloc[-1] == pytest.approx(value, rel=1e-12)
