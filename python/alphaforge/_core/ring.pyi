from typing import Any, Literal

import numpy as np
import numpy.typing as npt

TRADE_TICK_DTYPE: np.dtype[np.void]
"""Record layout of one trade: ts_ns, price, size, trade_id, symbol_id, aggressor."""

_Overflow = Literal["reject", "block", "drop_oldest"]

class RingStatistics:
    """Counters of one ring since it was created."""

    @property
    def pushed(self) -> int:
        """Items accepted."""
    @property
    def popped(self) -> int:
        """Items handed to a consumer."""
    @property
    def rejected(self) -> int:
        """Items refused: the ring was full (overflow='reject') or closed."""
    @property
    def dropped(self) -> int:
        """Oldest items discarded to make room (overflow='drop_oldest')."""
    @property
    def high_water(self) -> int:
        """The most items the ring has held, seen after each push."""
    @property
    def size(self) -> int:
        """Items queued now."""
    @property
    def capacity(self) -> int:
        """Slots in the ring."""

class _Ring:
    def __init__(
        self, capacity: int, dtype: npt.DTypeLike = ..., overflow: _Overflow = "reject"
    ) -> None:
        """A ring of at least `capacity` slots (rounded up to a power of two) of `dtype`:
        float64 (default), int64 or TRADE_TICK_DTYPE. `overflow` says what a push does when
        the ring is full."""
    def push(self, value: Any) -> bool:
        """Push one item; False when it was rejected."""
    def push_many(self, items: npt.NDArray[Any]) -> int:
        """Push a 1-D C-contiguous array of the ring's dtype; returns how many were accepted."""
    def pop(self) -> Any:
        """Pop the oldest item, or None when the ring is empty."""
    def pop_many(self, max_items: int, timeout: float = 0.0) -> npt.NDArray[Any]:
        """Pop up to max_items into a new array, waiting up to timeout seconds for the first."""
    def close(self) -> None:
        """Release blocked pushes; queued items can still be popped."""
    @property
    def closed(self) -> bool:
        """Whether close() was called."""
    @property
    def capacity(self) -> int:
        """Slots in the ring."""
    @property
    def dtype(self) -> np.dtype[Any]:
        """The item dtype."""
    @property
    def overflow(self) -> _Overflow:
        """The policy for a full ring."""
    def statistics(self) -> RingStatistics:
        """Counters since the ring was created."""
    def __len__(self) -> int:
        """Items queued now."""

class SpscRing(_Ring):
    """Bounded lock-free ring for one producer thread and one consumer thread."""

class MpmcRing(_Ring):
    """Bounded lock-free ring for any number of producer and consumer threads."""
