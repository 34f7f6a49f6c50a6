"""Bars the indicator tests run on: real ones, and random walks with gaps and flat runs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from alphaforge.data import aggregate_bars
from alphaforge.samples import btcusdt_trades, orcl

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Bars:
    high: Array
    low: Array
    close: Array
    volume: Array

    def __len__(self) -> int:
        return len(self.close)


def orcl_bars() -> Bars:
    """ORCL daily bars, 1995 to 2014."""
    frame = orcl()
    return Bars(*(frame[c].to_numpy(np.float64) for c in ("high", "low", "close", "volume")))


def btcusdt_bars() -> Bars:
    """250 ms bars of the bundled BTCUSDT trades (46 seconds, empty buckets left out)."""
    trades = btcusdt_trades()
    frame = aggregate_bars(
        trades["ts_ns"].to_numpy(), trades["price"].to_numpy(), trades["size"].to_numpy(), "250ms"
    )
    return Bars(*(frame[c].to_numpy(np.float64) for c in ("high", "low", "close", "volume")))


def random_walk(n: int, start: float, tick: float, seed: int) -> Bars:
    """A walk on a `tick` grid with opening gaps, flat runs (high == low == close) and bars of
    zero volume, as sessions, halts and quiet markets give."""
    rng = np.random.default_rng(seed)
    steps = np.round(rng.normal(0.0, 20.0, n)) * tick
    gaps = rng.random(n) < 0.004
    steps[gaps] += np.round(rng.normal(0.0, 0.03, gaps.sum()) * start / tick) * tick
    close = np.maximum(start + np.cumsum(steps), 50 * tick)
    close = np.round(close / tick) * tick
    open_ = np.concatenate(([close[0]], close[:-1]))
    wick = np.round(np.abs(rng.normal(0.0, 15.0, (2, n)))) * tick
    high = np.maximum(open_, close) + wick[0]
    low = np.maximum(np.minimum(open_, close) - wick[1], tick)
    volume = np.round(rng.exponential(10.0, n), 3)
    volume[rng.random(n) < 0.05] = 0.0
    for first in (n // 5, n // 2, 4 * n // 5):
        run = slice(first, first + 120)
        high[run] = low[run] = close[run] = close[first - 1]
    volume[n // 2 : n // 2 + 120] = 0.0
    return Bars(high, low, close, volume)


def datasets() -> dict[str, Bars]:
    """Every data set the comparisons run on, by name."""
    return {
        "orcl": orcl_bars(),
        "btcusdt-250ms": btcusdt_bars(),
        "walk": random_walk(6000, 100.0, 0.01, seed=1),
        "walk-btc-scale": random_walk(6000, 40_000.0, 0.01, seed=2),
        "walk-tiny-price": random_walk(6000, 5e-4, 1e-8, seed=3),
    }
