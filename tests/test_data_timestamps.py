"""Epoch numbers: the unit from the magnitude, mixtures refused, implausible starts warned, at
every place times enter (loaders, the catalog, the backtest engine)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from alphaforge.data import DataCatalog, from_dataframe, load_csv, load_parquet
from alphaforge.data.notices import TimestampWarning
from alphaforge.data.timestamps import infer_unit, read_times, time_to_ns, to_epoch_ns

DATA = Path(__file__).parent / "data"
PER_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


@pytest.fixture(scope="module")
def trade_ns() -> np.ndarray:
    """Real Binance trade times as nanoseconds, straight from the Parquet timestamp type."""
    raw = pd.read_parquet(DATA / "btcusdt-trades.parquet")
    ns: np.ndarray = pd.DatetimeIndex(raw["timestamp"]).as_unit("ns").asi8
    return ns


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_each_unit_is_read_from_the_magnitude(trade_ns: np.ndarray, unit: str) -> None:
    numbers = trade_ns // PER_NS[unit]
    assert infer_unit(numbers, "t") == unit
    np.testing.assert_array_equal(read_times(numbers, "t"), numbers * PER_NS[unit])


def test_every_time_from_march_1973_to_2262_is_read_right_in_every_unit() -> None:
    low = pd.Timestamp("1973-03-04", tz="UTC").value
    high = pd.Timestamp("2262-04-11", tz="UTC").value
    instants = np.random.default_rng(7).integers(low, high, 20_000) // 10**9 * 10**9
    instants = np.r_[low, instants, high]
    for unit, per in PER_NS.items():
        for value in (instants[:1], instants[-1:], instants[1:-1:997]):
            assert infer_unit(value // per, "t") == unit
        np.testing.assert_array_equal(to_epoch_ns(instants // per, "t", unit=None), instants)


def test_the_boundaries_are_the_documented_magnitudes() -> None:
    assert infer_unit(np.array([99_999_999_999]), "t") == "s"
    assert infer_unit(np.array([100_000_000_000]), "t") == "ms"
    assert infer_unit(np.array([99_999_999_999_999]), "t") == "ms"
    assert infer_unit(np.array([100_000_000_000_000]), "t") == "us"
    assert infer_unit(np.array([10**17 - 1]), "t") == "us"
    assert infer_unit(np.array([10**17]), "t") == "ns"
    # Before 1970 the magnitude decides the same way.
    ns_1960 = pd.Timestamp("1960-01-01", tz="UTC").value
    assert infer_unit(np.array([ns_1960 // 10**6]), "t") == "ms"


def test_an_explicit_unit_is_obeyed() -> None:
    ms = np.array([1_609_459_200_000, 1_609_459_260_000])
    np.testing.assert_array_equal(read_times(ms, "t", unit="ms"), ms * 10**6)
    # Told microseconds, the same numbers are read so, and the 1970 start is pointed out.
    with pytest.warns(TimestampWarning, match=r"ts_unit='us'"):
        got = read_times(ms, "t", unit="us")
    np.testing.assert_array_equal(got, ms * 10**3)
    with pytest.raises(ValueError, match="ts_unit must be one of"):
        read_times(ms, "t", unit="minutes")


def test_a_mixture_names_the_column_the_units_and_rows() -> None:
    # Binance's spot archive went from milliseconds to microseconds on 2025-01-01.
    open_time = np.array([1_735_689_480_000, 1_735_689_540_000, 1_735_689_600_000_000])
    with pytest.raises(ValueError, match="more than one unit") as caught:
        read_times(open_time, "open_time")
    text = str(caught.value)
    assert text.startswith("open_time: epoch numbers of more than one unit")
    assert "milliseconds in 2 rows (row 0: 1735689480000, row 1: 1735689540000)" in text
    assert "microseconds in 1 row (row 2: 1735689600000000)" in text
    assert "give ts_unit" in text


def test_data_before_1980_warns_and_names_the_caller() -> None:
    with pytest.warns(TimestampWarning) as caught:
        read_times(np.array([1, 2, 3]), "ts_ns")
    (warning,) = caught.list
    assert "ts_ns starts at 1970-01-01T00:00:01Z (row 0), before 1980" in str(warning.message)
    assert "read as seconds (inferred from their magnitude)" in str(warning.message)
    assert warning.filename == __file__


def test_datetimes_from_before_1980_are_history_not_a_unit_mistake() -> None:
    stamps = pd.Series(pd.to_datetime(["1975-01-02", "1975-01-03"]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = read_times(stamps, "date")
    assert list(got) == [pd.Timestamp("1975-01-02", tz="UTC").value, stamps[1].value]


def test_float_epochs_are_read_to_the_nanosecond_a_float_resolves() -> None:
    got = read_times(np.array([1_609_459_200.25, 1_609_459_200.5]), "t")
    assert list(got) == [1_609_459_200_250_000_000, 1_609_459_200_500_000_000]
    got = read_times(np.array([1_609_459_200_123.0]), "t")
    assert list(got) == [1_609_459_200_123_000_000]
    with pytest.raises(TypeError, match=r"t holds floats .* nanoseconds"):
        read_times(np.array([1.609e18]), "t")
    with pytest.raises(ValueError, match=r"t\[1\] = nan: not a finite timestamp"):
        read_times(np.array([1.6e9, np.nan]), "t")


def test_epoch_numbers_as_text() -> None:
    got = read_times(pd.Series(["1609459200000", " 1609459260000"]), "time")
    assert list(got) == [1_609_459_200_000_000_000, 1_609_459_260_000_000_000]


def test_date_texts_in_one_format_other_than_iso() -> None:
    got = read_times(pd.Series(["20130101 22:00:00.295", "20130101 22:02:35.907"]), "time")
    assert list(got) == [
        pd.Timestamp("2013-01-01 22:00:00.295", tz="UTC").value,
        pd.Timestamp("2013-01-01 22:02:35.907", tz="UTC").value,
    ]
    with pytest.raises(ValueError, match=r"time\[1\] = 'later': not a timestamp"):
        read_times(pd.Series(["20130101 22:00:00.295", "later"]), "time")


def test_a_unit_that_overflows_nanoseconds_is_named() -> None:
    # Milliseconds of 1971 look like seconds of the year 3000.
    with pytest.raises(ValueError, match=r"t\[0\] = 32000000000 read as seconds .* past 2262"):
        read_times(np.array([32_000_000_000]), "t")


def test_to_epoch_ns_keeps_nanoseconds_by_default() -> None:
    assert list(to_epoch_ns(np.array([1, 2]), "ts_ns")) == [1, 2]


def test_a_point_in_time_given_as_an_integer() -> None:
    expected = pd.Timestamp("2021-01-08 00:00:10", tz="UTC").value
    for unit, per in PER_NS.items():
        assert time_to_ns(expected // per, "start") == expected, unit


def ms_trades(trade_ns: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {"time": trade_ns // 10**6, "price": np.linspace(100.0, 101.0, len(trade_ns)), "qty": 1.0}
    )


def test_loaders_read_milliseconds_from_csv_and_parquet(
    trade_ns: np.ndarray, tmp_path: Path
) -> None:
    frame = ms_trades(trade_ns)
    expected = trade_ns // 10**6 * 10**6
    mapping = {"time": "ts_ns", "qty": "size"}
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_parquet(tmp_path / "t.parquet")
    for loaded in (
        load_csv(tmp_path / "t.csv", columns=mapping),
        load_parquet(tmp_path / "t.parquet", columns=mapping),
        from_dataframe(frame, columns=mapping),
    ):
        np.testing.assert_array_equal(loaded["ts_ns"], expected)
    with pytest.warns(TimestampWarning, match=r"time starts at 1970.*ts_unit='ns'"):
        load_csv(tmp_path / "t.csv", columns=mapping, ts_unit="ns")


def test_the_catalog_stores_milliseconds_as_nanoseconds(
    trade_ns: np.ndarray, tmp_path: Path
) -> None:
    frame = ms_trades(trade_ns).rename(columns={"time": "ts_ns", "qty": "size"})
    catalog = DataCatalog(tmp_path)
    catalog.write_trades("BTCUSDT", frame)
    assert catalog.dates("trades", "BTCUSDT") == ["2021-01-08"]
    back = catalog.read("trades", "BTCUSDT")
    np.testing.assert_array_equal(back["ts_ns"], trade_ns // 10**6 * 10**6)
    start_ms = int(trade_ns[100] // 10**6)
    expected = int((trade_ns // 10**6 >= start_ms).sum())
    assert len(catalog.read("trades", "BTCUSDT", start=start_ms)) == expected


class Recorder(af.Strategy):
    """Keeps the time of every trade, quote and bar it is given."""

    def __init__(self, symbol: str, bars: bool) -> None:
        super().__init__()
        self.symbol, self.bars = symbol, bars
        self.seen: list[int] = []

    def on_start(self) -> None:
        if self.bars:
            self.subscribe_bars(self.symbol)
        else:
            self.subscribe_trades(self.symbol)

    def on_trade(self, trade: object) -> None:
        self.seen.append(int(trade.ts_ns))  # type: ignore[attr-defined]

    def on_bar(self, bar: object) -> None:
        self.seen.append(int(bar.ts))  # type: ignore[attr-defined]


def test_the_engine_reads_milliseconds_from_a_column_or_an_integer_index(
    trade_ns: np.ndarray,
) -> None:
    frame = ms_trades(trade_ns).rename(columns={"time": "ts_ns", "qty": "size"})
    for given in (frame, frame.set_index("ts_ns")):
        engine = af.BacktestEngine()
        engine.add_trades("BTCUSDT", given)
        strategy = Recorder("BTCUSDT", bars=False)
        engine.add_strategy(strategy)
        engine.run()
        assert strategy.seen == list(trade_ns // 10**6 * 10**6)


def test_the_engine_reads_seconds_of_daily_bars() -> None:
    days = pd.date_range("2024-01-02", periods=5, freq="D", tz="UTC")
    bars = pd.DataFrame(
        {
            "ts_ns": days.as_unit("s").asi8,
            "open": 10.0,
            "high": 11.0,
            "low": 9.0,
            "close": 10.5,
            "volume": 100.0,
        }
    )
    engine = af.BacktestEngine()
    engine.add_bars("X", bars)
    strategy = Recorder("X", bars=True)
    engine.add_strategy(strategy)
    engine.run()
    assert strategy.seen == list(days.as_unit("ns").asi8)
