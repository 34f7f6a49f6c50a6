"""DataCatalog depth: Parquet round trips of the real samples, and reads that replay."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphaforge.data import (
    DataCatalog,
    DepthGapWarning,
    check_depth_chain,
    load_binance_depth,
    load_bybit_depth,
)

DATA = Path(__file__).parent / "data"
HOUR = 3_600_000_000_000


@pytest.fixture(scope="module")
def bybit() -> pd.DataFrame:
    return load_bybit_depth(DATA / "bybit-xrpusdt-ob500.data.zip")


def message_starts(depth: pd.DataFrame) -> np.ndarray:
    return np.flatnonzero(np.r_[True, np.diff(depth["update_id"].to_numpy()) != 0])


def replayable(depth: pd.DataFrame) -> bool:
    kept = check_depth_chain(depth["update_id"], depth["prev_update_id"], depth["snapshot"])
    return bool(kept.all())


def test_round_trip_of_the_bybit_sample(bybit: pd.DataFrame, tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path)
    assert catalog.write_depth("XRPUSDT", bybit) == len(bybit)
    pd.testing.assert_frame_equal(catalog.read_depth("XRPUSDT"), bybit)
    assert catalog.symbols("depth") == ["XRPUSDT"]
    assert catalog.dates("depth", "XRPUSDT") == ["2024-12-01"]
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet"))
    assert files == ["depth/symbol=XRPUSDT/date=2024-12-01/part-0.parquet"]


def test_round_trip_of_the_binance_sample(tmp_path: Path) -> None:
    depth = load_binance_depth(
        DATA / "btcusdt-depth-snap.csv", DATA / "btcusdt-depth-update.csv", check_chain=False
    )
    catalog = DataCatalog(tmp_path)
    catalog.write_depth("BTCUSDT", depth)
    back = catalog.read_depth("BTCUSDT")
    pd.testing.assert_frame_equal(back, depth)
    # Stored as recorded, gap and all: the chain is checked where the rows are replayed.
    with pytest.warns(DepthGapWarning, match=r"1 gap\(s\) bridged"):
        kept = check_depth_chain(
            back["update_id"], back["prev_update_id"], back["snapshot"], bridge_gaps=True
        )
    assert kept.tolist() == back["snapshot"].tolist()


def test_a_time_range_read_starts_at_the_snapshot_before_it(
    bybit: pd.DataFrame, tmp_path: Path
) -> None:
    catalog = DataCatalog(tmp_path)
    catalog.write_depth("XRPUSDT", bybit)
    starts = message_starts(bybit)
    ts = bybit["ts"].to_numpy()
    start, end = int(ts[starts[10]]), int(ts[starts[20]])
    exact = catalog.read_depth("XRPUSDT", start, end, from_snapshot=False)
    expected = bybit[(bybit["ts"] >= start) & (bybit["ts"] < end)].reset_index(drop=True)
    pd.testing.assert_frame_equal(exact, expected)
    with pytest.raises(ValueError, match="the first message must be a snapshot"):
        replayable(exact)
    whole = catalog.read_depth("XRPUSDT", start, end)
    pd.testing.assert_frame_equal(whole, bybit.iloc[: starts[20]].reset_index(drop=True))
    assert replayable(whole)


def synthetic_days() -> pd.DataFrame:
    """A snapshot late on 2024-01-01, diffs into 2024-01-02, a new snapshot at noon, diffs."""
    day = pd.Timestamp("2024-01-02", tz="UTC").value
    messages = [
        (day - HOUR, 100, -1, True),
        (day + 1 * HOUR, 101, 100, False),
        (day + 6 * HOUR, 102, 101, False),
        (day + 12 * HOUR, 150, 149, False),  # same time as the snapshot after it, and stale
        (day + 12 * HOUR, 150, -1, True),
        (day + 13 * HOUR, 151, 150, False),
    ]
    rows = []
    for ts, uid, prev, snap in messages:
        for side, price in (("bid", 99.0 + uid / 1000), ("ask", 101.0 + uid / 1000)):
            rows.append((ts, side, price, 1.0, uid, prev, snap))
    columns = ["ts", "side", "price", "size", "update_id", "prev_update_id", "snapshot"]
    return pd.DataFrame(rows, columns=columns)


def test_reads_look_back_across_dates_for_the_snapshot(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path)
    depth = synthetic_days()
    catalog.write_depth("X", depth)
    assert catalog.dates("depth", "X") == ["2024-01-01", "2024-01-02"]
    morning = catalog.read_depth("X", "2024-01-02 07:00", "2024-01-02 11:00")
    pd.testing.assert_frame_equal(morning, depth.iloc[:6])  # from the snapshot the day before
    afternoon = catalog.read_depth("X", "2024-01-02 14:00")
    # From the noon snapshot, not the diff that shares its time and comes before it.
    pd.testing.assert_frame_equal(afternoon, depth.iloc[8:].reset_index(drop=True))
    assert replayable(morning)
    assert replayable(afternoon)
    early = catalog.read_depth("X", "2023-12-31", "2024-01-01 22:00")  # no snapshot before
    pd.testing.assert_frame_equal(early, depth.iloc[:0])
    assert catalog.read_depth("NOPE").empty


def test_append_merges_and_overwrite_replaces(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path)
    depth = synthetic_days()
    catalog.write_depth("X", depth.iloc[6:])
    catalog.write_depth("X", depth.iloc[:6])
    pd.testing.assert_frame_equal(catalog.read_depth("X"), depth)
    catalog.write_depth("X", depth.iloc[:2], mode="overwrite")  # the first date only
    back = catalog.read_depth("X")
    pd.testing.assert_frame_equal(back, pd.concat([depth.iloc[:2], depth.iloc[2:]]))


def test_bad_depth_writes_store_nothing(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path)
    depth = synthetic_days()
    with pytest.raises(ValueError, match=r"side\[1\] = 'offer': must be 'bid' or 'ask'"):
        catalog.write_depth("X", depth.assign(side=depth["side"].replace({"ask": "offer"})))
    with pytest.raises(ValueError, match=r"size\[0\] = -1.0: must be a finite number >= 0"):
        catalog.write_depth("X", depth.assign(size=-1.0))
    with pytest.raises(ValueError, match="missing depth column 'snapshot'"):
        catalog.write_depth("X", depth.drop(columns=["snapshot"]))
    with pytest.raises(ValueError, match="symbol must be a non-empty string"):
        catalog.write_depth("", depth)
    assert catalog.symbols("depth") == []
    with pytest.raises(ValueError, match=r"\(depth: read_depth\)"):
        catalog.read("depth", "X")  # type: ignore[arg-type]
