"""Technical indicators in C++, each as a streaming object and as a vectorised function.

The streaming form (``RSI(14)``, ``ATR(14)``, ...) takes one value or bar per ``update`` in O(1)
and holds ``value`` (a tuple, and named properties, for MACD, Bollinger and Stochastic) and
``ready``. The vectorised form (``rsi(close, 14)``, ``atr(high, low, close, 14)``, ...) takes
numpy arrays (or anything ``numpy.asarray`` reads) and returns float64 arrays aligned to the
input, NaN while warming up, computed without the GIL. Both give the same numbers bit for bit,
and both follow TA-Lib's definitions: SMA-seeded EMAs, Wilder smoothing for RSI, ATR and ADX,
TA-Lib's MACD seeding and slow stochastic, Bollinger bands on the population standard
deviation. docs/indicators.md lists every convention and warm-up length.

Leading NaN rows (the warm-up of an upstream indicator, as in ``ema(sma(x, 5), 3)``) are
skipped; any later NaN or infinity, a high below its low, a negative volume, arrays of
different lengths or a period below 1 raise ValueError naming the argument and the value.
"""

from alphaforge._core.indicators import (
    ADX,
    ATR,
    EMA,
    MACD,
    OBV,
    RSI,
    SMA,
    VWAP,
    WMA,
    Bollinger,
    RollingStd,
    Stochastic,
    ZScore,
    adx,
    atr,
    bollinger,
    ema,
    macd,
    obv,
    rolling_std,
    rsi,
    sma,
    stochastic,
    vwap,
    wma,
    zscore,
)

__all__ = [
    "ADX",
    "ATR",
    "EMA",
    "MACD",
    "OBV",
    "RSI",
    "SMA",
    "VWAP",
    "WMA",
    "Bollinger",
    "RollingStd",
    "Stochastic",
    "ZScore",
    "adx",
    "atr",
    "bollinger",
    "ema",
    "macd",
    "obv",
    "rolling_std",
    "rsi",
    "sma",
    "stochastic",
    "vwap",
    "wma",
    "zscore",
]
