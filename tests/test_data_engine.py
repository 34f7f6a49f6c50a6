"""DataEngine driven from Python on the calling thread: applied before return, all or nothing."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaforge.data import (
    AggressorSide,
    Bar,
    BarSpec,
    DataEngine,
    DataEngineConfig,
    QuoteTick,
    TradeTick,
    aggregate_bars,
    load_parquet,
)

DATA = Path(__file__).parent / "data"
SECOND = 1_000_000_000


@pytest.fixture(scope="module")
def trades() -> pd.DataFrame:
    return load_parquet(
        DATA / "btcusdt-trades.parquet", columns={"timestamp": "ts_ns", "quantity": "size"}
    )


def bar_rows(bars: list[Bar]) -> list[tuple[int, float, float, float, float, int]]:
    return [(b.ts_open_ns, b.open, b.high, b.low, b.close, b.trade_count) for b in bars]


def frame_rows(frame: pd.DataFrame) -> list[tuple[int, float, float, float, float, int]]:
    cols = frame[["open", "high", "low", "close", "trade_count"]].itertuples(index=False)
    return [(int(ts), *row) for ts, row in zip(frame.index.asi8, cols, strict=True)]


@pytest.mark.parametrize("spec", ["1s", "5s", "25tick", "3.5volume"])
def test_streamed_bars_equal_the_vectorised_path(trades: pd.DataFrame, spec: str) -> None:
    engine = DataEngine()
    bars: list[Bar] = []
    engine.subscribe_bars("BTCUSDT", spec, bars.append)
    for ts, price, size in zip(trades["ts_ns"], trades["price"], trades["size"], strict=True):
        engine.process_trade("BTCUSDT", price, size, int(ts))
    engine.flush()
    expected = aggregate_bars(trades["ts_ns"], trades["price"], trades["size"], spec)
    assert bar_rows(bars) == frame_rows(expected)
    assert all(b.symbol == "BTCUSDT" and b.spec == BarSpec(spec) for b in bars)
    assert engine.statistics().bars_emitted == len(bars)


def test_batches_equal_single_ticks(trades: pd.DataFrame) -> None:
    single, batched = DataEngine(), DataEngine()
    a: list[Bar] = []
    b: list[Bar] = []
    single.subscribe_bars("X", "1s", a.append)
    batched.subscribe_bars("X", "1s", b.append)
    for ts, price, size in zip(trades["ts_ns"], trades["price"], trades["size"], strict=True):
        single.process_trade("X", price, size, int(ts))
    half = len(trades) // 2
    for part in (trades.iloc[:half], trades.iloc[half:]):
        batched.process_trades(
            "X", part["ts_ns"], part["price"], part["size"], part["aggressor"], part["trade_id"]
        )
    assert bar_rows(a) == bar_rows(b)
    last = batched.last_trade("X")
    assert last is not None
    assert last.price == trades["price"].iloc[-1]
    assert last.ts_ns == trades["ts_ns"].iloc[-1]
    assert batched.statistics().ticks_processed == len(trades)


def test_a_trade_is_applied_before_process_trade_returns() -> None:
    engine = DataEngine()
    seen: list[TradeTick] = []
    bars: list[Bar] = []
    engine.subscribe_trades("ETH", seen.append)
    engine.subscribe_bars("ETH", "1s", bars.append)
    assert engine.last_price("ETH") is None
    engine.process_trade("ETH", 100.0, 2.0, 5)
    assert engine.last_price("ETH") == 100.0
    assert len(seen) == 1
    assert seen[0].symbol == "ETH"
    assert seen[0].size == 2.0
    assert bars == []
    engine.process_trade("ETH", 101.0, 1.0, SECOND)
    assert [(b.open, b.close, b.volume) for b in bars] == [(100.0, 100.0, 2.0)]


def test_default_timestamp_is_the_wall_clock() -> None:
    engine = DataEngine()
    before = pd.Timestamp.now("UTC").value
    engine.process_trade("X", 1.0, 1.0)
    last = engine.last_trade("X")
    assert last is not None
    assert before <= last.ts_ns <= pd.Timestamp.now("UTC").value


def test_quotes_keep_best_bid_and_ask() -> None:
    engine = DataEngine()
    seen: list[QuoteTick] = []
    engine.subscribe_quotes("EURUSD", seen.append)
    engine.process_quote("EURUSD", 1.1, 1.2, 5.0, 6.0, 10)
    ts = np.array([11, 12], dtype=np.int64)
    engine.process_quotes("EURUSD", ts, [1.11, 1.12], [1.13, 1.14], [1.0, 2.0], [3.0, 4.0])
    quote = engine.best_quote("EURUSD")
    assert quote is not None
    assert (quote.bid, quote.ask, quote.bid_size, quote.ask_size, quote.ts_ns) == (
        1.12,
        1.14,
        2.0,
        4.0,
        12,
    )
    assert quote.mid == pytest.approx(1.13)
    assert len(seen) == 3
    assert engine.statistics().quotes_processed == 3
    assert engine.best_quote("NOPE") is None


def test_gaps_in_subscriptions_only_when_asked() -> None:
    engine = DataEngine()
    plain: list[Bar] = []
    filled: list[Bar] = []
    engine.subscribe_bars("X", "1s", plain.append)
    engine.subscribe_bars("X", "1s", filled.append, fill_gaps=True)
    engine.process_trade("X", 10.0, 1.0, 0)
    engine.process_trade("X", 12.0, 1.0, 4 * SECOND)
    engine.flush()
    assert [b.ts_open_ns for b in plain] == [0, 4 * SECOND]
    assert [b.ts_open_ns for b in filled] == [0, SECOND, 2 * SECOND, 3 * SECOND, 4 * SECOND]
    assert all(b.close == 10.0 and b.volume == 0.0 for b in filled[1:4])


def test_unsubscribe_stops_delivery() -> None:
    engine = DataEngine()
    seen: list[TradeTick] = []
    sub = engine.subscribe_trades("X", seen.append)
    engine.process_trade("X", 1.0, 1.0, 1)
    assert engine.unsubscribe(sub)
    assert not engine.unsubscribe(sub)
    engine.process_trade("X", 1.0, 1.0, 2)
    assert len(seen) == 1


def test_rejected_trades_leave_the_engine_unchanged() -> None:
    engine = DataEngine()
    bars: list[Bar] = []
    engine.subscribe_bars("X", BarSpec.ticks(1), bars.append)
    engine.process_trade("X", 10.0, 1.0, 1000)
    cases = [
        ((math.nan, 1.0, 2000), r"price\[0\] = nan"),
        ((-1.0, 1.0, 2000), r"price\[0\] = -1"),
        ((0.0, 1.0, 2000), r"price\[0\] = 0"),
        ((1.0, math.inf, 2000), r"size\[0\] = inf"),
        ((1.0, -2.0, 2000), r"size\[0\] = -2"),
        ((1.0, 1.0, 999), r"earlier than the last trade of this symbol \(1000\)"),
    ]
    for (price, size, ts), message in cases:
        with pytest.raises(ValueError, match=message):
            engine.process_trade("X", price, size, ts)
    with pytest.raises(TypeError, match="price must be a number, got str"):
        engine.process_trade("X", "1.0", 1.0, 2000)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="symbol must be a str, got int"):
        engine.process_trade(7, 1.0, 1.0, 2000)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ts_ns must be an int"):
        engine.process_trade("X", 1.0, 1.0, 1.5)  # type: ignore[arg-type]
    assert len(bars) == 1
    assert engine.last_price("X") == 10.0
    assert engine.statistics().ticks_processed == 1


def test_rejected_data_for_a_new_symbol_leaves_no_symbol_behind() -> None:
    engine = DataEngine()
    with pytest.raises(ValueError, match=r"price\[0\] = nan"):
        engine.process_trade("NEW", math.nan, 1.0, 1)
    with pytest.raises(ValueError, match=r"bid\[0\] = 2"):
        engine.process_quote("NEWQ", 2.0, 1.0, 1.0, 1.0, 1)
    with pytest.raises(ValueError, match=r"size\[1\] = 0"):
        engine.process_trades("NEWB", [1, 2], [1.0, 1.0], [1.0, 0.0])
    assert engine.symbols() == []


def test_rejected_batches_apply_nothing() -> None:
    engine = DataEngine()
    bars: list[Bar] = []
    engine.subscribe_bars("X", BarSpec.ticks(1), bars.append)
    ts = np.array([1, 2, 3], dtype=np.int64)
    ok = np.array([1.0, 2.0, 3.0])
    cases = [
        ((ts, [1.0, 2.0, math.nan], ok), ValueError, r"price\[2\] = nan"),
        ((ts, ok, [1.0, -1.0, 1.0]), ValueError, r"size\[1\] = -1"),
        (([1, 3, 2], ok, ok), ValueError, r"ts_ns\[2\] = 2: earlier than row 1"),
        (([], [], []), ValueError, "empty data"),
        ((ts, ok[:2], ok), ValueError, "price has 2 rows, ts_ns has 3"),
        ((ts, ok, ok, [1, 2, 7]), ValueError, r"aggressor\[2\] = 7"),
        ((ts.astype(float), ok, ok), TypeError, "ts_ns must hold int64"),
    ]
    for args, error, message in cases:
        with pytest.raises(error, match=message):
            engine.process_trades("X", *args)
    assert bars == []
    assert engine.last_trade("X") is None
    assert engine.statistics().ticks_processed == 0
    q = np.array([1.0, 1.0])
    with pytest.raises(ValueError, match=r"bid\[1\] = 2: above the ask 1 \(crossed quote\)"):
        engine.process_quotes("X", [1, 2], [1.0, 2.0], q, q, q)
    with pytest.raises(ValueError, match=r"ask_size\[0\] = -1"):
        engine.process_quotes("X", [1, 2], q, q, q, [-1.0, 1.0])
    assert engine.best_quote("X") is None


def test_datetime64_timestamps_are_accepted() -> None:
    engine = DataEngine()
    ts = pd.date_range("2024-01-01", periods=3, freq="s").to_numpy()
    engine.process_trades("X", ts, [1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
    last = engine.last_trade("X")
    assert last is not None
    assert last.ts_ns == pd.Timestamp("2024-01-01 00:00:02", tz="UTC").value


def test_handlers_cannot_feed_the_engine_they_listen_to() -> None:
    engine = DataEngine()

    def echo(trade: TradeTick) -> None:
        engine.process_trade("X", trade.price, trade.size, trade.ts_ns)

    engine.subscribe_trades("X", echo)
    with pytest.raises(RuntimeError, match="already processing"):
        engine.process_trade("X", 1.0, 1.0, 1)


def test_handler_exceptions_propagate_to_the_caller() -> None:
    engine = DataEngine()

    def fail(bar: Bar) -> None:
        raise KeyError("from the handler")

    engine.subscribe_bars("X", BarSpec.ticks(1), fail)
    with pytest.raises(KeyError, match="from the handler"):
        engine.process_trade("X", 1.0, 1.0, 1)


def test_records_validate_their_fields() -> None:
    trade = TradeTick("X", 1.5, 2.0, 10, AggressorSide.BUYER, 7)
    assert (trade.price, trade.size, trade.ts_ns, trade.trade_id) == (1.5, 2.0, 10, 7)
    assert trade.aggressor == AggressorSide.BUYER
    assert trade == TradeTick("X", 1.5, 2.0, 10, AggressorSide.BUYER, 7)
    with pytest.raises(ValueError, match="price = -1"):
        TradeTick("X", -1.0, 1.0, 0)
    with pytest.raises(ValueError, match=r"bid\[0\] = 2: above the ask"):
        QuoteTick("X", 2.0, 1.0, 1.0, 1.0, 0)
    bar = Bar("X", "1min", 0, 60 * SECOND, 1.0, 2.0, 0.5, 1.5, 10.0, 3)
    assert bar.spec == BarSpec("1min")
    with pytest.raises(ValueError, match="high = 1"):
        Bar("X", "1min", 0, 60 * SECOND, 1.0, 1.0, 0.5, 1.5, 10.0)
    with pytest.raises(ValueError, match="volume = -1"):
        Bar("X", "1min", 0, 60 * SECOND, 1.0, 2.0, 0.5, 1.5, -1.0)


def test_config_is_validated() -> None:
    config = DataEngineConfig(enable_statistics=False, ring_capacity=1024, overflow="drop")
    assert config.overflow == "drop"
    assert DataEngine(config).config.ring_capacity == 1024
    with pytest.raises(ValueError, match="overflow must be 'block' or 'drop', got 'lose'"):
        DataEngineConfig(overflow="lose")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ring_capacity must be at least 1, got 0"):
        DataEngineConfig(ring_capacity=0)
    with pytest.raises(TypeError, match="drain_batch must be an int"):
        DataEngineConfig(drain_batch=1.5)  # type: ignore[arg-type]


def test_statistics_without_timing() -> None:
    engine = DataEngine(DataEngineConfig(enable_statistics=False))
    engine.process_trades("X", np.arange(10), np.ones(10), np.ones(10))
    stats = engine.statistics()
    assert stats.ticks_processed == 10
    assert stats.ticks_per_second == 0.0
    assert set(stats.to_dict()) >= {
        "ticks_processed",
        "quotes_processed",
        "bars_emitted",
        "ticks_per_second",
        "queue_high_water",
        "dropped",
    }


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.integers(0, 3 * SECOND), min_size=1, max_size=200),
    seed=st.integers(0, 2**32 - 1),
    spec=st.sampled_from(["1s", "250ms", "3tick", "1tick", "2.5volume"]),
    fill_gaps=st.booleans(),
)
def test_streaming_equals_vectorised_on_random_streams(
    gaps: list[int], seed: int, spec: str, fill_gaps: bool
) -> None:
    rng = np.random.default_rng(seed)
    ts = np.cumsum(np.array(gaps, dtype=np.int64))
    price = rng.uniform(1.0, 2.0, len(ts))
    size = rng.uniform(0.1, 2.0, len(ts))
    engine = DataEngine()
    bars: list[Bar] = []
    engine.subscribe_bars("X", spec, bars.append, fill_gaps=fill_gaps)
    engine.process_trades("X", ts, price, size)
    engine.flush()
    expected = aggregate_bars(ts, price, size, spec, fill_gaps=fill_gaps)
    streamed = [
        (b.ts_open_ns, b.open, b.high, b.low, b.close, b.volume, b.trade_count) for b in bars
    ]
    columns = expected[["open", "high", "low", "close", "volume", "trade_count"]]
    vectorised = [
        (int(t), *row)
        for t, row in zip(expected.index.asi8, columns.itertuples(index=False), strict=True)
    ]
    assert streamed == vectorised
    assert sum(b.trade_count for b in bars) == len(ts)


def test_one_batch_has_a_rate() -> None:
    engine = DataEngine(DataEngineConfig(enable_statistics=True))
    engine.process_trades("X", np.arange(10_000), np.ones(10_000), np.ones(10_000))
    assert engine.statistics().ticks_per_second > 0.0
