"""The SMA 10/30 crossover of the backtest benchmark, for the peers' strategies to share."""

from __future__ import annotations

from collections import deque


class RollingCross:
    """Rolling sums of the last `fast` and `slow` prices, updated in O(1), as SmaCross keeps.

    The arithmetic is SmaCross.on_price's, operation for operation, so both signal on the same
    bars (tests/test_backtest_bench.py checks it); SmaCross inlines it rather than calling this
    class because a call per bar is a measurable part of its budget.
    """

    def __init__(self, fast: int, slow: int) -> None:
        self.fast, self.slow = fast, slow
        self.prices: deque[float] = deque(maxlen=slow)
        self.fast_sum = 0.0
        self.slow_sum = 0.0
        self.above: bool | None = None

    def update(self, price: float) -> int:
        """+1 when the fast mean crosses above the slow one, -1 when below, else 0."""
        prices = self.prices
        fast, slow = self.fast, self.slow
        if len(prices) == slow:
            fast_sum = self.fast_sum - prices[-fast] + price
            slow_sum = self.slow_sum - prices[0] + price
        else:
            fast_sum = self.fast_sum
            if len(prices) >= fast:
                fast_sum -= prices[-fast]
            fast_sum += price
            slow_sum = self.slow_sum + price
        prices.append(price)
        self.fast_sum = fast_sum
        self.slow_sum = slow_sum
        if len(prices) < slow:
            return 0
        above = fast_sum * slow - slow_sum * fast > 1e-10 * slow_sum * fast
        previous = self.above
        if above == previous:
            return 0
        self.above = above
        if previous is None:
            return 0
        return 1 if above else -1
