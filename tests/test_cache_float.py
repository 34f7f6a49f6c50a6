"""FloatCache: str and int64 keys, numpy batches with NaN or a mask, TTL, rejections."""

from __future__ import annotations

import math

import numpy as np
import pytest

from alphaforge.cache import FloatCache, ManualClock


def test_str_keys_single_and_batch() -> None:
    cache = FloatCache(100)
    assert cache.key_type is str
    cache.put("BTCUSDT", 97_000.5)
    cache.put("ETHUSDT", 3_500)
    assert cache.get("BTCUSDT") == 97_000.5
    assert cache.get("ETHUSDT") == 3_500.0
    assert cache.get("SOLUSDT") is None
    assert cache.get("SOLUSDT", -1.0) == -1.0
    cache.put_many(["SOLUSDT", "XRPUSDT"], np.array([150.25, 0.5]))
    values = cache.get_many(["SOLUSDT", "nope", "BTCUSDT"])
    assert values.dtype == np.float64
    np.testing.assert_array_equal(values, [150.25, np.nan, 97_000.5])
    values, found = cache.get_many_with_mask(("XRPUSDT", "nope"))
    np.testing.assert_array_equal(values, [0.5, np.nan])
    np.testing.assert_array_equal(found, [True, False])
    assert "SOLUSDT" in cache
    assert len(cache) == 4
    assert cache.remove("SOLUSDT") is True
    assert cache.remove("SOLUSDT") is False
    assert cache.get_many([]).shape == (0,)


def test_a_stored_nan_is_told_apart_by_the_mask() -> None:
    cache = FloatCache(10)
    cache.put("nan", math.nan)
    values, found = cache.get_many_with_mask(["nan"])
    assert math.isnan(values[0])
    assert found[0]


def test_int64_keys_with_numpy_batches() -> None:
    cache = FloatCache(1_000, key_type=int)
    ids = np.arange(0, 500, dtype=np.int64) * 7919
    prices = np.linspace(1.0, 2.0, ids.size)
    cache.put_many(ids, prices)
    np.testing.assert_array_equal(cache.get_many(ids), prices)
    strided = cache.get_many(ids[::2])  # non-contiguous input is accepted
    np.testing.assert_array_equal(strided, prices[::2])
    assert cache.get(int(ids[3])) == prices[3]
    assert cache.get(-1) is None
    cache.put(-(2**63), 1.0)
    assert cache.get(-(2**63)) == 1.0
    stats = cache.statistics()
    assert (stats.puts, stats.hits, stats.misses) == (501, 752, 1)


def test_lru_and_ttl() -> None:
    clock = ManualClock()
    cache = FloatCache(2, shards=1, ttl_seconds=10, clock=clock)
    cache.put("a", 1.0)
    cache.put("b", 2.0)
    cache.get("a")
    cache.put("c", 3.0)  # evicts b
    assert "b" not in cache
    clock.advance(10)
    assert cache.get("a") is None
    cache.put("d", 4.0, ttl_seconds=1)
    clock.advance(1)
    assert cache.purge_expired() == 2  # c (put at 0 with the default 10 s) and d
    stats = cache.statistics()
    assert (stats.evictions, stats.expirations) == (1, 3)
    assert len(cache) == 0
    cache.put("e", 5.0)
    cache.clear()
    assert len(cache) == 0


def test_repr_and_properties() -> None:
    cache = FloatCache(1000, ttl_seconds=1.5, shards=4, key_type=int)
    assert repr(cache) == (
        "FloatCache(max_size=1000, size=0, shards=4, ttl_seconds=1.5, key_type=int)"
    )
    assert (cache.max_size, cache.shards, cache.ttl_seconds) == (1000, 4, 1.5)


def test_rejections_change_nothing() -> None:
    text = FloatCache(10)
    ints = FloatCache(10, key_type=int)
    text.put("kept", 1.0)
    ints.put(1, 1.0)
    cases = [
        (lambda: text.put(1, 1.0), TypeError, "key must be str for a FloatCache with key_type=str"),
        (lambda: ints.put("a", 1.0), TypeError, "key must be int for a FloatCache"),
        (lambda: ints.put(2**64, 1.0), ValueError, "signed 64-bit"),
        (lambda: text.put("a", "1.0"), TypeError, "value must be a float, got str"),
        (lambda: text.put("a", True), TypeError, "value must be a float, got bool"),
        (lambda: text.put("a", 1.0, ttl_seconds=0), ValueError, "ttl_seconds must be a finite"),
        (lambda: text.get(3), TypeError, "key must be str"),
        (lambda: ints.get(b"x"), TypeError, "key must be str or int, got bytes"),
        (lambda: 1.5 in ints, TypeError, "key must be str or int, got float"),
        (
            lambda: text.put_many(["a", "b"], np.array([1.0])),
            ValueError,
            "same length, got 2 keys and 1 values",
        ),
        (
            lambda: text.put_many(["a", 2], np.array([1.0, 2.0])),
            TypeError,
            "key must be str",
        ),
        (lambda: text.put_many("ab", np.array([1.0, 2.0])), TypeError, "list or tuple of str"),
        (
            lambda: text.put_many(["a"], [1.0]),
            TypeError,
            r"values must be a numpy float64 array \(np.asarray",
        ),
        (
            lambda: text.put_many(["a"], np.array([1], dtype=np.int64)),
            TypeError,
            "got array of int64",
        ),
        (
            lambda: text.put_many(["a"], np.ones((1, 1))),
            ValueError,
            "values must be one-dimensional, got ndim=2",
        ),
        (
            lambda: ints.put_many(np.array([1, 2], dtype=np.int32), np.ones(2)),
            TypeError,
            "keys must be a numpy int64 array",
        ),
        (lambda: ints.put_many([1, 2], np.ones(2)), TypeError, "keys must be a numpy int64"),
        (
            lambda: ints.put_many(np.arange(3), np.ones(2)),
            ValueError,
            "got 3 keys and 2 values",
        ),
        (lambda: ints.get_many(np.ones(2)), TypeError, "got array of float64"),
        (lambda: FloatCache(10, key_type=bytes), TypeError, "key_type must be str or int"),
        (lambda: FloatCache(0), ValueError, "max_size must be at least 1"),
        (lambda: FloatCache(10, ttl_seconds=math.nan), ValueError, "got nan"),
        (lambda: FloatCache(10, shards=6), ValueError, "power of two"),
        (lambda: FloatCache(10, clock="now"), TypeError, "clock must be a ManualClock"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()
    assert len(text) == 1
    assert len(ints) == 1
    assert text.statistics().puts == 1
    assert ints.statistics().puts == 1
