"""vectorbt's vectorised run of the benchmark's SMA crossover: signals, then from_signals."""

from __future__ import annotations

import importlib
import time
import warnings
from typing import Any

import pandas as pd


def bars_per_second(bars: pd.DataFrame, fast: int, slow: int) -> float:
    """Bars per second of moving averages, crossings and Portfolio.from_signals on closes."""
    vbt: Any = importlib.import_module("vectorbt")
    close = bars["close"]
    with warnings.catch_warnings():
        # vectorbt 1.0's numba code passes Python lists, which numba 0.6x warns it will drop.
        warnings.filterwarnings("ignore", message="(?s).*scheduled for deprecation")
        started = time.perf_counter()
        fast_ma = vbt.MA.run(close, fast)
        slow_ma = vbt.MA.run(close, slow)
        portfolio = vbt.Portfolio.from_signals(
            close,
            fast_ma.ma_crossed_above(slow_ma),
            fast_ma.ma_crossed_below(slow_ma),
            size=1,
            init_cash=1e9,
        )
        portfolio.final_value()
        return len(bars) / (time.perf_counter() - started)
