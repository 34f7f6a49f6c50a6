"""What the parts of ``alphaforge bench book`` share: timed rounds and their medians, the
strategy that only takes the call, and the table's number formats."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from alphaforge.records import BookView
from alphaforge.strategy import Strategy

Final = tuple[float, float, float]  # best bid, best ask, imbalance of the best sizes


class EmptyOnBook(Strategy):
    """Subscribed to every message and does nothing with it: the cost of the call alone."""

    def __init__(self, symbol: str) -> None:
        super().__init__()
        self.symbol = symbol

    def on_start(self) -> None:
        self.subscribe_book(self.symbol, depth=1, every=1)

    def on_book(self, book: BookView) -> None:
        pass


@dataclass(frozen=True)
class Round:
    setup_s: float
    run_s: float


@dataclass
class Result:
    name: str
    rounds: list[Round]
    final: Final | None = None

    def rate(self, count: int) -> float:
        return count / statistics.median(r.run_s for r in self.rounds)

    @property
    def setup_s(self) -> float:
        return statistics.median(r.setup_s for r in self.rounds)


def ratio_text(rate: float, base: Result | None, count: int) -> str:
    """`rate` over `base`'s rate for `count` items, as "1.23x"; "-" without a base."""
    return "-" if base is None else f"{rate / base.rate(count):.2f}x"


def si_text(value: float) -> str:
    """A rate with an SI suffix: 1.23M."""
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.2f}{suffix}"
    return f"{value:.1f}"
