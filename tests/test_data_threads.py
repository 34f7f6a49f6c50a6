"""The engine thread: producer rings, a C++ file-replay feed, Python publishers, stop()."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphaforge.data import (
    TRADE_TICK_DTYPE,
    Bar,
    DataEngine,
    DataEngineConfig,
    TradeTick,
    aggregate_bars,
    load_parquet,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def trades() -> pd.DataFrame:
    return load_parquet(
        DATA / "btcusdt-trades.parquet", columns={"timestamp": "ts_ns", "quantity": "size"}
    )


def test_replay_feed_runs_on_a_cpp_thread(trades: pd.DataFrame, tmp_path: Path) -> None:
    records = np.zeros(len(trades), dtype=TRADE_TICK_DTYPE)
    records["ts_ns"] = trades["ts_ns"]
    records["price"] = trades["price"]
    records["size"] = trades["size"]
    records["trade_id"] = trades["trade_id"]
    path = tmp_path / "btcusdt.ticks"
    records.tofile(path)

    engine = DataEngine()
    bars: list[Bar] = []
    engine.subscribe_bars("BTCUSDT", "1s", bars.append)
    engine.add_replay_feed(str(path), ["BTCUSDT"])
    engine.start()
    assert engine.running
    assert engine.wait_until_drained(timeout=30.0)
    engine.stop()
    assert not engine.running

    expected = aggregate_bars(trades["ts_ns"], trades["price"], trades["size"], "1s")
    assert [b.ts_open_ns for b in bars] == list(expected.index.asi8)
    assert [b.close for b in bars] == list(expected["close"])
    stats = engine.statistics()
    assert stats.ticks_processed == len(trades)
    assert stats.dropped == 0
    assert stats.rejected == 0
    assert 0 < stats.queue_high_water <= engine.config.ring_capacity
    assert engine.last_price("BTCUSDT") == trades["price"].iloc[-1]


def test_replay_file_must_hold_whole_records(tmp_path: Path) -> None:
    path = tmp_path / "bad.ticks"
    path.write_bytes(b"\0" * 7)
    engine = DataEngine()
    with pytest.raises(ValueError, match="not a whole number of 40-byte TradeTick records"):
        engine.add_replay_feed(str(path), ["X"])
    with pytest.raises(ValueError, match="cannot open replay file"):
        engine.add_replay_feed(str(tmp_path / "missing"), ["X"])


def test_python_threads_publish_through_a_shared_ring() -> None:
    engine = DataEngine(DataEngineConfig(ring_capacity=1024))
    counts: dict[str, int] = {"A": 0, "B": 0}
    seen_threads: set[int] = set()

    def count(trade: TradeTick) -> None:
        counts[trade.symbol] += 1
        seen_threads.add(threading.get_ident())

    engine.subscribe_trades("A", count)
    engine.subscribe_trades("B", count)
    publisher = engine.publisher()
    engine.start()
    n = 20_000

    def produce(symbol: str) -> None:
        for start in range(0, n, 1000):
            ts = np.arange(start, start + 1000, dtype=np.int64)
            assert publisher.publish_trades(symbol, ts, np.full(1000, 2.0), np.ones(1000)) == 1000

    threads = [threading.Thread(target=produce, args=(s,)) for s in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert engine.wait_until_drained(timeout=30.0)
    engine.stop()
    assert counts == {"A": n, "B": n}
    assert threading.get_ident() not in seen_threads, "handlers ran on the engine thread"
    assert publisher.published == 2 * n
    assert engine.statistics().rejected == 0


def test_direct_calls_while_running_are_handed_to_the_engine_thread() -> None:
    engine = DataEngine()
    seen: list[tuple[float, int]] = []
    engine.subscribe_trades("X", lambda t: seen.append((t.price, threading.get_ident())))
    engine.start()
    try:
        for i in range(1, 501):
            engine.process_trade("X", float(i), 1.0, i)
        engine.process_trades("X", [501, 502], [501.0, 502.0], [1.0, 1.0])
        with pytest.raises(ValueError, match="price"):
            engine.process_trade("X", -1.0, 1.0, 600)
        with pytest.raises(RuntimeError, match="not allowed while the engine thread runs"):
            engine.subscribe_bars("X", "1s", print)
        assert engine.wait_until_drained(timeout=30.0)
    finally:
        engine.stop()
    assert [p for p, _ in seen] == [float(i) for i in range(1, 503)]
    assert {t for _, t in seen} != {threading.get_ident()}
    assert engine.statistics().ticks_processed == 502
    engine.process_trade("X", 1.0, 1.0, 1000)
    assert engine.last_price("X") == 1.0


def test_stop_flushes_open_bars() -> None:
    engine = DataEngine()
    bars: list[Bar] = []
    engine.subscribe_bars("X", "1min", bars.append)
    publisher = engine.publisher()
    engine.start()
    publisher.publish_trades("X", [1, 2, 3], [1.0, 3.0, 2.0], [1.0, 1.0, 1.0])
    engine.stop()
    assert [(b.open, b.high, b.low, b.close, b.trade_count) for b in bars] == [
        (1.0, 3.0, 1.0, 2.0, 3)
    ]


def test_drop_policy_counts_what_did_not_fit() -> None:
    engine = DataEngine(DataEngineConfig(ring_capacity=8, overflow="drop"))
    publisher = engine.publisher()
    ts = np.arange(20, dtype=np.int64)
    # Not started: nothing drains the ring, so only its 8 slots are taken.
    assert publisher.publish_trades("X", ts, np.ones(20), np.ones(20)) == 8
    assert publisher.dropped == 12
    assert engine.statistics().dropped == 12
    engine.start()
    engine.stop()
    assert engine.statistics().ticks_processed == 8


def test_publisher_rejects_bad_batches_whole() -> None:
    engine = DataEngine()
    publisher = engine.publisher()
    with pytest.raises(ValueError, match=r"price\[1\] = nan"):
        publisher.publish_trades("X", [1, 2], [1.0, float("nan")], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"ts_ns\[1\] = 1: earlier than row 0"):
        publisher.publish_trades("X", [2, 1], [1.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="empty data"):
        publisher.publish_quotes("X", [], [], [], [], [])
    assert publisher.published == 0


def test_handler_errors_on_the_engine_thread_are_raised_by_stop() -> None:
    engine = DataEngine()

    def fail(trade: TradeTick) -> None:
        raise LookupError("handler failed")

    engine.subscribe_trades("X", fail)
    publisher = engine.publisher()
    engine.start()
    publisher.publish_trades("X", [1, 2], [1.0, 1.0], [1.0, 1.0])
    assert engine.wait_until_drained(timeout=10.0)
    with pytest.raises(LookupError, match="handler failed"):
        engine.stop()
    assert not engine.running
    assert engine.statistics().handler_errors == 2
    assert engine.statistics().ticks_processed == 2


def test_engine_can_restart_and_quotes_flow_through_rings() -> None:
    engine = DataEngine()
    publisher = engine.publisher()
    for round_ in range(2):
        engine.start()
        ts = np.array([10 * round_ + 1, 10 * round_ + 2], dtype=np.int64)
        q = np.array([1.0, 1.0])
        publisher.publish_quotes("EURUSD", ts, [1.1, 1.2], [1.3, 1.3], q, q)
        engine.stop()
    quote = engine.best_quote("EURUSD")
    assert quote is not None
    assert (quote.bid, quote.ts_ns) == (1.2, 12)
    assert engine.statistics().quotes_processed == 4
