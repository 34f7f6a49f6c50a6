"""GenericCache: LRU order, TTL on a manual clock, exact statistics, references, rejections."""

from __future__ import annotations

import gc
import math
import sys
import weakref

import pytest

from alphaforge.cache import GenericCache, ManualClock


class Payload:
    """A value that can be weakly referenced and found in reference cycles."""

    def __init__(self, name: str) -> None:
        self.name = name


def test_the_very_object_comes_back() -> None:
    cache = GenericCache(10)
    value = {"bid": 97_000.5, "ask": 97_001.0}
    cache.put("BTCUSDT", value)
    assert cache.get("BTCUSDT") is value
    cache.put(42, value)
    assert cache.get(42) is value
    assert cache.get("missing") is None
    assert cache.get("missing", "fallback") == "fallback"
    assert "BTCUSDT" in cache
    assert 42 in cache
    assert 43 not in cache
    assert len(cache) == 2


def test_int_and_str_keys_are_distinct() -> None:
    cache = GenericCache(10)
    cache.put(1, "int")
    cache.put("1", "str")
    assert cache.get(1) == "int"
    assert cache.get("1") == "str"
    cache.put(-(2**63), "min")
    cache.put(2**63 - 1, "max")
    assert cache.get(-(2**63)) == "min"
    assert cache.get(2**63 - 1) == "max"


@pytest.mark.parametrize(
    "number",
    [0, -1, 2**61 - 1, -(2**61), 2**61, -(2**61) - 1, 2**62 + 12345, -(2**63), 2**63 - 1],
)
def test_int_keys_across_the_int64_range_compare_by_value(number: int) -> None:
    cache = GenericCache(10)
    cache.put(number, "first")
    # A fresh int object of the same value finds the entry, and replaces it.
    twin = int(str(number))
    assert cache.get(twin) == "first"
    cache.put(twin, "second")
    assert len(cache) == 1
    assert cache.get(number) == "second"
    assert cache.get(number + 1 if number < 2**63 - 1 else number - 1) is None
    assert cache.get(str(number)) is None
    assert cache.get_many([int(str(number)), number]) == ["second", "second"]
    assert cache.remove(int(str(number))) is True
    assert len(cache) == 0


def test_large_int_keys_are_held_and_released() -> None:
    cache = GenericCache(2, shards=1)
    key = 2**62 + int("7")  # a fresh object beyond the inline range
    before = _refcount(key)
    cache.put(key, 1)
    assert _refcount(key) == before + 1
    cache.put(int(str(key)), 2)  # replaced: the held key stays, the new one is not kept
    assert _refcount(key) == before + 1
    cache.put_many([int(str(key)), 5], [3, 4])
    assert _refcount(key) == before + 1
    assert cache.get(key) == 3  # key is now the most recent, 5 the least
    cache.put(6, 6)  # evicts 5
    assert _refcount(key) == before + 1
    cache.put(7, 7)  # evicts key
    assert key not in cache
    assert _refcount(key) == before


def test_str_keys_compare_by_content() -> None:
    cache = GenericCache(10)
    cache.put("".join(["BTC", "USDT"]), 1)
    assert cache.get("BTCUSDT") == 1
    cache.put("prix €", 2)
    cache.put("価格", 3)
    cache.put("emoji 🚀", 4)
    assert cache.get("prix " + "€") == 2
    assert cache.get("価" + "格") == 3
    assert cache.get("emoji " + "🚀") == 4

    class Symbol(str):
        pass

    assert cache.get(Symbol("BTCUSDT")) == 1


def test_exact_lru_order_with_one_shard() -> None:
    cache = GenericCache(3, shards=1)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert cache.get("a") == 1  # b is now the least recently used
    cache.put("d", 4)
    assert "b" not in cache
    assert "c" in cache  # contains does not refresh c
    cache.put("e", 5)
    assert "c" not in cache
    cache.put("a", 10)  # replacing refreshes a
    cache.put("f", 6)
    assert "d" not in cache
    assert [cache.get(k) for k in ("a", "e", "f")] == [10, 5, 6]


def test_small_caches_default_to_one_exact_shard() -> None:
    assert GenericCache(100).shards == 1
    assert GenericCache(100_000).shards == 16
    assert GenericCache(100_000, shards=4).shards == 4


def test_statistics_are_exact() -> None:
    cache = GenericCache(2, shards=1)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 3)
    cache.get("a")
    cache.get("zz")
    cache.put("c", 4)  # evicts b
    cache.get("b")
    cache.get_many(["a", "c", "nope"])
    cache.put_many(["d"], [5])  # evicts a
    stats = cache.statistics()
    assert (stats.hits, stats.misses, stats.puts) == (3, 3, 5)
    assert (stats.evictions, stats.expirations) == (2, 0)
    assert (stats.size, stats.max_size) == (2, 2)
    assert stats.total_operations == 11
    assert stats.hit_ratio == pytest.approx(0.5)
    assert "hits=3" in repr(stats)
    assert GenericCache(5).statistics().hit_ratio == 0.0


def test_ttl_on_a_manual_clock() -> None:
    clock = ManualClock()
    cache = GenericCache(10, ttl_seconds=5.0, clock=clock)
    assert cache.ttl_seconds == 5.0
    cache.put("quote", 1)
    cache.put("long", 2, ttl_seconds=60)
    clock.advance(4.999)
    assert cache.get("quote") == 1
    clock.advance(0.001)
    assert "quote" not in cache
    assert len(cache) == 2  # expired but not yet reclaimed
    assert cache.get("quote", "gone") == "gone"
    assert len(cache) == 1
    assert cache.get("long") == 2
    cache.put("short", 3, ttl_seconds=1)
    clock.advance(1)
    assert cache.purge_expired() == 1
    clock.advance(54)
    assert cache.remove("long") is False  # expired: reclaimed, not a live removal
    stats = cache.statistics()
    assert stats.expirations == 3
    assert len(cache) == 0
    assert clock.now() == pytest.approx(60.0)


def test_replacing_an_entry_restarts_its_ttl() -> None:
    clock = ManualClock(100.0)
    cache = GenericCache(10, ttl_seconds=10, clock=clock)
    cache.put("k", "old")
    clock.advance(8)
    cache.put("k", "new")
    clock.advance(8)
    assert cache.get("k") == "new"


def test_ttl_on_a_clock_below_zero() -> None:
    clock = ManualClock(-30.0)
    cache = GenericCache(10, ttl_seconds=10, clock=clock)
    cache.put("k", "v")
    clock.advance(9.5)
    assert cache.get("k") == "v"
    clock.advance(0.5)
    assert cache.get("k") is None
    assert cache.statistics().expirations == 1


def test_expired_tail_is_counted_as_expiration() -> None:
    clock = ManualClock()
    cache = GenericCache(2, shards=1, clock=clock)
    cache.put("a", 1, ttl_seconds=1)
    cache.put("b", 2)
    clock.advance(1)
    cache.put("c", 3)
    cache.put("d", 4)
    stats = cache.statistics()
    assert (stats.expirations, stats.evictions) == (1, 1)


def test_remove_and_clear() -> None:
    cache = GenericCache(10)
    cache.put_many(["a", "b", "c"], [1, 2, 3])
    assert cache.remove("b") is True
    assert cache.remove("b") is False
    assert len(cache) == 2
    cache.clear()
    assert len(cache) == 0
    assert cache.get("a") is None
    cache.put("a", 9)
    assert cache.get("a") == 9


def test_batches() -> None:
    cache = GenericCache(100)
    marker = object()
    cache.put_many(("x", 1, "y"), [marker, None, 3])
    assert cache.get_many(["x", 1, "y", "z"]) == [marker, None, 3, None]
    assert cache.get_many(["z", "x"], default=-1) == [-1, marker]
    assert cache.get_many([]) == []
    cache.put_many(["x", "x"], [1, 2])  # in order: the last one wins
    assert cache.get("x") == 2
    clock = ManualClock()
    timed = GenericCache(10, clock=clock)
    timed.put_many(["a"], [1], ttl_seconds=2)
    clock.advance(2)
    assert timed.get_many(["a"]) == [None]


def _refcount(value: object) -> int:
    return sys.getrefcount(value)


def test_references_released_on_every_exit() -> None:
    clock = ManualClock()
    cache = GenericCache(2, shards=1, clock=clock)
    values = [Payload(str(i)) for i in range(6)]
    key = "".join(["dyn", "amic"])  # not interned: its count is ours to watch
    before = [_refcount(v) for v in values]
    key_before = _refcount(key)

    cache.put(key, values[0])
    assert _refcount(values[0]) == before[0] + 1
    assert _refcount(key) == key_before + 1
    cache.put(key, values[1])  # replaced
    assert _refcount(values[0]) == before[0]
    assert _refcount(key) == key_before + 1
    cache.put("b", values[2])
    cache.put("c", values[3])  # evicts key
    assert _refcount(values[1]) == before[1]
    assert _refcount(key) == key_before
    assert cache.remove("b") is True
    assert _refcount(values[2]) == before[2]
    cache.put("t", values[4], ttl_seconds=1)
    clock.advance(1)
    assert cache.get("t") is None  # expired
    assert _refcount(values[4]) == before[4]
    cache.put("p", values[5], ttl_seconds=1)
    clock.advance(1)
    cache.purge_expired()
    assert _refcount(values[5]) == before[5]
    cache.clear()
    assert _refcount(values[3]) == before[3]
    got = cache.get_many(["none"])
    assert got == [None]


def test_references_released_when_the_cache_goes_away() -> None:
    value = Payload("v")
    ref = weakref.ref(value)
    cache = GenericCache(4)
    cache.put("k", value)
    cache.put_many(["a", "b"], [value, value])
    del value
    assert ref() is not None
    del cache
    assert ref() is None


def test_cycles_through_the_cache_are_collected() -> None:
    cache = GenericCache(4)
    node = Payload("node")
    node.cache = cache  # type: ignore[attr-defined]
    cache.put("self", node)
    ref = weakref.ref(node)
    del node, cache
    gc.collect()
    assert ref() is None


def test_del_that_reenters_the_cache_is_safe() -> None:
    cache = GenericCache(1, shards=1)
    seen: list[object] = []

    class Reentrant:
        def __del__(self) -> None:
            seen.append(cache.get("other"))
            cache.put("from_del", 1)

    cache.put("a", Reentrant())
    cache.put("other", 2)  # evicts a; its __del__ runs after the shard lock is released
    assert seen == [2]
    assert cache.get("from_del") == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"max_size": 0}, ValueError, "max_size must be at least 1, got 0"),
        ({"max_size": -1}, ValueError, "max_size"),
        ({"max_size": 2.5}, TypeError, "max_size must be an int, got float"),
        ({"max_size": True}, TypeError, "max_size must be an int, got bool"),
        ({"max_size": 10, "ttl_seconds": 0}, ValueError, "ttl_seconds must be a finite"),
        ({"max_size": 10, "ttl_seconds": -1.0}, ValueError, "got -1.0"),
        ({"max_size": 10, "ttl_seconds": math.nan}, ValueError, "got nan"),
        ({"max_size": 10, "ttl_seconds": math.inf}, ValueError, "got inf"),
        ({"max_size": 10, "ttl_seconds": "5"}, TypeError, "ttl_seconds must be a number"),
        ({"max_size": 10, "shards": 3}, ValueError, "shards must be a power of two, got 3"),
        ({"max_size": 10, "shards": 16}, ValueError, "shards must not exceed max_size"),
        ({"max_size": 10, "shards": 0}, ValueError, "shards must be at least 1"),
        ({"max_size": 10, "clock": 1.0}, TypeError, "clock must be a ManualClock or None"),
    ],
)
def test_bad_construction_is_rejected(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(")):
        GenericCache(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "error", "message"),
    [
        (b"BTCUSDT", TypeError, "key must be str or int, got bytes"),
        (1.5, TypeError, "key must be str or int, got float"),
        (True, TypeError, "key must be str or int, got bool"),
        (None, TypeError, "key must be str or int, got NoneType"),
        (("a", 1), TypeError, "key must be str or int, got tuple"),
        (2**63, ValueError, "key must fit in a signed 64-bit integer"),
        (-(2**63) - 1, ValueError, "key must fit in a signed 64-bit integer"),
    ],
)
def test_bad_keys_are_rejected_and_change_nothing(
    key: object, error: type[Exception], message: str
) -> None:
    cache = GenericCache(10)
    cache.put("kept", 1)
    with pytest.raises(error, match=message):
        cache.put(key, 1)  # type: ignore[arg-type]
    with pytest.raises(error, match=message):
        cache.get(key)  # type: ignore[arg-type]
    with pytest.raises(error, match=message):
        key in cache  # type: ignore[operator] # noqa: B015
    with pytest.raises(error, match=message):
        cache.remove(key)  # type: ignore[arg-type]
    with pytest.raises(error, match=message):
        cache.put_many(["ok", key], [1, 2])
    with pytest.raises(error, match=message):
        cache.get_many(["kept", key])
    assert len(cache) == 1
    assert "ok" not in cache
    stats = cache.statistics()
    assert (stats.hits, stats.misses, stats.puts) == (0, 0, 1)


def test_bad_calls_are_rejected_and_change_nothing() -> None:
    cache = GenericCache(10)
    cache.put("kept", 1)
    with pytest.raises(ValueError, match="must have the same length, got 2 keys and 1 values"):
        cache.put_many(["a", "b"], [1])
    with pytest.raises(TypeError, match="keys must be a list or tuple, got str"):
        cache.put_many("ab", [1, 2])
    with pytest.raises(TypeError, match="values must be a list or tuple, got dict"):
        cache.put_many(["a"], {"a": 1})
    with pytest.raises(TypeError, match="keys must be a list or tuple, got set"):
        cache.get_many({"a"})
    with pytest.raises(ValueError, match=r"ttl_seconds must be a finite number of seconds > 0"):
        cache.put("a", 1, ttl_seconds=0)
    with pytest.raises(ValueError, match=r"got nan"):
        cache.put("a", 1, math.nan)
    with pytest.raises(ValueError, match=r"ttl_seconds"):
        cache.put_many(["a"], [1], ttl_seconds=-5)
    with pytest.raises(TypeError, match="unexpected or repeated keyword argument 'ttl'"):
        cache.put("a", 1, ttl=5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="repeated keyword argument 'ttl_seconds'"):
        cache.put("a", 1, 5, ttl_seconds=5)  # type: ignore[misc]
    with pytest.raises(TypeError, match=r"put\(\) takes a key, a value"):
        cache.put("a")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"get\(\) takes a key and an optional default"):
        cache.get("a", 1, 2)  # type: ignore[call-arg]
    assert len(cache) == 1
    assert "a" not in cache
    assert cache.statistics().puts == 1


def test_manual_clock_rejects_going_back() -> None:
    clock = ManualClock(1.5)
    assert clock.now() == pytest.approx(1.5)
    assert clock.now_ns == 1_500_000_000
    with pytest.raises(ValueError, match="seconds must be finite, >= 0"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="got nan"):
        clock.advance(math.nan)
    with pytest.raises(TypeError, match="value must be a float, got str"):
        clock.advance("1")  # type: ignore[arg-type]
    assert clock.now_ns == 1_500_000_000


def test_repr_and_properties() -> None:
    cache = GenericCache(1000, ttl_seconds=2.5, shards=2)
    cache.put("a", 1)
    assert repr(cache) == "GenericCache(max_size=1000, size=1, shards=2, ttl_seconds=2.5)"
    assert (cache.max_size, cache.shards, cache.ttl_seconds) == (1000, 2, 2.5)
    assert GenericCache(5).ttl_seconds is None
