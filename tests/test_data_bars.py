"""aggregate_bars against pandas resample on real trades and quotes, and a plain reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphaforge.data import BarSpec, aggregate_bars, load_csv, load_parquet

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def trades() -> pd.DataFrame:
    return load_parquet(
        DATA / "btcusdt-trades.parquet", columns={"timestamp": "ts_ns", "quantity": "size"}
    )


@pytest.fixture(scope="module")
def usdjpy() -> pd.DataFrame:
    return load_csv(DATA / "usdjpy-quotes-truefx.csv", "quotes", columns={"timestamp": "ts_ns"})


def pandas_bars(ts_ns: np.ndarray, price: np.ndarray, size: np.ndarray, rule: str) -> pd.DataFrame:
    """The reference: pandas resample, closed and labelled left, empty buckets dropped."""
    index = pd.DatetimeIndex(ts_ns.astype("datetime64[ns]"), name="ts_open").tz_localize("UTC")
    frame = pd.DataFrame({"price": price, "size": size}, index=index)
    resampled = frame.resample(rule, closed="left", label="left", origin="epoch")
    out = resampled["price"].ohlc()
    out["volume"] = resampled["size"].sum()
    out["trade_count"] = resampled["size"].count()
    return out[out["trade_count"] > 0]


@pytest.mark.parametrize(("spec", "rule"), [("1s", "1s"), ("5s", "5s"), ("1min", "1min")])
def test_trade_bars_equal_pandas_resample(trades: pd.DataFrame, spec: str, rule: str) -> None:
    ts, price, size = (trades[c].to_numpy() for c in ("ts_ns", "price", "size"))
    ours = aggregate_bars(ts, price, size, spec)
    ref = pandas_bars(ts, price, size, rule)
    assert len(ours) == len(ref) > 0
    pd.testing.assert_index_equal(ours.index, pd.DatetimeIndex(ref.index, freq=None))
    for column in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(ours[column].to_numpy(), ref[column].to_numpy())
    # pandas sums with compensated summation, ours in eight lanes: equal to a few ulps.
    np.testing.assert_allclose(ours["volume"].to_numpy(), ref["volume"].to_numpy(), rtol=2e-15)
    np.testing.assert_array_equal(ours["trade_count"].to_numpy(), ref["trade_count"].to_numpy())
    assert int(ours["trade_count"].sum()) == len(trades)


def lane_volume(sizes: np.ndarray) -> float:
    """The documented order: trade j into lane j % 8, each lane in trade order, lanes pairwise."""
    lanes = [0.0] * 8
    for j, s in enumerate(sizes.tolist()):
        lanes[j % 8] += s
    return ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + (
        (lanes[1] + lanes[5]) + (lanes[3] + lanes[7])
    )


@pytest.mark.parametrize("spec", ["1s", "5s", "1min", "17tick"])
def test_volume_is_summed_in_the_documented_lanes(trades: pd.DataFrame, spec: str) -> None:
    ts, price, size = (trades[c].to_numpy() for c in ("ts_ns", "price", "size"))
    ours = aggregate_bars(ts, price, size, spec)
    ends = np.cumsum(ours["trade_count"].to_numpy())
    starts = np.r_[0, ends[:-1]]
    expected = [lane_volume(size[a:b]) for a, b in zip(starts, ends, strict=True)]
    assert ours["volume"].tolist() == expected


@pytest.mark.parametrize("rule", ["1min", "5min", "1h"])
def test_quote_mid_bars_equal_pandas_resample(usdjpy: pd.DataFrame, rule: str) -> None:
    ts = usdjpy["ts_ns"].to_numpy()
    mid = ((usdjpy["bid"] + usdjpy["ask"]) / 2).to_numpy()
    ones = np.ones(len(mid))
    ours = aggregate_bars(ts, mid, ones, rule)
    ref = pandas_bars(ts, mid, ones, rule)
    pd.testing.assert_index_equal(ours.index, pd.DatetimeIndex(ref.index, freq=None))
    for column in ("open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(ours[column].to_numpy(), ref[column].to_numpy())


def test_default_origin_matches_for_steps_that_divide_a_day(trades: pd.DataFrame) -> None:
    ts, price, size = (trades[c].to_numpy() for c in ("ts_ns", "price", "size"))
    index = pd.DatetimeIndex(ts.astype("datetime64[ns]")).tz_localize("UTC")
    ref = pd.Series(price, index=index).resample("1s").ohlc().dropna()
    ours = aggregate_bars(ts, price, size, "1s")
    np.testing.assert_array_equal(ours.index.asi8, ref.index.as_unit("ns").asi8)


def test_ts_close_is_the_end_of_the_bucket(trades: pd.DataFrame) -> None:
    bars = aggregate_bars(trades["ts_ns"], trades["price"], trades["size"], "1s")
    assert ((bars["ts_close"] - bars.index) == pd.Timedelta(seconds=1)).all()


def test_gaps_produce_no_bars_unless_asked() -> None:
    minute = 60_000_000_000
    ts = np.array([0, 10, 3 * minute + 5, 3 * minute + 6], dtype=np.int64)
    price = np.array([10.0, 11.0, 12.0, 9.0])
    size = np.ones(4)
    plain = aggregate_bars(ts, price, size, "1min")
    assert list(plain.index.asi8) == [0, 3 * minute]
    filled = aggregate_bars(ts, price, size, "1min", fill_gaps=True)
    assert list(filled.index.asi8) == [0, minute, 2 * minute, 3 * minute]
    gap = filled.iloc[1:3]
    assert (gap[["open", "high", "low", "close"]] == 11.0).all().all()
    assert (gap["volume"] == 0).all()
    assert (gap["trade_count"] == 0).all()


def test_boundaries_belong_to_the_next_bar() -> None:
    second = 1_000_000_000
    ts = np.array([0, second - 1, second, 2 * second], dtype=np.int64)
    bars = aggregate_bars(ts, np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4), "1s")
    assert list(bars["trade_count"]) == [2, 1, 1]
    assert list(bars["close"]) == [2.0, 3.0, 4.0]


def reference_count_bars(price: np.ndarray, size: np.ndarray, n: int) -> list[tuple[float, ...]]:
    out = []
    for start in range(0, len(price), n):
        p, s = price[start : start + n], size[start : start + n]
        out.append((p[0], p.max(), p.min(), p[-1], float(np.add.reduce(s)), len(p)))
    return out


def reference_volume_bars(
    price: np.ndarray, size: np.ndarray, threshold: float
) -> list[tuple[float, ...]]:
    out, bar = [], None
    for p, s in zip(price, size, strict=True):
        if bar is None:
            bar = [p, p, p, p, s, 1]
        else:
            bar[1], bar[2], bar[3] = max(bar[1], p), min(bar[2], p), p
            bar[4] += s
            bar[5] += 1
        if bar[4] >= threshold:
            out.append(tuple(bar))
            bar = None
    if bar is not None:
        out.append(tuple(bar))
    return out


@pytest.mark.parametrize("n", [1, 7, 100, 5000])
def test_tick_bars_match_a_plain_reference(trades: pd.DataFrame, n: int) -> None:
    price, size = trades["price"].to_numpy(), trades["size"].to_numpy()
    ours = aggregate_bars(trades["ts_ns"], price, size, BarSpec.ticks(n))
    expected = reference_count_bars(price, size, n)
    assert len(ours) == len(expected)
    got = ours[["open", "high", "low", "close", "volume", "trade_count"]].itertuples(index=False)
    for row, want in zip(got, expected, strict=True):
        assert row[:4] == want[:4]
        assert row[4] == pytest.approx(want[4], rel=1e-12)
        assert row[5] == want[5]
    first_ts = trades["ts_ns"].to_numpy()[::n]
    np.testing.assert_array_equal(ours.index.asi8, first_ts)


@pytest.mark.parametrize("threshold", [0.5, 2.0, 25.0])
def test_volume_bars_match_a_plain_reference(trades: pd.DataFrame, threshold: float) -> None:
    price, size = trades["price"].to_numpy(), trades["size"].to_numpy()
    ours = aggregate_bars(trades["ts_ns"], price, size, f"{threshold}volume")
    expected = reference_volume_bars(price, size, threshold)
    got = list(
        ours[["open", "high", "low", "close", "volume", "trade_count"]].itertuples(index=False)
    )
    assert [tuple(r) for r in got] == expected
    assert (ours["volume"].iloc[:-1] >= threshold).all()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1s", "time"),
        ("1min", "time"),
        ("5min", "time"),
        ("1h", "time"),
        ("1d", "time"),
        ("100tick", "tick"),
        ("2.5volume", "volume"),
    ],
)
def test_bar_spec_text_round_trips(text: str, kind: str) -> None:
    spec = BarSpec(text)
    assert spec.kind == kind
    assert str(spec) == text
    assert BarSpec(str(spec)) == spec
    assert hash(BarSpec(text)) == hash(spec)


@pytest.mark.parametrize("text", ["", "1", "min", "0s", "1.5min", "3weeks", "-1s", "0tick"])
def test_bad_bar_specs_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="bar spec"):
        BarSpec(text)


def test_bad_input_is_rejected_naming_row_and_column() -> None:
    ts = np.array([1, 2, 3], dtype=np.int64)
    ok = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"price\[1\] = nan"):
        aggregate_bars(ts, np.array([1.0, np.nan, 3.0]), ok, "1s")
    with pytest.raises(ValueError, match=r"price\[2\] = -3"):
        aggregate_bars(ts, np.array([1.0, 2.0, -3.0]), ok, "1s")
    with pytest.raises(ValueError, match=r"size\[0\] = -1"):
        aggregate_bars(ts, ok, np.array([-1.0, 1.0, 1.0]), "1s")
    with pytest.raises(ValueError, match=r"ts_ns\[2\] = 1: earlier than row 1"):
        aggregate_bars(np.array([1, 2, 1]), ok, ok, "1s")
    with pytest.raises(ValueError, match="empty data"):
        aggregate_bars(np.array([], dtype=np.int64), [], [], "1s")
    with pytest.raises(ValueError, match="size has 2 rows, ts_ns has 3"):
        aggregate_bars(ts, ok, ok[:2], "1s")
    with pytest.raises(TypeError, match="ts_ns holds floats"):
        aggregate_bars(ts.astype(float), ok, ok, "1s")
    with pytest.raises(TypeError, match="price must hold numbers"):
        aggregate_bars(ts, np.array(["a", "b", "c"]), ok, "1s")


@pytest.mark.parametrize("row", [0, 1, 7, 8, 9, 333, 998, 999])
@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("price", np.nan, "nan"),
        ("price", -2.5, "-2.5"),
        ("price", 0.0, "0"),
        ("price", np.inf, "inf"),
        ("size", np.nan, "nan"),
        ("size", -np.inf, "-inf"),
        ("size", 0.0, "0"),
    ],
)
def test_bad_values_inside_long_buckets_name_their_row(
    row: int, column: str, value: float, shown: str
) -> None:
    ts = np.arange(1000, dtype=np.int64) * 10_000_000  # 100 trades per 1s bucket
    columns = {"price": np.linspace(10.0, 20.0, 1000), "size": np.full(1000, 0.5)}
    columns[column][row] = value
    with pytest.raises(ValueError, match=rf"^{column}\[{row}\] = {shown}: "):
        aggregate_bars(ts, columns["price"], columns["size"], "1s")


@pytest.mark.parametrize("row", [1, 7, 8, 9, 100, 101, 555, 999])
def test_a_timestamp_going_back_inside_a_bucket_names_its_row(row: int) -> None:
    ts = np.arange(1000, dtype=np.int64) * 10_000_000
    ts[row] = ts[row - 1] - 1
    ones = np.ones(1000)
    expected = rf"^ts_ns\[{row}\] = {ts[row]}: earlier than row {row - 1}"
    with pytest.raises(ValueError, match=expected):
        aggregate_bars(ts, ones, ones, "1s")


def test_a_timestamp_jumping_ahead_then_back_is_caught() -> None:
    # Row 50 lies past its bucket; row 51 goes back into it.
    ts = np.arange(1000, dtype=np.int64) * 10_000_000
    ts[50] = 5_000_000_000
    ones = np.ones(1000)
    with pytest.raises(ValueError, match=r"^ts_ns\[51\] = 510000000: earlier than row 50"):
        aggregate_bars(ts, ones, ones, "1s")
