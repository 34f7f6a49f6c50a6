"""The SMA 10/30 crossover of the backtest benchmark, for the peers' strategies to share."""

from __future__ import annotations

from collections import deque


class RollingCross:
    """Rolling sums of the last `fast` and `slow` prices, updated in O(1), as SmaCross keeps."""

    def __init__(self, fast: int, slow: int) -> None:
        self.fast, self.slow = fast, slow
        self.prices: deque[float] = deque(maxlen=slow)
        self.fast_sum = 0.0
        self.slow_sum = 0.0
        self.above: bool | None = None

    def update(self, price: float) -> int:
        """+1 when the fast mean crosses above the slow one, -1 when below, else 0."""
        prices = self.prices
        if len(prices) == self.slow:
            self.slow_sum -= prices[0]
        if len(prices) >= self.fast:
            self.fast_sum -= prices[-self.fast]
        prices.append(price)
        self.fast_sum += price
        self.slow_sum += price
        if len(prices) < self.slow:
            return 0
        gap = self.fast_sum * self.slow - self.slow_sum * self.fast
        above = gap > 1e-10 * self.slow_sum * self.fast
        crossed = self.above is not None and above != self.above
        self.above = above
        if not crossed:
            return 0
        return 1 if above else -1
