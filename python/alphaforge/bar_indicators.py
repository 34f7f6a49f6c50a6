"""What a registered indicator takes from each bar, checked once when it is registered.

An indicator of one series (SMA, EMA, WMA, RSI, RollingStd, ZScore, MACD, Bollinger) takes one
field of the bar, its `source` ("close" unless given); an indicator of bars (ATR, ADX,
Stochastic, OBV, VWAP) takes the bar itself and no source. The backtests feed registered
indicators in C++; ``BarIndicators`` feeds them from Python where bars reach Python anyway
(the live node).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from alphaforge.indicators import (
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
)

SERIES_INDICATORS = (SMA, EMA, WMA, RSI, RollingStd, ZScore, MACD, Bollinger)
BAR_INDICATORS = (ATR, ADX, Stochastic, OBV, VWAP)
SOURCES = ("open", "high", "low", "close", "volume")
Indicator = (
    SMA | EMA | WMA | RSI | RollingStd | ZScore | MACD | Bollinger | ATR | ADX | Stochastic
    | OBV | VWAP
)  # fmt: skip
IndicatorT = TypeVar("IndicatorT", bound=Indicator)


def bar_source(indicator: object, source: str | None) -> str | None:
    """The field of the bar that updates `indicator` ("close" by default), or None for an
    indicator of whole bars; TypeError or ValueError naming what is wrong."""
    if isinstance(indicator, BAR_INDICATORS):
        if source is not None:
            raise ValueError(
                f"{type(indicator).__name__} is updated with the whole bar: source must be "
                f"None, got {source!r}"
            )
        return None
    if not isinstance(indicator, SERIES_INDICATORS):
        raise TypeError(
            "indicator must be a streaming indicator of alphaforge.indicators (RSI(14), "
            f"ATR(14), ...), got {indicator!r} ({type(indicator).__name__})"
        )
    if source is None:
        return "close"
    if source not in SOURCES:
        wanted = ", ".join(repr(s) for s in SOURCES)
        raise ValueError(f"source must be one of {wanted}, got {source!r}")
    return source


class BarIndicators:
    """Indicators updated from Python with each bar of one stream, before its handler."""

    def __init__(self, handler: Callable[[Any], None] | None = None) -> None:
        self.handler = handler
        self._updates: list[Callable[[Any], object]] = []

    def add(self, indicator: Indicator, source: str | None) -> None:
        """Update `indicator` with `source` of each bar (the bar itself when None)."""
        update = indicator.update
        if source is None:
            self._updates.append(update)
        else:
            self._updates.append(lambda bar: update(getattr(bar, source)))

    def __call__(self, bar: Any) -> None:
        for update in self._updates:
            update(bar)
        if self.handler is not None:
            self.handler(bar)
