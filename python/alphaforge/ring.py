"""Lock-free ring buffers for moving market data between threads.

``SpscRing`` serves one producer and one consumer thread; ``MpmcRing`` any number of each.
Both hold float64, int64 or ``TRADE_TICK_DTYPE`` records, move numpy batches with the GIL
released, and never lose an item silently: a full ring rejects, blocks or drops the oldest
items (``overflow=``), and ``statistics()`` counts each outcome.
"""

from alphaforge._core.ring import TRADE_TICK_DTYPE, MpmcRing, RingStatistics, SpscRing

__all__ = ["TRADE_TICK_DTYPE", "MpmcRing", "RingStatistics", "SpscRing"]
