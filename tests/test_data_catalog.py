"""DataCatalog: Parquet round trips, partitions by symbol and date, ranges and streaming."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphaforge.data import DataCatalog, load_parquet

DATA = Path(__file__).parent / "data"
DAY = 86_400_000_000_000
HOUR = 3_600_000_000_000


@pytest.fixture(scope="module")
def trades() -> pd.DataFrame:
    return load_parquet(
        DATA / "btcusdt-trades.parquet", columns={"timestamp": "ts_ns", "quantity": "size"}
    )


def three_days() -> pd.DataFrame:
    start = pd.Timestamp("2024-01-01", tz="UTC").value
    ts = start + np.arange(72) * HOUR + 1
    return pd.DataFrame({"ts_ns": ts, "price": np.arange(72) + 100.0, "size": np.ones(72)})


def test_round_trip_of_real_trades(trades: pd.DataFrame, tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path)
    assert catalog.write_trades("BTCUSDT", trades) == len(trades)
    back = catalog.read("trades", "BTCUSDT")
    pd.testing.assert_frame_equal(back, trades)
    assert catalog.symbols("trades") == ["BTCUSDT"]
    assert catalog.dates("trades", "BTCUSDT") == ["2021-01-08"]
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet"))
    assert files == ["trades/symbol=BTCUSDT/date=2021-01-08/part-0.parquet"]


def test_partitions_by_date_and_queries_by_range(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path)
    data = three_days()
    catalog.write_trades("ETH/USDT", data)
    catalog.write_trades("BTCUSDT", data.assign(price=data["price"] * 10))
    assert catalog.symbols("trades") == ["BTCUSDT", "ETH/USDT"]
    assert catalog.dates("trades", "ETH/USDT") == ["2024-01-01", "2024-01-02", "2024-01-03"]
    part = catalog.read("trades", "ETH/USDT", start="2024-01-01 23:00", end="2024-01-03 01:00")
    expected = data[(data["ts_ns"] >= data["ts_ns"][23] - 1) & (data["ts_ns"] < data["ts_ns"][49])]
    pd.testing.assert_frame_equal(part, expected.reset_index(drop=True))
    assert catalog.read("trades", "ETH/USDT", start=data["ts_ns"][5], end=data["ts_ns"][5]).empty
    assert catalog.read("trades", "NOPE").empty
    assert catalog.read("quotes", "ETH/USDT").empty


def test_streams_in_order_in_bounded_chunks(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path)
    data = three_days()
    catalog.write_trades("X", data)
    chunks = list(catalog.iter_batches("trades", "X", batch_rows=5))
    assert all(len(c) <= 5 for c in chunks)
    assert len(chunks) >= 72 // 5
    streamed = pd.concat(chunks, ignore_index=True)
    pd.testing.assert_frame_equal(streamed, data)


def test_append_merges_and_overwrite_replaces(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path)
    data = three_days()
    catalog.write_trades("X", data.iloc[::2])
    catalog.write_trades("X", data.iloc[1::2])
    pd.testing.assert_frame_equal(catalog.read("trades", "X"), data)
    catalog.write_trades("X", data.iloc[:3], mode="overwrite")
    back = catalog.read("trades", "X")
    # Only the first day was rewritten; the other days are untouched.
    assert len(back) == 3 + 48
    assert list(back["ts_ns"][:3]) == list(data["ts_ns"][:3])


def test_quotes_round_trip(tmp_path: Path) -> None:
    quotes = load_parquet(DATA / "btcusdt-quotes.parquet", "quotes", columns={"timestamp": "ts_ns"})
    catalog = DataCatalog(tmp_path)
    catalog.write_quotes("BTCUSDT", quotes)
    back = catalog.read("quotes", "BTCUSDT")
    pd.testing.assert_frame_equal(back, quotes.drop(columns=["symbol"]))


def test_bad_writes_store_nothing(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path)
    data = three_days()
    data.loc[40, "price"] = np.nan
    with pytest.raises(ValueError, match=r"price\[40\] = nan"):
        catalog.write_trades("X", data)
    with pytest.raises(ValueError, match="symbol must be a non-empty string"):
        catalog.write_trades("", three_days())
    with pytest.raises(ValueError, match="mode must be"):
        catalog.write_trades("X", three_days(), mode="upsert")  # type: ignore[arg-type]
    assert not any(tmp_path.rglob("*.parquet"))
    with pytest.raises(ValueError, match="batch_rows must be a positive int"):
        list(catalog.iter_batches("trades", "X", batch_rows=0))
    with pytest.raises(ValueError, match=r"end .* is before start"):
        catalog.read("trades", "X", start="2024-01-02", end="2024-01-01")
    with pytest.raises(ValueError, match="not a point in time"):
        catalog.read("trades", "X", start="yesterday-ish")
