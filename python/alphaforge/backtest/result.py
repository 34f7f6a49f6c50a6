"""What a backtest run produces: fills, orders, positions, the equity curve, and their figures."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.backtest.metrics import Metrics, compute_metrics, drawdown_series
from alphaforge.backtest.trades import round_trips

FILL_COLUMNS = ("ts", "symbol", "side", "qty", "price", "fee", "order_id", "strategy")
ORDER_COLUMNS = (
    "order_id",
    "ts",
    "symbol",
    "side",
    "type",
    "qty",
    "price",
    "status",
    "filled_qty",
    "avg_fill_price",
    "strategy",
    "reject_reason",
)
POSITION_COLUMNS = (
    "strategy",
    "symbol",
    "qty",
    "avg_price",
    "realized_pnl",
    "unrealized_pnl",
    "fees",
)
EQUITY_COLUMNS = ("cash", "positions_value", "equity")
SIDES = ("BUY", "SELL")


# eq=False: DataFrames have no single truth value, so results compare by identity.
@dataclass(frozen=True, eq=False)
class BacktestResult:
    """The record of one backtest run; the inputs are checked once, the metrics computed once."""

    fills: pd.DataFrame
    orders: pd.DataFrame
    positions: pd.DataFrame
    equity: pd.DataFrame
    starting_cash: float
    risk_free_rate: float = field(default=0.0, kw_only=True)

    def __post_init__(self) -> None:
        _check_number("starting_cash", self.starting_cash, positive=True)
        _check_number("risk_free_rate", self.risk_free_rate, positive=False)
        if self.risk_free_rate <= -1.0:
            raise ValueError(f"risk_free_rate must be greater than -1, got {self.risk_free_rate!r}")
        _check_frame("fills", self.fills, FILL_COLUMNS)
        _check_frame("orders", self.orders, ORDER_COLUMNS)
        _check_frame("positions", self.positions, POSITION_COLUMNS)
        _check_frame("equity", self.equity, EQUITY_COLUMNS)
        _check_fills(self.fills)
        _check_equity(self.equity)

    @property
    def final_equity(self) -> float:
        """Cash plus marked positions at the last point of the equity curve."""
        return float(self.equity["equity"].iloc[-1])

    @cached_property
    def trades(self) -> pd.DataFrame:
        """Closed round-trip trades per (strategy, symbol), PnL net of fees."""
        return round_trips(self.fills)

    @cached_property
    def metrics(self) -> Metrics:
        """Every performance figure of the run (see docs/metrics.md for the definitions)."""
        return compute_metrics(
            self.equity, self.fills, self.trades, self.starting_cash, self.risk_free_rate
        )

    @cached_property
    def drawdown(self) -> pd.Series:
        """Fractional distance below the running peak of equity at every point."""
        values = self.equity["equity"].to_numpy(dtype=np.float64)
        return pd.Series(
            drawdown_series(values, self.starting_cash), index=self.equity.index, name="drawdown"
        )

    def metrics_frame(self) -> pd.DataFrame:
        """The metrics as a one-column DataFrame for printing."""
        return self.metrics.to_frame()

    def plot(self, path: str | Path) -> Path:
        """Write a PNG of the equity curve, drawdown and trade markers; return its path."""
        from alphaforge.backtest.report import write_png

        return write_png(self, path)

    def to_html(self, path: str | Path) -> Path:
        """Write a self-contained HTML report; return its path."""
        from alphaforge.backtest.report import write_html

        return write_html(self, path)


def _check_number(name: str, value: object, *, positive: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")


def _check_frame(name: str, frame: object, columns: Iterable[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s) {', '.join(map(repr, missing))}")


def _check_utc(name: str, dtype: Any) -> None:
    if not isinstance(dtype, pd.DatetimeTZDtype) or str(dtype.tz) != "UTC":
        raise ValueError(f"{name} must be datetime64[ns, UTC], got {dtype}")


def _check_finite(name: str, series: pd.Series) -> None:
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise ValueError(
            f"{name} must be finite numbers, got {_plain(series.iloc[bad[0]])!r}"
            f" at {series.index[bad[0]]}"
        )


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds, so messages read 1.5, not np.float64(1.5)."""
    return value.item() if isinstance(value, np.generic) else value


def _check_fills(fills: pd.DataFrame) -> None:
    if len(fills) == 0:
        return
    _check_utc("fills column 'ts'", fills["ts"].dtype)
    if fills["ts"].isna().any():
        raise ValueError("fills column 'ts' has missing timestamps")
    for column in ("symbol", "strategy"):
        missing = fills[column].isna()
        if missing.any():
            row = fills.index[missing.to_numpy()][0]
            raise ValueError(f"fills column {column!r} has a missing value at {row}")
    bad_side = ~fills["side"].isin(SIDES)
    if bad_side.any():
        row = fills.index[bad_side.to_numpy()][0]
        side = _plain(fills["side"][row])
        raise ValueError(f"fills column 'side' must be 'BUY' or 'SELL', got {side!r} at {row}")
    for column in ("qty", "price", "fee"):
        _check_finite(f"fills column {column!r}", fills[column])
    not_positive = fills["qty"] <= 0
    if not_positive.any():
        row = fills.index[not_positive.to_numpy()][0]
        qty = _plain(fills["qty"][row])
        raise ValueError(f"fills column 'qty' must be positive, got {qty!r} at {row}")


def _check_equity(equity: pd.DataFrame) -> None:
    if len(equity) == 0:
        raise ValueError("equity has no rows: a run produces at least one point")
    if not isinstance(equity.index, pd.DatetimeIndex):
        raise ValueError(f"equity must be indexed by timestamps, got {type(equity.index).__name__}")
    _check_utc("equity index", equity.index.dtype)
    if not equity.index.is_monotonic_increasing or not equity.index.is_unique:
        stamps = equity.index
        at = next(i for i in range(1, len(stamps)) if not stamps[i] > stamps[i - 1])
        raise ValueError(
            f"equity index must be strictly increasing, but {stamps[at]} follows {stamps[at - 1]}"
        )
    for column in EQUITY_COLUMNS:
        _check_finite(f"equity column {column!r}", equity[column])
