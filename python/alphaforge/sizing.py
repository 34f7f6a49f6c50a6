"""Sizers: the quantity of ``buy(symbol)`` and ``sell(symbol)`` when the strategy gives none.

A sizer computes an unsigned quantity from the account's equity and the price; the strategy
rounds it toward zero to the instrument's lot and sends nothing when that is zero.
"""

from __future__ import annotations

import itertools
import math
import statistics
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SizingRequest:
    """What a sizer is asked: the order's symbol and side, and the account around it."""

    symbol: str
    side: str  # "BUY" or "SELL"
    price: float  # the limit, else the last price the strategy knows
    equity: float  # the account's cash plus its positions marked at the last prices
    position: float  # the strategy's signed quantity in the symbol
    multiplier: float = 1.0  # money per unit of price and quantity


class Sizer(ABC):
    """Base of every sizer: `size` gives the quantity of one order, before lot rounding."""

    @abstractmethod
    def size(self, request: SizingRequest) -> float:
        """The unsigned quantity to send for `request`; 0 sends nothing."""

    def on_bar(self, symbol: str, close: float) -> None:  # noqa: B027 - optional hook
        """Called with the close of each bar the strategy is handed, before its on_bar."""


def _positive(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{field} must be a number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{field} must be a finite number > 0, got {value!r}")
    return float(value)


class FixedFractional(Sizer):
    """An order worth `fraction` of equity: qty = fraction * equity / (price * multiplier).

    As backtrader's PercentSizer: ``FixedFractional(0.02)`` buys 2% of the account's equity
    at the order's price. A fraction above 1 needs a margin account to be filled.
    """

    def __init__(self, fraction: float) -> None:
        self.fraction = _positive(fraction, "fraction")

    def __repr__(self) -> str:
        return f"FixedFractional({self.fraction!r})"

    def size(self, request: SizingRequest) -> float:
        """fraction * equity / (price * multiplier); 0 when equity is not positive."""
        if request.equity <= 0:
            return 0.0
        return self.fraction * request.equity / (request.price * request.multiplier)


class VolatilitySizer(Sizer):
    """An order whose value moves by `target_vol` of equity for one standard deviation of
    the symbol's returns: qty = min(target_vol / sigma, max_fraction) * equity / (price *
    multiplier).

    sigma is the sample standard deviation (n - 1) of the last `lookback` simple returns of
    the closes of the bars the strategy was handed (close / previous close - 1), times
    sqrt(`periods_per_year`): leave it at 1 for a per-bar target, or give 252 for daily bars
    and an annual `target_vol`. Until `lookback` returns are known the size is 0; when sigma
    is 0, or small enough, the order is capped at `max_fraction` of equity.
    """

    def __init__(
        self,
        target_vol: float,
        lookback: int,
        *,
        periods_per_year: float = 1.0,
        max_fraction: float = 1.0,
    ) -> None:
        self.target_vol = _positive(target_vol, "target_vol")
        if isinstance(lookback, bool) or not isinstance(lookback, int) or lookback < 2:
            raise ValueError(f"lookback must be an int >= 2 (returns), got {lookback!r}")
        self.lookback = lookback
        self.periods_per_year = _positive(periods_per_year, "periods_per_year")
        self.max_fraction = _positive(max_fraction, "max_fraction")
        # lookback returns need lookback + 1 closes.
        self._closes: dict[str, deque[float]] = {}

    def __repr__(self) -> str:
        return f"VolatilitySizer({self.target_vol!r}, {self.lookback!r})"

    def on_bar(self, symbol: str, close: float) -> None:
        """Keep the last lookback + 1 closes of `symbol`."""
        closes = self._closes.get(symbol)
        if closes is None:
            closes = self._closes[symbol] = deque(maxlen=self.lookback + 1)
        closes.append(close)

    def volatility(self, symbol: str) -> float | None:
        """sigma of `symbol` as defined above; None until lookback returns are known."""
        closes = self._closes.get(symbol)
        if closes is None or len(closes) <= self.lookback:
            return None
        values = list(closes)
        returns = [b / a - 1.0 for a, b in itertools.pairwise(values)]
        return statistics.stdev(returns) * math.sqrt(self.periods_per_year)

    def size(self, request: SizingRequest) -> float:
        """The quantity defined above; 0 during the warm-up or without equity."""
        sigma = self.volatility(request.symbol)
        if sigma is None or request.equity <= 0:
            return 0.0
        fraction = self.max_fraction if sigma == 0 else min(self.target_vol / sigma,
                                                              self.max_fraction)  # fmt: skip
        return fraction * request.equity / (request.price * request.multiplier)
