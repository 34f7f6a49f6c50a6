"""backtrader running the benchmark's SMA crossover on bars."""

from __future__ import annotations

import importlib
import time
from typing import Any

import pandas as pd

from alphaforge.benchmarks.sma_signal import RollingCross


def bars_per_second(bars: pd.DataFrame, fast: int, slow: int) -> float:
    """Bars per second of cerebro.run() over `bars`, market orders of size 1."""
    bt: Any = importlib.import_module("backtrader")
    base: Any = bt.Strategy

    class Sma(base):  # type: ignore[misc]
        def __init__(self) -> None:
            self.cross = RollingCross(fast, slow)

        def next(self) -> None:
            signal = self.cross.update(self.data.close[0])
            held = self.position.size
            if signal > 0 and held == 0:
                self.buy(size=1)
            elif signal < 0 and held > 0:
                self.sell(size=held)

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.broker.setcash(1e9)
    cerebro.adddata(bt.feeds.PandasData(dataname=bars.tz_convert(None)))
    cerebro.addstrategy(Sma)
    started = time.perf_counter()
    cerebro.run()
    return len(bars) / (time.perf_counter() - started)
