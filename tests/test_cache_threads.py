"""Threads hammering one cache: every value read belongs to its key, the counts add up."""

from __future__ import annotations

import threading

import numpy as np

from alphaforge.cache import FloatCache, GenericCache

THREADS = 4
OPS = 20_000


def test_threads_share_a_generic_cache() -> None:
    cache = GenericCache(500, shards=8)
    errors: list[str] = []
    counts = [[0, 0] for _ in range(THREADS)]  # gets, puts
    start = threading.Barrier(THREADS)

    def work(index: int) -> None:
        start.wait()
        for i in range(OPS):
            key = (i * 7919 + index * 104_729) % 2_000
            name = f"k{key}"
            step = i % 10
            if step < 6:
                counts[index][0] += 1
                value = cache.get(name)
                if value is not None and value[0] != name:
                    errors.append(f"{name} -> {value!r}")
            elif step < 9:
                counts[index][1] += 1
                cache.put(name, (name, index, i))
            else:
                cache.remove(name)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stats = cache.statistics()
    assert stats.hits + stats.misses == sum(c[0] for c in counts)
    assert stats.puts == sum(c[1] for c in counts)
    assert len(cache) <= 500


def test_threads_share_a_float_cache_through_gil_free_batches() -> None:
    cache = FloatCache(4_096, key_type=int, shards=8)
    ids = np.arange(8_192, dtype=np.int64)
    bad: list[int] = []

    def work(index: int) -> None:
        rng = np.random.default_rng(index)
        for _ in range(50):
            chosen = rng.choice(ids, size=512)
            cache.put_many(chosen, chosen.astype(np.float64) * 2.0)
            keys = rng.choice(ids, size=512)
            values, found = cache.get_many_with_mask(keys)
            wrong = found & (values != keys * 2.0)
            bad.extend(keys[wrong].tolist())

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert bad == []
    stats = cache.statistics()
    assert stats.puts == THREADS * 50 * 512
    assert stats.hits + stats.misses == THREADS * 50 * 512
    assert len(cache) <= 4_096
