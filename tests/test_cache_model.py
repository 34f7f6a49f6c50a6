"""GenericCache against a plain Python LRU with TTL, on random operation streams."""

from __future__ import annotations

from collections import OrderedDict

from hypothesis import given, settings
from hypothesis import strategies as st

from alphaforge.cache import GenericCache, ManualClock

NEVER = float("inf")


class ReferenceLru:
    """Exact LRU of max_size entries; expired entries are dropped when found, like the cache."""

    def __init__(self, max_size: int, ttl: float | None) -> None:
        self.max_size = max_size
        self.ttl = ttl
        self.entries: OrderedDict[object, tuple[object, float]] = OrderedDict()
        self.hits = self.misses = self.puts = self.evictions = self.expirations = 0

    def put(self, key: object, value: object, ttl: float | None, now: float) -> None:
        ttl = ttl if ttl is not None else self.ttl
        expires = now + ttl if ttl is not None else NEVER
        self.puts += 1
        if key in self.entries:
            self.entries.move_to_end(key, last=False)
        elif len(self.entries) == self.max_size:
            _, (_, victim_expires) = self.entries.popitem(last=True)
            if victim_expires <= now:
                self.expirations += 1
            else:
                self.evictions += 1
        self.entries[key] = (value, expires)
        self.entries.move_to_end(key, last=False)

    def get(self, key: object, now: float) -> object:
        if key not in self.entries:
            self.misses += 1
            return None
        value, expires = self.entries[key]
        if expires <= now:
            del self.entries[key]
            self.misses += 1
            self.expirations += 1
            return None
        self.hits += 1
        self.entries.move_to_end(key, last=False)
        return value

    def contains(self, key: object, now: float) -> bool:
        return key in self.entries and self.entries[key][1] > now

    def remove(self, key: object, now: float) -> bool:
        if key not in self.entries:
            return False
        _, expires = self.entries.pop(key)
        if expires <= now:
            self.expirations += 1
            return False
        return True

    def purge(self, now: float) -> int:
        dead = [k for k, (_, expires) in self.entries.items() if expires <= now]
        for key in dead:
            del self.entries[key]
        self.expirations += len(dead)
        return len(dead)


keys = st.one_of(st.integers(min_value=-3, max_value=12), st.sampled_from(["a", "b", "c", "é"]))
ttls = st.one_of(st.none(), st.integers(min_value=1, max_value=6))
operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), keys, st.integers(), ttls),
        st.tuples(st.just("get"), keys),
        st.tuples(st.just("contains"), keys),
        st.tuples(st.just("remove"), keys),
        st.tuples(st.just("advance"), st.integers(min_value=0, max_value=4)),
        st.tuples(st.just("purge")),
        st.tuples(st.just("get_many"), st.lists(keys, max_size=4)),
    ),
    max_size=120,
)


@settings(max_examples=150, deadline=None)
@given(
    max_size=st.integers(min_value=1, max_value=8),
    default_ttl=st.one_of(st.none(), st.integers(min_value=1, max_value=8)),
    ops=operations,
)
def test_matches_reference_lru(max_size: int, default_ttl: int | None, ops: list[tuple]) -> None:  # type: ignore[type-arg]
    clock = ManualClock()
    cache = GenericCache(max_size, ttl_seconds=default_ttl, shards=1, clock=clock)
    ref = ReferenceLru(max_size, default_ttl)
    now = 0.0
    for op in ops:
        kind = op[0]
        if kind == "put":
            _, key, value, ttl = op
            cache.put(key, value, ttl_seconds=ttl)
            ref.put(key, value, ttl, now)
        elif kind == "get":
            assert cache.get(op[1]) == ref.get(op[1], now)
        elif kind == "contains":
            assert (op[1] in cache) == ref.contains(op[1], now)
        elif kind == "remove":
            assert cache.remove(op[1]) == ref.remove(op[1], now)
        elif kind == "advance":
            clock.advance(op[1])
            now += op[1]
        elif kind == "purge":
            assert cache.purge_expired() == ref.purge(now)
        else:
            assert cache.get_many(op[1]) == [ref.get(k, now) for k in op[1]]
        assert len(cache) == len(ref.entries)
    stats = cache.statistics()
    assert (stats.hits, stats.misses, stats.puts) == (ref.hits, ref.misses, ref.puts)
    assert (stats.evictions, stats.expirations) == (ref.evictions, ref.expirations)
