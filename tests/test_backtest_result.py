"""BacktestResult refuses malformed inputs with errors that name the column and the value."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from alphaforge.backtest import BacktestResult
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
