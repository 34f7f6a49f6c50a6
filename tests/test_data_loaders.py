"""Loaders: column mapping, time zones, derived columns and every rejection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from alphaforge.data import AggressorSide, from_dataframe, load_csv, load_parquet

DATA = Path(__file__).parent / "data"
T0 = 1_700_000_000_000_000_000  # 2023-11-14T22:13:20Z in nanoseconds


def test_parquet_trades_with_mapping_and_buyer_maker() -> None:
    raw = pd.read_parquet(DATA / "btcusdt-trades.parquet")
    trades = load_parquet(
        DATA / "btcusdt-trades.parquet", columns={"timestamp": "ts_ns", "quantity": "size"}
    )
    assert list(trades.columns) == ["ts_ns", "price", "size", "aggressor", "trade_id"]
    assert len(trades) == len(raw) == 2001
    assert trades["ts_ns"].iloc[0] == pd.Timestamp("2021-01-08 00:00:00.278", tz="UTC").value
    # buyer_maker: the buyer rested, so the seller was the aggressor.
    first_maker = bool(raw["buyer_maker"].astype(str).str.lower().iloc[0] == "true")
    side = AggressorSide.SELLER if first_maker else AggressorSide.BUYER
    assert trades["aggressor"].iloc[0] == side.value
    np.testing.assert_array_equal(trades["price"], raw["price"])


def test_parquet_quotes_drop_unknown_columns_when_asked() -> None:
    quotes = load_parquet(DATA / "btcusdt-quotes.parquet", "quotes", columns={"timestamp": "ts_ns"})
    assert list(quotes.columns) == ["ts_ns", "bid", "ask", "bid_size", "ask_size", "symbol"]
    assert (quotes["bid"] <= quotes["ask"]).all()
    assert quotes["symbol"].iloc[0] == "BTC/USDT"


def test_csv_quotes_without_sizes() -> None:
    quotes = load_csv(DATA / "usdjpy-quotes-truefx.csv", "quotes", columns={"timestamp": "ts_ns"})
    assert len(quotes) == 1000
    assert quotes["ts_ns"].iloc[0] == pd.Timestamp("2013-01-01 22:00:00.295", tz="UTC").value
    assert (quotes["bid_size"] == 0.0).all()


def test_csv_read_by_pyarrow_with_time_zone(tmp_path: Path) -> None:
    path = tmp_path / "trades.csv"
    path.write_text("time,px,qty\n2024-03-08 09:30:00,10.5,100\n2024-03-11 09:30:00,11,50\n")
    trades = load_csv(
        path, columns={"time": "ts_ns", "px": "price", "qty": "size"}, tz="America/New_York"
    )
    # New York is UTC-5 before the 2024-03-10 DST change and UTC-4 after it.
    assert list(trades["ts_ns"]) == [
        pd.Timestamp("2024-03-08 14:30", tz="UTC").value,
        pd.Timestamp("2024-03-11 13:30", tz="UTC").value,
    ]


def test_integer_timestamps_in_other_units() -> None:
    frame = pd.DataFrame(
        {"ts_ns": [1_700_000_000_000, 1_700_000_000_500], "price": [1.0, 2.0], "size": [1.0, 1.0]}
    )
    trades = from_dataframe(frame, ts_unit="ms")
    assert list(trades["ts_ns"]) == [1_700_000_000_000_000_000, 1_700_000_000_500_000_000]
    with pytest.raises(ValueError, match="ts_unit must be one of"):
        from_dataframe(frame, ts_unit="minutes")


def test_aware_timestamps_are_converted_to_utc() -> None:
    stamps = pd.to_datetime(["2024-01-02 10:00", "2024-01-02 10:01"]).tz_localize("Asia/Tokyo")
    frame = pd.DataFrame({"ts_ns": stamps, "price": [1.0, 2.0], "size": [1.0, 1.0]})
    trades = from_dataframe(frame)
    assert trades["ts_ns"].iloc[0] == pd.Timestamp("2024-01-02 01:00", tz="UTC").value


def test_unsorted_rows_name_the_first_offender_or_are_sorted() -> None:
    frame = pd.DataFrame(
        {
            "ts_ns": [T0 + 1, T0 + 3, T0 + 2, T0],
            "price": [1.0, 3.0, 2.0, 0.5],
            "size": [1.0, 1.0, 1.0, 1.0],
        }
    )
    with pytest.raises(
        ValueError, match=rf"ts_ns\[2\] = {T0 + 2}: earlier than row 1 \({T0 + 3}\)"
    ):
        from_dataframe(frame)
    ordered = from_dataframe(frame, sort=True)
    assert list(ordered["ts_ns"]) == [T0, T0 + 1, T0 + 2, T0 + 3]
    assert list(ordered["price"]) == [0.5, 1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("price", [1.0, np.nan, 1.0], r"price\[1\] = nan: must be a finite number > 0"),
        ("price", [1.0, 1.0, -2.0], r"price\[2\] = -2: must be a finite number > 0"),
        ("size", [-1.0, 1.0, 1.0], r"size\[0\] = -1"),
        ("size", [1.0, np.inf, 1.0], r"size\[1\] = inf"),
        ("price", ["1.0", "x", "2"], r"price\[1\] = 'x': not a number"),
        ("ts_ns", ["2024-01-01", "soon", "2024-01-02"], r"ts_ns\[1\] = 'soon': not a timestamp"),
        ("ts_ns", [T0 + 1.0, T0 + 2.0, T0 + 3.0], "ts_ns holds floats .* nanoseconds"),
    ],
)
def test_bad_values_are_rejected_by_row_and_column(
    column: str, values: list[object], message: str
) -> None:
    data: dict[str, list[object]] = {
        "ts_ns": [T0 + 1, T0 + 2, T0 + 3],
        "price": [1.0, 2.0, 3.0],
        "size": [1.0, 1.0, 1.0],
    }
    data[column] = values
    error = TypeError if "floats" in message else ValueError
    with pytest.raises(error, match=message):
        from_dataframe(pd.DataFrame(data))


def test_column_problems_are_named() -> None:
    frame = pd.DataFrame({"t": [T0], "price": [1.0], "qty": [1.0], "venue": ["X"]})
    with pytest.raises(ValueError, match=r"missing column 'ts_ns'.*columns=\{'your_name'"):
        from_dataframe(frame.drop(columns=["venue"]), columns={"qty": "size"})
    with pytest.raises(ValueError, match="unknown column 'venue' for trades"):
        from_dataframe(frame, columns={"t": "ts_ns", "qty": "size"})
    with pytest.raises(ValueError, match="column 'when' named in columns= is not in the data"):
        from_dataframe(frame, columns={"when": "ts_ns"})
    with pytest.raises(ValueError, match="'colour' is not a trades column"):
        from_dataframe(frame, columns={"venue": "colour"})
    ok = from_dataframe(frame, columns={"t": "ts_ns", "qty": "size"}, unknown="drop")
    assert list(ok.columns) == ["ts_ns", "price", "size"]


def test_empty_and_wrong_inputs() -> None:
    with pytest.raises(ValueError, match="empty data"):
        from_dataframe(pd.DataFrame({"ts_ns": [], "price": [], "size": []}))
    with pytest.raises(TypeError, match="frame must be a pandas DataFrame, got dict"):
        from_dataframe({"ts_ns": [T0]})
    with pytest.raises(ValueError, match="kind must be one of"):
        from_dataframe(pd.DataFrame({"a": [1]}), "ticks")  # type: ignore[arg-type]


def test_aggressor_strings_and_bad_codes() -> None:
    frame = pd.DataFrame(
        {
            "ts_ns": [T0 + 1, T0 + 2, T0 + 3],
            "price": [1.0] * 3,
            "size": [1.0] * 3,
            "aggressor": ["buy", "SELL", ""],
        }
    )
    assert list(from_dataframe(frame)["aggressor"]) == [1, 2, 0]
    frame["aggressor"] = ["buy", "up", "sell"]
    with pytest.raises(ValueError, match=r"aggressor\[1\] = 'up'"):
        from_dataframe(frame)
    frame["aggressor"] = [1, 2, 9]
    with pytest.raises(ValueError, match=r"aggressor\[2\] = 9"):
        from_dataframe(frame)


def test_quotes_and_bars_are_validated() -> None:
    quotes = pd.DataFrame({"ts_ns": [T0 + 1, T0 + 2], "bid": [1.0, 1.2], "ask": [1.1, 1.1]})
    with pytest.raises(ValueError, match=r"bid\[1\] = 1.2.*crossed"):
        from_dataframe(quotes, "quotes")
    bars = pd.DataFrame(
        {
            "ts_ns": [T0 + 1, T0 + 2],
            "open": [1.0, 1.0],
            "high": [2.0, 0.9],
            "low": [0.5, 0.8],
            "close": [1.5, 0.9],
            "volume": [1.0, 1.0],
        }
    )
    with pytest.raises(ValueError, match=r"high\[1\] = 0.9: below the open"):
        from_dataframe(bars, "bars")
    bars.loc[1, "high"] = 1.0
    assert len(from_dataframe(bars, "bars")) == 2


class Seen(af.Strategy):
    """Keeps the time of every bar, trade and quote of one symbol."""

    def __init__(self, symbol: str, kind: str) -> None:
        super().__init__()
        self.symbol, self.kind = symbol, kind
        self.times: list[int] = []

    def on_start(self) -> None:
        {"bars": self.subscribe_bars, "trades": self.subscribe_trades}.get(
            self.kind, self.subscribe_quotes
        )(self.symbol)

    def on_bar(self, bar: object) -> None:
        self.times.append(int(bar.ts))  # type: ignore[attr-defined]

    def on_trade(self, trade: object) -> None:
        self.times.append(int(trade.ts_ns))  # type: ignore[attr-defined]

    def on_quote(self, quote: object) -> None:
        self.times.append(int(quote.ts_ns))  # type: ignore[attr-defined]


def replayed(kind: str, frame: pd.DataFrame, quotes: pd.DataFrame | None = None) -> list[int]:
    """The times a strategy sees when `frame` goes straight from a loader into the engine."""
    engine = af.BacktestEngine(cash=1_000_000.0)
    if kind == "bars":
        engine.add_bars("X", frame)
    elif kind == "trades":
        engine.add_trades("X", frame)
    else:
        engine.add_quotes("X", frame)
    strategy = Seen("X", kind)
    engine.add_strategy(strategy)
    engine.run()
    return strategy.times


def file_ns(texts: pd.Series, **to_datetime: object) -> list[int]:
    """Times of a file read by pandas alone, as UTC nanoseconds."""
    if "unit" not in to_datetime:
        to_datetime["format"] = "ISO8601"
    stamps = pd.to_datetime(texts, utc=True, **to_datetime)  # type: ignore[call-overload]
    return list(pd.DatetimeIndex(stamps).as_unit("ns").asi8)


@pytest.mark.parametrize(
    ("name", "time_column"),
    [
        ("orcl-1995-daily.csv", "Date"),
        ("btc-perp-1m.csv", "timestamp"),
        ("6eh4-xcme-1m.csv", "timestamp_utc"),
    ],
)
def test_vendor_bar_files_load_and_replay_unchanged(name: str, time_column: str) -> None:
    raw = pd.read_csv(DATA / name)
    bars = load_csv(DATA / name, "bars")
    assert list(bars.columns) == ["ts_ns", "open", "high", "low", "close", "volume"]
    expected = file_ns(raw[time_column])
    assert list(bars["ts_ns"]) == expected
    np.testing.assert_array_equal(bars["close"], raw[next(c for c in raw if c.lower() == "close")])
    assert replayed("bars", bars) == expected


def test_binance_klines_without_a_header_are_milliseconds() -> None:
    raw = pd.read_csv(DATA / "btcusdt-1s-klines.csv", header=None)
    bars = load_csv(DATA / "btcusdt-1s-klines.csv", "bars")
    expected = file_ns(raw[0], unit="ms")
    assert list(bars["ts_ns"]) == expected
    assert pd.Timestamp(expected[0], tz="UTC") == pd.Timestamp("2021-01-08", tz="UTC")
    np.testing.assert_array_equal(
        bars[["open", "high", "low", "close", "volume"]], raw[[1, 2, 3, 4, 5]]
    )
    assert replayed("bars", bars) == expected


def test_binance_trades_without_a_header_replay_at_their_times() -> None:
    raw = pd.read_csv(DATA / "btcusdt-trades-binance.csv", header=None)
    trades = load_csv(DATA / "btcusdt-trades-binance.csv", "trades")
    expected = file_ns(raw[4], unit="ms")
    assert list(trades["ts_ns"]) == expected
    assert list(trades["trade_id"]) == list(raw[0])
    sellers = np.where(raw[5], AggressorSide.SELLER.value, AggressorSide.BUYER.value)
    np.testing.assert_array_equal(trades["aggressor"], sellers)
    assert replayed("trades", trades) == expected


def test_parquet_ticks_load_without_a_mapping_and_replay() -> None:
    raw = pd.read_parquet(DATA / "btcusdt-trades.parquet")
    trades = load_parquet(DATA / "btcusdt-trades.parquet")
    expected = list(pd.DatetimeIndex(raw["timestamp"]).as_unit("ns").asi8)
    assert replayed("trades", trades) == expected
    raw = pd.read_parquet(DATA / "btcusdt-quotes.parquet")
    quotes = load_parquet(DATA / "btcusdt-quotes.parquet", "quotes")
    np.testing.assert_array_equal(quotes["bid_size"], raw["bid_size"])
    assert replayed("quotes", quotes) == list(pd.DatetimeIndex(raw["timestamp"]).as_unit("ns").asi8)


def test_truefx_quotes_with_and_without_a_header(tmp_path: Path) -> None:
    raw = pd.read_csv(DATA / "usdjpy-quotes-truefx.csv")
    expected = file_ns(raw["timestamp"])
    quotes = load_csv(DATA / "usdjpy-quotes-truefx.csv", "quotes")
    assert replayed("quotes", quotes) == expected
    # TrueFX's own files: symbol, time as 20130101 22:00:00.295, bid, ask, no header.
    stamps = (
        pd.to_datetime(raw["timestamp"], format="ISO8601")
        .dt.strftime("%Y%m%d %H:%M:%S.%f")
        .str[:-3]
    )
    native = pd.DataFrame({"s": "USD/JPY", "t": stamps, "bid": raw["bid"], "ask": raw["ask"]})
    native.to_csv(tmp_path / "USDJPY-2013-01.csv", header=False, index=False)
    again = load_csv(tmp_path / "USDJPY-2013-01.csv", "quotes")
    assert list(again["ts_ns"]) == expected
    assert set(again["symbol"]) == {"USD/JPY"}


def test_names_and_layouts_that_cannot_be_told_apart_are_refused(tmp_path: Path) -> None:
    both = pd.DataFrame({"time": [T0], "timestamp": [T0], "price": [1.0], "size": [1.0]})
    with pytest.raises(ValueError, match=r"several time columns \['time', 'timestamp'\]"):
        from_dataframe(both)
    assert len(from_dataframe(both, columns={"time": "ts_ns"}, unknown="drop")) == 1
    twice = pd.DataFrame({"ts_ns": [T0], "price": [1.0], "qty": [1.0], "quantity": [1.0]})
    with pytest.raises(ValueError, match="columns 'qty' and 'quantity' both read as 'size'"):
        from_dataframe(twice)
    (tmp_path / "five.csv").write_text("1610064000000,1.0,2.0,0.5,1.5\n")
    with pytest.raises(ValueError, match=r"no header row, and 5 columns match no known bars"):
        load_csv(tmp_path / "five.csv", "bars")


def test_an_integer_index_is_a_time_only_when_named_one() -> None:
    frame = pd.DataFrame({"price": [1.0, 2.0], "size": [1.0, 1.0]}, index=[T0, T0 + 1])
    with pytest.raises(ValueError, match=r"missing column 'ts_ns'.*not a Index"):
        from_dataframe(frame)
    named = frame.rename_axis("open_time")
    assert list(from_dataframe(named)["ts_ns"]) == [T0, T0 + 1]


def test_csv_with_semicolons_and_tabs(tmp_path: Path) -> None:
    comma = load_csv(DATA / "orcl-1995-daily.csv", "bars")
    text = (DATA / "orcl-1995-daily.csv").read_text()
    semicolons = tmp_path / "orcl-semicolons.csv"
    semicolons.write_text(text.replace(",", ";"))
    pd.testing.assert_frame_equal(load_csv(semicolons, "bars", sep=";"), comma)
    # Read with the default comma, each line is one field: no column is known.
    with pytest.raises(ValueError, match="missing column"):
        load_csv(semicolons, "bars")
    # A header-less Binance archive file, tab-separated.
    tabs = tmp_path / "klines.tsv"
    tabs.write_text((DATA / "btcusdt-1s-klines.csv").read_text().replace(",", "\t"))
    pd.testing.assert_frame_equal(
        load_csv(tabs, "bars", sep="\t"), load_csv(DATA / "btcusdt-1s-klines.csv", "bars")
    )


@pytest.mark.parametrize("sep", ["", ";;", "\n", '"', 1])
def test_csv_separator_must_be_one_plain_character(sep: object) -> None:
    with pytest.raises(ValueError, match="sep must be one character"):
        load_csv(DATA / "orcl-1995-daily.csv", "bars", sep=sep)  # type: ignore[arg-type]
