"""BacktestResult refuses malformed inputs with errors that name the column and the value."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from alphaforge.backtest import BacktestResult
from alphaforge.backtest.result import RunSettings, StrategySettings
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.samples import orcl
from backtest_factory import (
    empty_orders,
    empty_positions,
    equity_frame,
    fills_frame,
    make_result,
    stamps,
)

INDEX = stamps("2024-01-01", "2024-01-02", "2024-01-03")
FILLS = [("2024-01-01", "BUY", 1, 10.0, 0.1), ("2024-01-02", "SELL", 1, 11.0, 0.1)]


def build(**changes: object) -> BacktestResult:
    parts: dict[str, object] = {
        "fills": fills_frame(FILLS),
        "orders": empty_orders(),
        "positions": empty_positions(),
        "equity": equity_frame(INDEX, [100.0, 101.0, 102.0]),
        "starting_cash": 100.0,
    }
    parts.update(changes)
    return BacktestResult(**parts)  # type: ignore[arg-type]


def test_a_valid_result_keeps_its_frames() -> None:
    fills = fills_frame(FILLS)
    result = build(fills=fills)
    assert result.fills is fills
    assert result.final_equity == 102.0
    assert result.starting_cash == 100.0


def test_the_result_is_frozen() -> None:
    result = build()
    with pytest.raises(AttributeError):
        result.starting_cash = 5.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("frame", "column"),
    [
        ("fills", "fee"),
        ("fills", "strategy"),
        ("orders", "reject_reason"),
        ("positions", "unrealized_pnl"),
        ("equity", "positions_value"),
    ],
)
def test_missing_columns_are_named(frame: str, column: str) -> None:
    parts = {
        "fills": fills_frame(FILLS),
        "orders": empty_orders(),
        "positions": empty_positions(),
        "equity": equity_frame(INDEX, [100.0, 101.0, 102.0]),
    }
    with pytest.raises(ValueError, match=f"{frame} is missing column\\(s\\) '{column}'"):
        build(**{frame: parts[frame].drop(columns=[column])})


def test_a_frame_that_is_not_a_dataframe() -> None:
    with pytest.raises(TypeError, match="orders must be a pandas DataFrame, got list"):
        build(orders=[])


@pytest.mark.parametrize("cash", [0.0, -5.0])
def test_non_positive_starting_cash(cash: float) -> None:
    with pytest.raises(ValueError, match=f"starting_cash must be positive, got {cash}"):
        build(starting_cash=cash)


@pytest.mark.parametrize("cash", [math.nan, math.inf])
def test_non_finite_starting_cash(cash: float) -> None:
    with pytest.raises(ValueError, match="starting_cash must be finite"):
        build(starting_cash=cash)


@pytest.mark.parametrize("cash", [True, "100"])
def test_starting_cash_must_be_a_number(cash: object) -> None:
    with pytest.raises(TypeError, match="starting_cash must be a number"):
        build(starting_cash=cash)


def test_risk_free_rate_must_exceed_minus_one() -> None:
    with pytest.raises(
        ValueError, match=re.escape("risk_free_rate must be greater than -1, got -1.0")
    ):
        BacktestResult(
            fills_frame(FILLS),
            empty_orders(),
            empty_positions(),
            equity_frame(INDEX, [100.0, 101.0, 102.0]),
            100.0,
            risk_free_rate=-1.0,
        )


def test_unsorted_equity_index_names_the_offending_timestamps() -> None:
    index = stamps("2024-01-01", "2024-01-03", "2024-01-02")
    with pytest.raises(
        ValueError,
        match="equity index must be strictly increasing, but 2024-01-02 00:00:00\\+00:00 "
        "follows 2024-01-03",
    ):
        build(equity=equity_frame(index, [1.0, 2.0, 3.0]))


def test_duplicate_equity_timestamps() -> None:
    index = stamps("2024-01-01", "2024-01-02", "2024-01-02")
    with pytest.raises(ValueError, match="strictly increasing"):
        build(equity=equity_frame(index, [1.0, 2.0, 3.0]))


def test_equity_without_a_utc_index() -> None:
    with pytest.raises(ValueError, match="equity must be indexed by timestamps, got RangeIndex"):
        build(equity=equity_frame(INDEX, [1.0, 2.0, 3.0]).reset_index(drop=True))
    naive = equity_frame(INDEX.tz_localize(None), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"equity index must be datetime64\[ns, UTC\]"):
        build(equity=naive)


def test_empty_equity() -> None:
    with pytest.raises(ValueError, match="equity has no rows"):
        build(equity=equity_frame(INDEX[:0], []))


def test_non_finite_equity_values_are_named() -> None:
    equity = equity_frame(INDEX, [100.0, 101.0, 102.0])
    equity.loc[INDEX[1], "cash"] = math.nan
    with pytest.raises(
        ValueError, match="equity column 'cash' must be finite numbers, got nan at 2024-01-02"
    ):
        build(equity=equity)


def test_fill_timestamps_must_be_utc() -> None:
    fills = fills_frame(FILLS)
    fills["ts"] = fills["ts"].dt.tz_localize(None)
    with pytest.raises(ValueError, match=r"fills column 'ts' must be datetime64\[ns, UTC\]"):
        build(fills=fills)


def test_fill_side_must_be_buy_or_sell() -> None:
    fills = fills_frame(FILLS)
    fills.loc[1, "side"] = "sell"
    with pytest.raises(
        ValueError, match="fills column 'side' must be 'BUY' or 'SELL', got 'sell' at 1"
    ):
        build(fills=fills)


@pytest.mark.parametrize("column", ["symbol", "strategy"])
def test_fill_symbol_and_strategy_must_be_present(column: str) -> None:
    fills = fills_frame(FILLS)
    fills.loc[1, column] = None
    with pytest.raises(ValueError, match=f"fills column '{column}' has a missing value at 1"):
        build(fills=fills)


def test_fill_quantity_must_be_positive() -> None:
    fills = fills_frame(FILLS)
    fills.loc[0, "qty"] = -1.0
    with pytest.raises(
        ValueError, match=re.escape("fills column 'qty' must be positive, got -1.0 at 0")
    ):
        build(fills=fills)


def test_fill_price_must_be_finite() -> None:
    fills = fills_frame(FILLS)
    fills.loc[0, "price"] = math.inf
    with pytest.raises(
        ValueError, match="fills column 'price' must be finite numbers, got inf at 0"
    ):
        build(fills=fills)


def test_empty_frames_built_from_column_names_are_accepted() -> None:
    fills = pd.DataFrame(columns=list(fills_frame([]).columns))
    result = make_result(equity_frame(INDEX, [100.0, 100.0, 100.0]), fills)
    assert result.metrics.trades == 0
    assert len(result.trades) == 0


def assert_same_result(loaded: BacktestResult, saved: BacktestResult) -> None:
    """Frames equal (dtypes, index and names too), metrics and statistics equal, NaN for NaN."""
    for name in ("fills", "orders", "positions", "equity", "trades", "round_trips"):
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(saved, name), check_freq=False)
    if saved.prices is None:
        assert loaded.prices is None
    else:
        pd.testing.assert_frame_equal(loaded.prices, saved.prices, check_freq=False)
    assert loaded.starting_cash == saved.starting_cash
    assert loaded.risk_free_rate == saved.risk_free_rate
    assert loaded.settings == saved.settings
    for stats in ("metrics", "trade_stats"):
        left = getattr(loaded, stats).as_dict()
        right = getattr(saved, stats).as_dict()
        assert left.keys() == right.keys()
        for key, value in right.items():
            assert (pd.isna(value) and pd.isna(left[key])) or left[key] == value, (stats, key)
        assert getattr(loaded, stats).notes == getattr(saved, stats).notes


def engine_run() -> BacktestResult:
    engine = af.BacktestEngine(cash=50_000.0, fees=0.001)
    engine.add_bars("ORCL", orcl().iloc[:400])
    engine.add_strategy(SmaCross("ORCL", fast=5, slow=20, size=100))
    return engine.run()


def test_an_engine_run_saves_and_loads_equal(tmp_path: Path) -> None:
    result = engine_run()
    assert len(result.trades) > 5
    assert result.save(tmp_path / "run") == tmp_path / "run"
    names = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert names == [
        "equity.parquet",
        "fills.parquet",
        "orders.parquet",
        "positions.parquet",
        "prices.parquet",
        "result.json",
    ]
    loaded = BacktestResult.load(tmp_path / "run")
    assert_same_result(loaded, result)
    assert loaded.settings is not None
    assert loaded.settings.strategies[0].parameters["fast"] == 5


def test_prices_settings_and_nan_metrics_round_trip(tmp_path: Path) -> None:
    # One bar: the ratios are NaN with notes, and they must come back NaN with the same notes.
    index = stamps("2024-01-01")
    prices = pd.DataFrame({"ORCL": [10.0], "MSFT": [math.nan]}, index=index)
    settings = RunSettings(
        strategies=(StrategySettings("s1", "Custom", {"window": 3, "band": [1.5, 2.0]}),),
        symbols=("ORCL", "MSFT"),
        data="bars",
        fees=(0.0, 0.001),
        slippage_bps=1.5,
        latency=0.001,
        response_latency=0.002,
        feed_latency=0.0005,
        latency_series=True,
        queue_model="log",
        account="cash",
        currency="USD",
    )
    result = BacktestResult(
        fills_frame([]),
        empty_orders(),
        empty_positions(),
        equity_frame(index, [100.0]),
        100.0,
        risk_free_rate=0.02,
        prices=prices,
        settings=settings,
    )
    assert math.isnan(result.metrics.sharpe)
    loaded = BacktestResult.load(result.save(tmp_path / "one"))
    assert_same_result(loaded, result)
    assert loaded.settings == settings
    assert math.isnan(loaded.metrics.sharpe)


def test_saving_twice_into_one_directory_replaces_the_files(tmp_path: Path) -> None:
    first = engine_run()
    first.save(tmp_path)
    second = build()
    second.save(tmp_path)
    assert_same_result(BacktestResult.load(tmp_path), second)


def test_load_names_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"result\.json not found"):
        BacktestResult.load(tmp_path / "missing")
    build().save(tmp_path)
    record = json.loads((tmp_path / "result.json").read_text())
    record["format"] = 99
    (tmp_path / "result.json").write_text(json.dumps(record))
    with pytest.raises(ValueError, match="format must be 1, got 99"):
        BacktestResult.load(tmp_path)


def test_prices_are_checked() -> None:
    with pytest.raises(TypeError, match="prices must be a pandas DataFrame, got dict"):
        build(prices={"ORCL": [1.0]})
    with pytest.raises(ValueError, match="prices must be indexed by timestamps"):
        build(prices=pd.DataFrame({"ORCL": [1.0]}))
    bad = pd.DataFrame({"ORCL": [1.0, -1.0]}, index=INDEX[:2])
    with pytest.raises(
        ValueError, match=re.escape("prices column 'ORCL' must be positive, got -1.0 at 2024-01-02")
    ):
        build(prices=bad)
    backwards = pd.DataFrame({"ORCL": [1.0, 2.0]}, index=INDEX[:2][::-1])
    with pytest.raises(ValueError, match="prices index must be increasing"):
        build(prices=backwards)
    with pytest.raises(TypeError, match="settings must be a RunSettings, got dict"):
        build(settings={})


def test_the_default_benchmark_holds_the_traded_symbols_equally() -> None:
    prices = pd.DataFrame(
        {"ORCL": [10.0, 11.0, 12.0], "MSFT": [math.nan, 20.0, 30.0], "IBM": [5.0, 5.0, 5.0]},
        index=INDEX,
    )
    fills = pd.concat([fills_frame(FILLS), fills_frame(FILLS, symbol="MSFT")], ignore_index=True)
    benchmark = build(fills=fills, prices=prices).benchmark()
    assert benchmark is not None
    # Each bought at its first price: MSFT from the second day on.
    assert benchmark.tolist() == pytest.approx([1.0, (1.1 + 1.0) / 2, (1.2 + 1.5) / 2])
    assert benchmark.name == "buy and hold ORCL, MSFT"
    assert build().benchmark() is None


class WithParameters(af.Strategy):
    def __init__(self, symbol: str, window: int = 5, *, limit: float = 1.5) -> None:
        super().__init__()
        self.symbol, self.window, self.limit = symbol, window, limit
        self.hidden = object()


class Declared(WithParameters):
    def __init__(self, symbol: str) -> None:
        super().__init__(symbol)
        self.parameters = {"window": np.int64(7), "shape": object, "bands": (1, np.float64(2.5))}


def test_strategy_parameters_from_the_constructor_or_declared() -> None:
    plain = StrategySettings.of(WithParameters("ORCL", 9))
    assert (plain.name, plain.kind) == ("WithParameters", "WithParameters")
    assert plain.parameters == {"symbol": "ORCL", "window": 9, "limit": 1.5}
    declared = StrategySettings.of(Declared("ORCL"))
    # JSON values as they are; anything else as its repr, so a saved result reads back equal.
    assert declared.parameters == {"window": 7, "shape": repr(object), "bands": [1, 2.5]}
