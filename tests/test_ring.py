import threading

import numpy as np
import pytest

from alphaforge.ring import TRADE_TICK_DTYPE, MpmcRing, SpscRing

RINGS = [SpscRing, MpmcRing]


@pytest.mark.parametrize("ring_type", RINGS)
@pytest.mark.parametrize(
    ("dtype", "values"),
    [
        (np.float64, [1.5, -2.25, 3.0]),
        (np.int64, [7, -(2**62), 2**62]),
    ],
)
def test_push_pop_keeps_order(ring_type, dtype, values):
    ring = ring_type(4, dtype)
    assert ring.pop() is None
    for v in values:
        assert ring.push(v)
    assert len(ring) == len(values)
    assert [ring.pop() for _ in values] == values
    assert ring.pop() is None


@pytest.mark.parametrize("ring_type", RINGS)
def test_capacity_rounds_up_to_power_of_two(ring_type):
    assert ring_type(5).capacity == 8
    assert ring_type(1).capacity == (1 if ring_type is SpscRing else 2)
    assert ring_type(1024).dtype == np.dtype(np.float64)


@pytest.mark.parametrize("ring_type", RINGS)
def test_full_ring_rejects_and_counts(ring_type):
    ring = ring_type(4, np.int64)
    assert ring.push_many(np.arange(6, dtype=np.int64)) == 4
    assert not ring.push(99)
    stats = ring.statistics()
    assert (stats.pushed, stats.rejected, stats.popped, stats.dropped) == (4, 3, 0, 0)
    assert stats.high_water == 4
    assert stats.size == 4
    assert stats.capacity == 4
    np.testing.assert_array_equal(ring.pop_many(10), np.arange(4))
    assert ring.statistics().popped == 4


@pytest.mark.parametrize("ring_type", RINGS)
def test_batches_wrap_around(ring_type):
    ring = ring_type(8, np.float64)
    expected = [-3.0, -2.0, -1.0]
    # Three items stay queued, so later batches straddle the end of the storage.
    assert ring.push_many(np.array(expected)) == 3
    received = []
    for start in range(0, 200, 5):
        batch = np.arange(start, start + 5, dtype=np.float64)
        assert ring.push_many(batch) == 5
        expected.extend(batch)
        received.extend(ring.pop_many(5))
    received.extend(ring.pop_many(100))
    assert received == expected


@pytest.mark.parametrize("ring_type", RINGS)
def test_trade_tick_records(ring_type):
    ring = ring_type(16, TRADE_TICK_DTYPE)
    ticks = np.zeros(3, dtype=TRADE_TICK_DTYPE)
    ticks["ts_ns"] = [1_000, 2_000, 3_000]
    ticks["price"] = [42_000.5, 42_001.0, 41_999.5]
    ticks["size"] = [0.1, 0.25, 2.0]
    ticks["trade_id"] = [11, 12, 13]
    ticks["aggressor"] = [1, 2, 1]
    assert ring.push_many(ticks) == 3
    assert ring.push((4_000, 42_000.0, 1.0, 14, 0, 2))
    out = ring.pop_many(10)
    assert out.dtype == TRADE_TICK_DTYPE
    np.testing.assert_array_equal(out[:3], ticks)
    assert out[3]["trade_id"] == 14
    assert ring.push(ticks[0])
    assert ring.pop() == ticks[0]


def test_pop_many_returns_an_empty_array_when_empty():
    out = SpscRing(8, np.int64).pop_many(5)
    assert out.dtype == np.int64
    assert out.shape == (0,)


def test_pop_many_waits_for_the_first_item():
    ring = SpscRing(8, np.int64)
    timer = threading.Timer(0.05, ring.push, args=(5,))
    timer.start()
    out = ring.pop_many(4, timeout=5.0)
    timer.join()
    assert out.tolist() == [5]


def test_pop_many_timeout_returns_empty_when_nothing_arrives():
    assert SpscRing(8).pop_many(4, timeout=0.01).size == 0


def test_block_policy_waits_for_the_consumer():
    ring = SpscRing(4, np.int64, overflow="block")
    items = np.arange(1000, dtype=np.int64)
    received: list[int] = []

    def consume():
        while len(received) < items.size:
            received.extend(ring.pop_many(3, timeout=1.0).tolist())

    consumer = threading.Thread(target=consume)
    consumer.start()
    assert ring.push_many(items) == items.size
    consumer.join()
    assert received == items.tolist()
    assert ring.statistics().rejected == 0


def test_close_releases_a_blocked_producer_and_counts_the_rest():
    ring = SpscRing(2, np.int64, overflow="block")
    threading.Timer(0.05, ring.close).start()
    assert ring.push_many(np.arange(5, dtype=np.int64)) == 2
    assert ring.closed
    stats = ring.statistics()
    assert (stats.pushed, stats.rejected) == (2, 3)
    assert ring.pop_many(10).tolist() == [0, 1]


def test_drop_oldest_keeps_the_newest_items():
    ring = MpmcRing(4, np.int64, overflow="drop_oldest")
    assert ring.push_many(np.arange(10, dtype=np.int64)) == 10
    assert ring.push(10)
    assert ring.pop_many(10).tolist() == [7, 8, 9, 10]
    stats = ring.statistics()
    assert (stats.pushed, stats.dropped, stats.rejected) == (11, 7, 0)


def test_overflow_policy_is_reported():
    assert SpscRing(4).overflow == "reject"
    assert MpmcRing(4, overflow="drop_oldest").overflow == "drop_oldest"


@pytest.mark.parametrize("ring_type", RINGS)
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"capacity": 0}, ValueError, "capacity must be at least 1, got 0"),
        ({"capacity": -3}, ValueError, "capacity must be at least 1, got -3"),
        ({"capacity": 2.5}, TypeError, "capacity must be an int, got float"),
        ({"capacity": 2**41}, ValueError, "capacity must be at most 2^40"),
        ({"capacity": 8, "dtype": np.int32}, TypeError, "dtype must be float64, int64"),
        ({"capacity": 8, "overflow": "spill"}, ValueError, "overflow must be 'reject'"),
    ],
)
def test_bad_construction_is_rejected(ring_type, kwargs, error, message):
    with pytest.raises(error, match=message.replace("^", r"\^")):
        ring_type(**kwargs)


def test_drop_oldest_needs_a_multi_consumer_ring():
    with pytest.raises(ValueError, match="drop_oldest"):
        SpscRing(8, overflow="drop_oldest")


@pytest.mark.parametrize("ring_type", RINGS)
def test_bad_batches_are_rejected_and_change_nothing(ring_type):
    ring = ring_type(8, np.float64)
    with pytest.raises(TypeError, match="items must have dtype float64, got int64"):
        ring.push_many(np.arange(3, dtype=np.int64))
    with pytest.raises(TypeError, match="items must be a numpy array, got list"):
        ring.push_many([1.0, 2.0])
    with pytest.raises(ValueError, match="C-contiguous"):
        ring.push_many(np.arange(10.0)[::2])
    with pytest.raises(ValueError, match="one-dimensional, got ndim=2"):
        ring.push_many(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="value must be a float for a float64 ring, got str"):
        ring.push("1.0")
    with pytest.raises(ValueError, match="max_items must be at least 0, got -1"):
        ring.pop_many(-1)
    with pytest.raises(ValueError, match="timeout must be a finite number"):
        ring.pop_many(1, timeout=float("nan"))
    assert len(ring) == 0
    stats = ring.statistics()
    assert (stats.pushed, stats.rejected, stats.popped) == (0, 0, 0)


def test_int_ring_rejects_bools_and_floats():
    ring = MpmcRing(8, np.int64)
    with pytest.raises(TypeError, match="value must be an int for an int64 ring, got bool"):
        ring.push(True)
    with pytest.raises(TypeError, match="got float"):
        ring.push(1.0)
    with pytest.raises(OverflowError):
        ring.push(2**63)
    assert len(ring) == 0


def test_trade_tick_ring_rejects_malformed_records():
    ring = SpscRing(8, TRADE_TICK_DTYPE)
    with pytest.raises(TypeError, match="TRADE_TICK_DTYPE record or a tuple of its fields"):
        ring.push((1, 2.0))
    assert len(ring) == 0


def test_python_threads_move_a_million_items_through_spsc():
    total = 1_000_000
    ring = SpscRing(4096, np.int64, overflow="block")
    chunks: list[np.ndarray] = []

    def consume():
        received = 0
        while received < total:
            chunk = ring.pop_many(8192, timeout=1.0)
            chunks.append(chunk)
            received += chunk.size

    consumer = threading.Thread(target=consume)
    consumer.start()
    for start in range(0, total, 10_000):
        assert ring.push_many(np.arange(start, start + 10_000, dtype=np.int64)) == 10_000
    consumer.join()
    np.testing.assert_array_equal(np.concatenate(chunks), np.arange(total))
    stats = ring.statistics()
    assert (stats.pushed, stats.popped, stats.rejected) == (total, total, 0)


def test_python_threads_share_an_mpmc_ring_exactly_once():
    per_producer = 200_000
    ring = MpmcRing(1024, np.int64, overflow="block")
    received: list[np.ndarray] = [np.empty(0, np.int64)] * 2
    done = threading.Event()

    def produce(base: int):
        for start in range(0, per_producer, 5_000):
            items = np.arange(base + start, base + start + 5_000, dtype=np.int64)
            assert ring.push_many(items) == items.size

    def consume(slot: int):
        parts = []
        while not (done.is_set() and len(ring) == 0):
            parts.append(ring.pop_many(4096, timeout=0.01))
        received[slot] = np.concatenate(parts)

    producers = [threading.Thread(target=produce, args=(b,)) for b in (0, 10**9)]
    consumers = [threading.Thread(target=consume, args=(s,)) for s in (0, 1)]
    for t in producers + consumers:
        t.start()
    for t in producers:
        t.join()
    done.set()
    for t in consumers:
        t.join()
    everything = np.sort(np.concatenate(received))
    expected = np.concatenate([np.arange(per_producer), 10**9 + np.arange(per_producer)])
    np.testing.assert_array_equal(everything, expected)
    for part in received:  # each producer's items reach each consumer in order
        for base in (0, 10**9):
            mine = part[(part >= base) & (part < base + per_producer)]
            assert np.all(np.diff(mine) > 0)
