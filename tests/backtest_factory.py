"""Small hand-made backtest results for the result, metrics and report tests."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from alphaforge.backtest import BacktestResult
from alphaforge.backtest.result import ORDER_COLUMNS, POSITION_COLUMNS

Fill = tuple[str, str, float, float, float]  # (ts, side, qty, price, fee)


def stamps(*texts: str) -> pd.DatetimeIndex:
    """UTC timestamps from ISO strings."""
    return pd.DatetimeIndex(list(texts)).tz_localize("UTC")


def equity_frame(index: pd.DatetimeIndex, equity: Sequence[float]) -> pd.DataFrame:
    """An equity curve held entirely in cash."""
    values = [float(v) for v in equity]
    return pd.DataFrame(
        {"cash": values, "positions_value": [0.0] * len(values), "equity": values}, index=index
    )


def fills_frame(fills: Sequence[Fill], symbol: str = "ORCL", strategy: str = "s1") -> pd.DataFrame:
    """Fills of one (strategy, symbol) in the layout of BacktestResult.fills."""
    return pd.DataFrame(
        {
            "ts": pd.DatetimeIndex([f[0] for f in fills], dtype="datetime64[ns]").tz_localize(
                "UTC"
            ),
            "symbol": [symbol] * len(fills),
            "side": [f[1] for f in fills],
            "qty": [float(f[2]) for f in fills],
            "price": [float(f[3]) for f in fills],
            "fee": [float(f[4]) for f in fills],
            "order_id": list(range(1, len(fills) + 1)),
            "strategy": [strategy] * len(fills),
        }
    )


def empty_orders() -> pd.DataFrame:
    """An orders frame with its columns and no rows."""
    return pd.DataFrame(columns=list(ORDER_COLUMNS))


def empty_positions() -> pd.DataFrame:
    """A positions frame with its columns and no rows."""
    return pd.DataFrame(columns=list(POSITION_COLUMNS))


def make_result(
    equity: pd.DataFrame,
    fills: pd.DataFrame | None = None,
    starting_cash: float = 100.0,
    risk_free_rate: float = 0.0,
) -> BacktestResult:
    """A BacktestResult of `equity` and `fills` with empty orders and positions."""
    return BacktestResult(
        fills if fills is not None else fills_frame([]),
        empty_orders(),
        empty_positions(),
        equity,
        starting_cash,
        risk_free_rate=risk_free_rate,
    )
