"""The floor of the bar benchmark: the same strategy's on_bar in a plain Python loop.

Nothing of AlphaForge's core is in it: the bar is a plain object rewritten per close, and the
trading context keeps positions in a dict and fills every order at once. What the backtest
engine adds on top of this is its own cost.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from alphaforge.strategy import Strategy


class _Bar:
    __slots__ = ("close",)

    def __init__(self) -> None:
        self.close = 0.0


class _DictContext:
    """Positions in a dict; an order fills whole the moment it is sent."""

    def __init__(self) -> None:
        self.positions: dict[str, float] = {}
        self.orders = 0

    def position(self, strategy: str, symbol: str) -> float:
        return self.positions.get(symbol, 0.0)

    def submit_order(
        self,
        strategy: str,
        symbol: str,
        side: str,
        type: str,
        qty: float,
        price: float | None,
        stop_price: float | None,
        time_in_force: str,
        reduce_only: bool,
    ) -> int:
        self.orders += 1
        held = self.positions.get(symbol, 0.0)
        self.positions[symbol] = held + (qty if side == "BUY" else -qty)
        return self.orders


def bars_per_second(strategy: Strategy, closes: Sequence[float]) -> float:
    """Calls `strategy.on_bar` once per close, as a replay would, and times the loop."""
    strategy.attach(_DictContext())  # type: ignore[arg-type]
    bar = _Bar()
    on_bar = strategy.on_bar
    started = time.perf_counter()
    for close in closes:
        bar.close = close
        on_bar(bar)
    return len(closes) / (time.perf_counter() - started)
