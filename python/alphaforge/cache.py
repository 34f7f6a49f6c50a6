"""Thread-safe caches with exact per-shard LRU eviction and per-entry TTL, in C++.

``GenericCache`` keeps any Python object under a ``str`` or ``int`` key and hands back the very
object stored; references are released on eviction, expiry, removal, ``clear()`` and when the
cache goes away. ``FloatCache`` keeps float64 values under ``str`` or int64 keys, with numpy batch
calls that release the GIL, and can be shared with C++ components. ``ManualClock`` drives TTLs
in tests and simulations.
"""

from alphaforge._core.cache import CacheStatistics, FloatCache, GenericCache, ManualClock

__all__ = ["CacheStatistics", "FloatCache", "GenericCache", "ManualClock"]
