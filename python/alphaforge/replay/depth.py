"""The order book a replay derives from best quotes: the recorded top, deeper levels by rule.

Rule (deterministic from the seed): the top level of each side is the recorded best price and
size. Below it sit `levels - 1` deeper levels on a fixed grid of `spacing` ticks: the bid side
at the grid prices strictly below the best bid, the ask side strictly above the best ask. A deep
level's size is ``typical * (1 + k / 2) * u`` for the k-th level away from the top, where
``typical`` is the median recorded top size and ``u`` in [0.5, 1.5) is a hash of (seed, side,
price): the same price keeps the same size while it stays in the book, so consecutive books
differ only where the market moved.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from alphaforge.replay.market import MarketData

Book = tuple[dict[int, int], dict[int, int]]  # bids, asks: price ticks -> size in lots
_MASK = (1 << 64) - 1


class DerivedDepth:
    """Books derived from a record's quotes, in integer ticks and lots."""

    def __init__(
        self,
        market: MarketData,
        tick_size: float,
        lot_size: float,
        levels: int,
        seed: int,
        spacing_bps: float = 0.5,
    ) -> None:
        self.tick_size = tick_size
        self.lot_size = lot_size
        self.levels = levels
        self.seed = seed
        self.bid_ticks = np.round(market.bid / tick_size).astype(np.int64)
        self.ask_ticks = np.round(market.ask / tick_size).astype(np.int64)
        self.bid_lots = self._lots(market.bid_size)
        self.ask_lots = self._lots(market.ask_size)
        sizes = np.concatenate([market.bid_size, market.ask_size])
        positive = sizes[sizes > 0]
        typical = float(np.median(positive)) if positive.size else 1.0
        self.typical_lots = max(1, round(typical / lot_size))
        first_price = float(market.bid[0])
        self.spacing = max(1, round(first_price * spacing_bps / 10_000 / tick_size))

    def __len__(self) -> int:
        return len(self.bid_ticks)

    def book(self, i: int) -> Book:
        """The derived book after quote `i`."""
        return self._side(i, 0), self._side(i, 1)

    def _side(self, i: int, side: int) -> dict[int, int]:
        top = int(self.bid_ticks[i] if side == 0 else self.ask_ticks[i])
        top_lots = int(self.bid_lots[i] if side == 0 else self.ask_lots[i])
        levels = {top: top_lots if top_lots > 0 else self._size(side, top, 0)}
        g = self.spacing
        # The first grid price strictly beyond the top, then one grid step per level.
        first = ((top - 1) // g) * g if side == 0 else (top // g + 1) * g
        step = -g if side == 0 else g
        for k in range(1, self.levels):
            price = first + (k - 1) * step
            if price <= 0:
                break
            levels[price] = self._size(side, price, k)
        return levels

    def _size(self, side: int, price: int, k: int) -> int:
        u = 0.5 + _hash(self.seed, side, price) / float(1 << 64)
        return max(1, round(self.typical_lots * (1 + k / 2) * u))

    def _lots(self, sizes: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        return np.round(np.nan_to_num(sizes) / self.lot_size).astype(np.int64)


def diff(old: Book, new: Book) -> Book:
    """The levels that changed from `old` to `new`, with 0 for a level that went away."""
    return _diff_side(old[0], new[0]), _diff_side(old[1], new[1])


def _diff_side(old: dict[int, int], new: dict[int, int]) -> dict[int, int]:
    changed = {p: q for p, q in new.items() if old.get(p) != q}
    changed.update({p: 0 for p in old if p not in new})
    return changed


def _hash(seed: int, side: int, price: int) -> int:
    # splitmix64 over the three inputs: cheap, well mixed and the same on every platform.
    x = (seed * 0x9E3779B97F4A7C15 + side * 0xBF58476D1CE4E5B9 + price) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)
