"""backtrader's own optimiser: Cerebro.optstrategy over its multiprocessing pool, on the SMA grid
of ``alphaforge bench sweep``. Imported only where backtrader is installed."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import backtrader as bt
import pandas as pd

from alphaforge.benchmarks.sma_signal import RollingCross


# At module level: backtrader's pool pickles the strategy class by reference.
class SmaGrid(bt.Strategy):  # type: ignore[misc]
    """The benchmark's crossover with backtrader parameters, market orders of size 1."""

    params = (("fast", 10), ("slow", 30))

    def __init__(self) -> None:
        self.cross = RollingCross(self.p.fast, self.p.slow)

    def next(self) -> None:
        signal = self.cross.update(self.data.close[0])
        held = self.position.size
        if signal > 0 and held == 0:
            self.buy(size=1)
        elif signal < 0 and held > 0:
            self.sell(size=held)


def backtests_per_minute(bars: pd.DataFrame, sets: Sequence[tuple[int, int]], cpus: int) -> float:
    """Backtests per minute of cerebro.run() optimising over `sets` on `cpus` processes, a
    Sharpe ratio analysed per run (as every one of our runs computes its metrics)."""
    fasts = sorted({f for f, _ in sets})
    slows = sorted({s for _, s in sets})
    if len(fasts) * len(slows) != len(sets):
        raise ValueError("backtrader's optstrategy runs a full grid: give every (fast, slow) pair")
    cerebro: Any = bt.Cerebro(stdstats=False, maxcpus=cpus, optreturn=True)
    cerebro.broker.setcash(1e9)
    cerebro.adddata(bt.feeds.PandasData(dataname=bars.tz_convert(None)))
    cerebro.addanalyzer(bt.analyzers.SharpeRatio)
    cerebro.optstrategy(SmaGrid, fast=fasts, slow=slows)
    started = time.perf_counter()
    runs = cerebro.run()
    return len(runs) * 60.0 / (time.perf_counter() - started)
