"""The peers of ``alphaforge bench indicators``: TA-Lib, pandas-ta and the plain pandas/numpy
a user would write, each computing the same indicators on the same bars."""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

Array = npt.NDArray[np.float64]
Compute = Callable[["BenchBars"], object]


@dataclass(frozen=True)
class BenchBars:
    """Columns as numpy arrays, and the same as the DataFrame the pandas peers take (built once,
    outside the clock)."""

    high: Array
    low: Array
    close: Array
    volume: Array
    frame: pd.DataFrame


def synthetic_bars(n: int, seed: int = 7) -> BenchBars:
    """A geometric random walk of closes from 100 with wicks and volumes, as minute bars have."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.001, n)))
    open_ = np.concatenate(([close[0]], close[:-1]))
    high = np.maximum(open_, close) * (1.0 + rng.uniform(0.0, 0.0005, n))
    low = np.minimum(open_, close) * (1.0 - rng.uniform(0.0, 0.0005, n))
    volume = np.round(rng.exponential(10.0, n), 3)
    frame = pd.DataFrame({"high": high, "low": low, "close": close, "volume": volume})
    return BenchBars(high, low, close, volume, frame)


def talib_workloads() -> dict[str, Compute]:
    """TA-Lib's function for each indicator it has (VWAP and the z-score it has not)."""
    import talib

    return {
        "SMA(20)": lambda b: talib.SMA(b.close, 20),
        "EMA(20)": lambda b: talib.EMA(b.close, 20),
        "WMA(20)": lambda b: talib.WMA(b.close, 20),
        "RSI(14)": lambda b: talib.RSI(b.close, 14),
        "MACD(12, 26, 9)": lambda b: talib.MACD(b.close, 12, 26, 9),
        "Bollinger(20, 2)": lambda b: talib.BBANDS(b.close, 20, 2.0, 2.0),
        "rolling std(20)": lambda b: talib.STDDEV(b.close, 20, 1.0),
        "ATR(14)": lambda b: talib.ATR(b.high, b.low, b.close, 14),
        "stochastic(5, 3, 3)": lambda b: talib.STOCH(b.high, b.low, b.close),
        "ADX(14)": lambda b: talib.ADX(b.high, b.low, b.close, 14),
        "OBV": lambda b: talib.OBV(b.close, b.volume),
    }


def pandas_ta_workloads() -> dict[str, Compute]:
    """pandas-ta's own pandas code, not its route through TA-Lib: ``talib=False`` alone does not
    reach the helpers some indicators call (stdev asks variance for TA-Lib's VAR), so TA-Lib is
    switched off in pandas-ta's table of imports, for this process."""
    with warnings.catch_warnings():
        # pandas-ta 0.3 touches pandas APIs that pandas 3 deprecates as it is imported.
        warnings.simplefilter("ignore")
        ta: Any = importlib.import_module("pandas_ta")
    ta.Imports["talib"] = False

    def frame_call(name: str, *columns: str, **kwargs: object) -> Compute:
        def run(b: BenchBars) -> object:
            frame = b.frame
            return getattr(ta, name)(*(frame[c] for c in columns), **kwargs, talib=False)

        return run

    return {
        "SMA(20)": frame_call("sma", "close", length=20),
        "EMA(20)": frame_call("ema", "close", length=20),
        "WMA(20)": frame_call("wma", "close", length=20),
        "RSI(14)": frame_call("rsi", "close", length=14),
        "MACD(12, 26, 9)": frame_call("macd", "close", fast=12, slow=26, signal=9),
        "Bollinger(20, 2)": frame_call("bbands", "close", length=20, std=2.0),
        "rolling std(20)": frame_call("stdev", "close", length=20, ddof=0),
        "z-score(20)": frame_call("zscore", "close", length=20),
        "ATR(14)": frame_call("atr", "high", "low", "close", length=14),
        "stochastic(5, 3, 3)": frame_call("stoch", "high", "low", "close", k=5, d=3, smooth_k=3),
        "ADX(14)": frame_call("adx", "high", "low", "close", length=14),
        "OBV": frame_call("obv", "close", "volume"),
    }


def pandas_workloads() -> dict[str, Compute]:
    """The indicators as pandas and numpy idioms: rolling windows and ewm, no warm-up rules."""

    def wilder(series: pd.Series, period: int) -> pd.Series:
        return series.ewm(alpha=1.0 / period, adjust=False).mean()

    def true_range(f: pd.DataFrame) -> pd.Series:
        previous = f["close"].shift()
        return pd.concat(
            [f["high"] - f["low"], (f["high"] - previous).abs(), (f["low"] - previous).abs()],
            axis=1,
        ).max(axis=1)

    def rsi(b: BenchBars) -> object:
        change = b.frame["close"].diff()
        gain = wilder(change.clip(lower=0.0), 14)
        loss = wilder(-change.clip(upper=0.0), 14)
        return 100.0 * gain / (gain + loss)

    def macd(b: BenchBars) -> object:
        close = b.frame["close"]
        line = close.ewm(span=12, adjust=False).mean() - close.ewm(span=26, adjust=False).mean()
        signal = line.ewm(span=9, adjust=False).mean()
        return line, signal, line - signal

    def bollinger(b: BenchBars) -> object:
        rolling = b.frame["close"].rolling(20)
        middle, width = rolling.mean(), 2.0 * rolling.std(ddof=0)
        return middle + width, middle, middle - width

    def zscore(b: BenchBars) -> object:
        close = b.frame["close"]
        rolling = close.rolling(20)
        return (close - rolling.mean()) / rolling.std(ddof=0)

    def stochastic(b: BenchBars) -> object:
        f = b.frame
        lowest, highest = f["low"].rolling(5).min(), f["high"].rolling(5).max()
        fast = 100.0 * (f["close"] - lowest) / (highest - lowest)
        slow = fast.rolling(3).mean()
        return slow, slow.rolling(3).mean()

    def wma(b: BenchBars) -> object:
        weights = np.arange(1.0, 21.0)
        return np.convolve(b.close, weights[::-1], "valid") / weights.sum()

    def obv(b: BenchBars) -> object:
        direction = np.sign(np.diff(b.close, prepend=b.close[0]))
        return b.volume[0] + np.cumsum(direction * b.volume)

    def vwap(b: BenchBars) -> object:
        typical = (b.high + b.low + b.close) / 3.0
        return np.cumsum(typical * b.volume) / np.cumsum(b.volume)

    return {
        "SMA(20)": lambda b: b.frame["close"].rolling(20).mean(),
        "EMA(20)": lambda b: b.frame["close"].ewm(span=20, adjust=False).mean(),
        "WMA(20)": wma,
        "RSI(14)": rsi,
        "MACD(12, 26, 9)": macd,
        "Bollinger(20, 2)": bollinger,
        "rolling std(20)": lambda b: b.frame["close"].rolling(20).std(ddof=0),
        "z-score(20)": zscore,
        "ATR(14)": lambda b: wilder(true_range(b.frame), 14),
        "stochastic(5, 3, 3)": stochastic,
        "OBV": obv,
        "VWAP": vwap,
    }


def installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None
