from typing import Any, SupportsIndex, overload

import numpy as np
import numpy.typing as npt

_Array = npt.NDArray[np.float64]

class _Indicator:
    @property
    def ready(self) -> bool:
        """Whether the warm-up is over and value holds a number."""
    @property
    def lookback(self) -> int:
        """Updates before the first value: it comes with update number lookback + 1."""
    def reset(self) -> None:
        """Forget every update, as a new object."""

class _SeriesIndicator(_Indicator):
    def __init__(self, period: SupportsIndex) -> None: ...
    def update(self, value: float) -> float:
        """Add one value (finite) and return the new value (NaN until ready)."""
    @property
    def value(self) -> float:
        """The latest value; NaN until ready."""
    @property
    def period(self) -> int: ...

class SMA(_SeriesIndicator):
    """Simple moving average (TA-Lib SMA); ready after `period` values."""

class EMA(_SeriesIndicator):
    """Exponential moving average, k = 2 / (period + 1), seeded by the SMA of the first
    `period` values (TA-Lib EMA); ready after `period` values."""

class WMA(_SeriesIndicator):
    """Linearly weighted moving average (TA-Lib WMA); ready after `period` values."""

class RSI(_SeriesIndicator):
    """Wilder's relative strength index (TA-Lib RSI); ready after `period` + 1 values."""

    def __init__(self, period: SupportsIndex = 14) -> None: ...

class RollingStd(_SeriesIndicator):
    """Population standard deviation of the last `period` values (TA-Lib STDDEV)."""

class ZScore(_SeriesIndicator):
    """(value - SMA) / population standard deviation over `period`; 0 on a flat window."""

class MACD(_Indicator):
    """MACD line, signal and histogram (TA-Lib MACD); ready after slow + signal - 1 values."""

    def __init__(
        self, fast: SupportsIndex = 12, slow: SupportsIndex = 26, signal: SupportsIndex = 9
    ) -> None: ...
    def update(self, value: float) -> tuple[float, float, float]:
        """Add one value; return (macd, signal, hist)."""
    @property
    def value(self) -> tuple[float, float, float]:
        """(macd, signal, hist); NaN until ready."""
    @property
    def macd(self) -> float: ...
    @property
    def signal(self) -> float: ...
    @property
    def hist(self) -> float: ...
    @property
    def fast(self) -> int: ...
    @property
    def slow(self) -> int: ...
    @property
    def signal_period(self) -> int: ...

class Bollinger(_Indicator):
    """Bollinger bands: SMA +- num_std population standard deviations (TA-Lib BBANDS)."""

    def __init__(self, period: SupportsIndex = 20, num_std: float = 2.0) -> None: ...
    def update(self, value: float) -> tuple[float, float, float]:
        """Add one value; return (upper, middle, lower)."""
    @property
    def value(self) -> tuple[float, float, float]:
        """(upper, middle, lower); NaN until ready."""
    @property
    def upper(self) -> float: ...
    @property
    def middle(self) -> float: ...
    @property
    def lower(self) -> float: ...
    @property
    def period(self) -> int: ...
    @property
    def num_std(self) -> float: ...

class _BarIndicator(_Indicator):
    def __init__(self, period: SupportsIndex = 14) -> None: ...
    @overload
    def update(self, high: float, low: float, close: float) -> float:
        """Add one bar and return the new value (NaN until ready)."""
    @overload
    def update(self, bar: Any) -> float:
        """Add an object with high, low and close attributes (a backtest or data Bar)."""
    @property
    def value(self) -> float:
        """The latest value; NaN until ready."""
    @property
    def period(self) -> int: ...

class ATR(_BarIndicator):
    """Wilder's average true range (TA-Lib ATR); ready after `period` + 1 bars."""

class ADX(_BarIndicator):
    """Wilder's average directional index (TA-Lib ADX); ready after 2 * `period` bars."""

class Stochastic(_Indicator):
    """Slow stochastic %K and %D with SMA smoothing (TA-Lib STOCH); ready after
    fastk + slowk + slowd - 2 bars."""

    def __init__(
        self, fastk: SupportsIndex = 5, slowk: SupportsIndex = 3, slowd: SupportsIndex = 3
    ) -> None: ...
    @overload
    def update(self, high: float, low: float, close: float) -> tuple[float, float]:
        """Add one bar; return (k, d)."""
    @overload
    def update(self, bar: Any) -> tuple[float, float]:
        """Add an object with high, low and close attributes; return (k, d)."""
    @property
    def value(self) -> tuple[float, float]:
        """(k, d); NaN until ready."""
    @property
    def k(self) -> float: ...
    @property
    def d(self) -> float: ...
    @property
    def fastk(self) -> int: ...
    @property
    def slowk(self) -> int: ...
    @property
    def slowd(self) -> int: ...

class OBV(_Indicator):
    """On-balance volume (TA-Lib OBV): starts at the first bar's volume."""

    def __init__(self) -> None: ...
    @overload
    def update(self, close: float, volume: float) -> float:
        """Add one bar's close and volume (>= 0) and return the new value."""
    @overload
    def update(self, bar: Any) -> float:
        """Add an object with close and volume attributes."""
    @property
    def value(self) -> float:
        """The latest value; NaN until the first bar."""

class VWAP(_Indicator):
    """Volume-weighted typical price (high + low + close) / 3: over every bar since the start
    or the last reset() when period is None, else over the last `period` bars."""

    def __init__(self, period: SupportsIndex | None = None) -> None: ...
    @overload
    def update(self, high: float, low: float, close: float, volume: float) -> float:
        """Add one bar and return the new value."""
    @overload
    def update(self, bar: Any) -> float:
        """Add an object with high, low, close and volume attributes."""
    @property
    def value(self) -> float:
        """The latest value; NaN until ready or while the volume it covers is 0."""
    @property
    def period(self) -> int | None: ...

def sma(values: npt.ArrayLike, period: SupportsIndex) -> _Array:
    """Simple moving average; NaN for the first period - 1 rows."""

def ema(values: npt.ArrayLike, period: SupportsIndex) -> _Array:
    """Exponential moving average seeded by the SMA; NaN for the first period - 1 rows."""

def wma(values: npt.ArrayLike, period: SupportsIndex) -> _Array:
    """Linearly weighted moving average; NaN for the first period - 1 rows."""

def rsi(values: npt.ArrayLike, period: SupportsIndex = 14) -> _Array:
    """Wilder's RSI; NaN for the first period rows."""

def rolling_std(values: npt.ArrayLike, period: SupportsIndex) -> _Array:
    """Rolling population standard deviation; NaN for the first period - 1 rows."""

def zscore(values: npt.ArrayLike, period: SupportsIndex) -> _Array:
    """Rolling z-score (0 on a flat window); NaN for the first period - 1 rows."""

def macd(
    values: npt.ArrayLike,
    fast: SupportsIndex = 12,
    slow: SupportsIndex = 26,
    signal: SupportsIndex = 9,
) -> tuple[_Array, _Array, _Array]:
    """(macd, signal, hist); NaN for the first slow + signal - 2 rows."""

def bollinger(
    values: npt.ArrayLike, period: SupportsIndex = 20, num_std: float = 2.0
) -> tuple[_Array, _Array, _Array]:
    """(upper, middle, lower); NaN for the first period - 1 rows."""

def atr(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: SupportsIndex = 14
) -> _Array:
    """Wilder's average true range; NaN for the first period rows."""

def adx(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: SupportsIndex = 14
) -> _Array:
    """Average directional index; NaN for the first 2 * period - 1 rows."""

def stochastic(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    fastk: SupportsIndex = 5,
    slowk: SupportsIndex = 3,
    slowd: SupportsIndex = 3,
) -> tuple[_Array, _Array]:
    """(slow %K, %D); NaN for the first fastk + slowk + slowd - 3 rows."""

def obv(close: npt.ArrayLike, volume: npt.ArrayLike) -> _Array:
    """On-balance volume, starting at the first row's volume."""

def vwap(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    period: SupportsIndex | None = None,
    session: npt.ArrayLike | None = None,
) -> _Array:
    """VWAP: cumulative, or over the last `period` rows; starts again where `session` changes."""
