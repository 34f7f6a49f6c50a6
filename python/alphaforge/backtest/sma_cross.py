"""``SmaCross``: the moving-average crossover used by the demo, the examples and the benchmark."""

from __future__ import annotations

from collections import deque
from typing import Any

from alphaforge.strategy import Strategy


class SmaCross(Strategy):
    """Buys when the fast mean crosses above the slow one, sells the position when below.

    On tick data, `bar_spec` ("1min", ...) has the bars built from the symbol's trades.
    """

    def __init__(
        self,
        symbol: str,
        fast: int = 10,
        slow: int = 30,
        size: float = 10,
        name: str | None = None,
        bar_spec: str | None = None,
    ) -> None:
        super().__init__(name)
        if not 0 < fast < slow:
            raise ValueError(f"need 0 < fast < slow, got fast={fast} slow={slow}")
        self.symbol, self.fast, self.slow, self.size = symbol, fast, slow, size
        self.bar_spec = bar_spec
        # Rolling sums updated in O(1) per bar.
        self._closes: deque[float] = deque(maxlen=slow)
        self._fast_sum = 0.0
        self._slow_sum = 0.0
        self._above: bool | None = None

    def on_start(self) -> None:
        """Subscribe to the symbol's bars."""
        self.subscribe_bars(self.symbol, self.bar_spec)

    def on_bar(self, bar: Any) -> None:
        """Trade on the bar's close."""
        self.on_price(bar.close)

    def on_price(self, close: float) -> None:
        """Update both means and trade on a cross."""
        closes = self._closes
        fast, slow = self.fast, self.slow
        if len(closes) == slow:  # the steady state: one price leaves each window
            fast_sum = self._fast_sum - closes[-fast] + close
            slow_sum = self._slow_sum - closes[0] + close
        else:
            fast_sum = self._fast_sum
            if len(closes) >= fast:
                fast_sum -= closes[-fast]
            fast_sum += close
            slow_sum = self._slow_sum + close
        closes.append(close)
        self._fast_sum = fast_sum
        self._slow_sum = slow_sum
        if len(closes) < slow:
            return
        # Rolling sums drift by ~1e-13 relative: an exact tie must not read as a cross.
        above = fast_sum * slow - slow_sum * fast > 1e-10 * slow_sum * fast
        previous = self._above
        if above == previous:
            return
        self._above = above
        if previous is None:  # the first full window sets the side; it is not a cross
            return
        held = self.position(self.symbol)
        if above and held == 0:
            self.log.debug("fast mean crossed above the slow one at %g: buy %g", close, self.size)
            self.buy(self.symbol, self.size)
        elif not above and held > 0:
            self.log.debug("fast mean crossed below the slow one at %g: sell %g", close, held)
            self.sell(self.symbol, held)


class TradeSmaCross(SmaCross):
    """The same crossover over the prices of every trade, on tick data."""

    def on_start(self) -> None:
        """Subscribe to the symbol's trades."""
        self.subscribe_trades(self.symbol)

    def on_trade(self, trade: Any) -> None:
        """Trade on the print's price."""
        self.on_price(trade.price)
